import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { AdminServer } from '../../admin/admin-server.js';
import { DbtwinError } from '../../core/dbtwin-error.js';
import { ErrorCode } from '../../core/error-codes.js';
import { createLogger } from '../../core/logger.js';
import { loadConfig } from '../../config/config-loader.js';
import type { DbtwinConfig, LinkConfig } from '../../config/dbtwin-config.js';
import { DeadLetterQueue } from '../../pipeline/dead-letter-queue.js';
import { LinkRunner } from '../../pipeline/link-runner.js';
import { LoopGuard } from '../../echo/loop-guard.js';
import { ConflictLedger, ledgerTopic } from '../../rules/conflict-ledger.js';
import { RulesRuntime } from '../../rules/rules-runtime.js';
import { RulesHashRegistry } from '../../cluster/rules-hash-registry.js';

/**
 * `dbtwin run [--link <from>-><to>]…`: runs every link of the configuration (or the named ones) in this
 * process until SIGINT/SIGTERM, then stops gracefully: each link finishes its batch, commits, leaves
 * its consumer group. Several processes running the same links share the partitions.
 */
export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('run the replication links of the configuration (all, or those named with --link)')
    .option('-c, --config <file>', 'configuration file', process.env['DBTWIN_CONFIG'] ?? 'dbtwin.yaml')
    .option('-l, --link <name...>', 'only these links, as <from>-><to>')
    .option('--admin-port <port>', 'admin HTTP port (0 = any free port; default from the config)')
    .option(
      '--shadow <dir>',
      'candidate rules: evaluated beside the live ones on every conflict and never applied; each decision that would differ is logged ("shadow rules would decide differently") and counted (dbtwin_shadow_differences_total)',
    )
    .action(async (opts: { config: string; link?: string[]; adminPort?: string; shadow?: string }) => {
      const config = await loadConfig(opts.config);
      await runLinks(
        config,
        selectLinks(config, opts.link),
        opts.adminPort === undefined ? config.admin.port : Number(opts.adminPort),
        opts.shadow,
      );
    });
}

function selectLinks(config: DbtwinConfig, names: readonly string[] | undefined): LinkConfig[] {
  if (!names || names.length === 0) return [...config.links];
  return names.map((name) => {
    const link = config.links.find((l) => l.name === name);
    if (!link) {
      throw new DbtwinError(ErrorCode.ConfigInvalid, `no link ${name} in ${config.file}`, {
        hint: `links there: ${config.links.map((l) => l.name).join(', ') || 'none'}`,
      });
    }
    return link;
  });
}

async function runLinks(
  config: DbtwinConfig,
  links: readonly LinkConfig[],
  adminPort: number,
  shadowDir?: string,
): Promise<void> {
  const logger = createLogger('dbtwin');
  const runners: LinkRunner[] = [];
  const sinks: DeadLetterQueue[] = [];
  // One loop guard for the process: links of a pair in one process share its local fingerprints.
  const loop = LoopGuard.open(config, logger);
  const ledger = new ConflictLedger(config.kafka.brokers, ledgerTopic(config.kafka.groupPrefix));
  let rules: RulesRuntime | undefined;
  let shadow: RulesRuntime | undefined;
  let registry: RulesHashRegistry | undefined;
  let ready = false;
  const admin = new AdminServer(
    {
      ready: () => ready,
      status: () => ({
        config: config.file,
        pid: process.pid,
        rules: rules
          ? { ...rules.status(), ...(registry ? { cluster: registry.snapshot() } : {}) }
          : undefined,
        ...(shadow ? { shadowRules: shadow.status() } : {}),
        links: runners.map((r) => r.status()),
      }),
      links: () => runners.map((r) => r.status()),
    },
    adminPort,
    config.admin.host,
  );
  const port = await admin.start();
  logger.info({ adminPort: port, links: links.map((l) => l.name) }, 'dbtwin starting');

  let stopping: Promise<void> | undefined;
  const stop = (signal: string): Promise<void> =>
    (stopping ??= (async () => {
      logger.info({ signal }, 'stopping: finishing batches, committing, leaving groups');
      ready = false;
      await Promise.allSettled(runners.map((r) => r.stop()));
      await Promise.allSettled(sinks.map((s) => s.close()));
      await loop.close();
      await ledger.close().catch(() => undefined);
      await registry?.stop();
      await rules?.close();
      await shadow?.close();
      await admin.stop();
      logger.info('stopped');
    })());
  const stopped = new Promise<void>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const)
      process.once(signal, () => void stop(signal).then(resolve));
  });

  try {
    await loop.ready();
    await ledger.open();
    rules = await RulesRuntime.open(config, logger);
    if (shadowDir !== undefined) {
      shadow = await RulesRuntime.open(config, logger.child({ shadow: true }), path.resolve(shadowDir));
      logger.info(
        { shadowRules: shadow.status() },
        `shadow rules from ${shadowDir}: evaluated beside the live rules, never applied`,
      );
    }
    const live = rules;
    registry = new RulesHashRegistry(
      loop.redis,
      config.kafka.groupPrefix,
      `${os.hostname()}:${process.pid}:${port}`,
      () => live.status().hash,
      logger,
    );
    await registry.start();
    const source = shadow ? { ...rules.source, shadow: shadow.source } : rules.source;
    for (const link of links) {
      const sink = DeadLetterQueue.forLink(config, link);
      sinks.push(sink);
      const runner = await LinkRunner.open(config, link, sink, logger, loop, source);
      runner.pipeline.onConflicts = (conflicts) => ledger.publish(link, conflicts);
      runners.push(runner);
      await runner.start();
    }
  } catch (error) {
    await stop('startup failure');
    throw error;
  }
  ready = true;
  await stopped;
}
