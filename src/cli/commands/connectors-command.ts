import type { Command } from 'commander';
import { endpointsFromEnv } from '../../config/environment.js';
import { loadConnectorDefinitions } from '../../source/debezium-connector-config.js';
import { KafkaConnectClient } from '../../source/kafka-connect-client.js';

/** `dbtwin connectors apply|check|status|remove`: the Debezium sources, through Kafka Connect's REST API. */
export function registerConnectorsCommand(program: Command): void {
  const connectors = program
    .command('connectors')
    .description('register and inspect the Debezium connectors (Kafka Connect REST)');
  const urlOption = ['--connect-url <url>', 'Kafka Connect REST URL (env DBTWIN_CONNECT_URL)'] as const;

  connectors
    .command('check')
    .description(
      'validate connector files (JSON, ${VAR:-default} placeholders, what dbtwin needs) without Kafka Connect',
    )
    .argument('<paths...>', 'connector files or folders of *.json')
    .action(async (paths: string[]) => {
      const defs = await loadConnectorDefinitions(paths);
      for (const def of defs) console.log(`ok  ${def.name}  (${def.file})`);
    });

  connectors
    .command('apply')
    .description('create or update each connector (idempotent) and wait until it is RUNNING')
    .argument('<paths...>', 'connector files or folders of *.json')
    .option(...urlOption)
    .option('--no-wait', 'do not wait for RUNNING')
    .option('--timeout <seconds>', 'how long to wait for RUNNING', '90')
    .action(async (paths: string[], opts: { connectUrl?: string; wait: boolean; timeout: string }) => {
      const client = new KafkaConnectClient(opts.connectUrl ?? endpointsFromEnv().connectUrl);
      const defs = await loadConnectorDefinitions(paths);
      for (const def of defs) {
        const current = await client.config(def.name);
        const same = current !== undefined && sameConfig(current, { ...def.config, name: def.name });
        if (!same) await client.putConfig(def.name, def.config);
        const verb = current === undefined ? 'created' : same ? 'unchanged' : 'updated';
        if (opts.wait) {
          const status = await client.waitRunning(def.name, Number(opts.timeout) * 1000);
          console.log(
            `${verb.padEnd(9)} ${def.name}  ${status.connector.state} (${status.tasks.length} task(s))  from ${def.file}`,
          );
        } else {
          console.log(`${verb.padEnd(9)} ${def.name}  from ${def.file}`);
        }
      }
    });

  connectors
    .command('status')
    .description('every registered connector with its state and its tasks')
    .option(...urlOption)
    .action(async (opts: { connectUrl?: string }) => {
      const client = new KafkaConnectClient(opts.connectUrl ?? endpointsFromEnv().connectUrl);
      const names = await client.list();
      if (names.length === 0) console.log('no connectors registered');
      let failed = false;
      for (const name of names.sort()) {
        const status = await client.status(name);
        if (!status) continue;
        const tasks = status.tasks.map((t) => `${t.id}:${t.state}`).join(' ');
        failed ||= [status.connector, ...status.tasks].some((s) => s.state === 'FAILED');
        console.log(`${name}  ${status.connector.state}  tasks ${tasks || 'none'}`);
      }
      if (failed) process.exitCode = 1;
    });

  connectors
    .command('reset-offsets')
    .description(
      'make connectors forget their source position and start again by their snapshot.mode (stop, delete offsets, resume)',
    )
    .argument('<names...>')
    .option(...urlOption)
    .action(async (names: string[], opts: { connectUrl?: string }) => {
      const client = new KafkaConnectClient(opts.connectUrl ?? endpointsFromEnv().connectUrl);
      for (const name of names) {
        await client.resetOffsets(name);
        const status = await client.waitRunning(name);
        console.log(`reset ${name}  ${status.connector.state}`);
      }
    });

  connectors
    .command('remove')
    .description('unregister connectors by name (their offsets stay in Kafka Connect)')
    .argument('<names...>')
    .option(...urlOption)
    .action(async (names: string[], opts: { connectUrl?: string }) => {
      const client = new KafkaConnectClient(opts.connectUrl ?? endpointsFromEnv().connectUrl);
      for (const name of names) {
        await client.remove(name);
        console.log(`removed ${name}`);
      }
    });
}

function sameConfig(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) if (a[k] !== b[k]) return false;
  return true;
}
