import type { Command } from 'commander';
import { AdminServer } from '../../admin/admin-server.js';
import type { ChangeEvent } from '../../core/change-event.js';
import { createLogger } from '../../core/logger.js';
import { rowToJson } from '../../core/value-json.js';
import { endpointsFromEnv } from '../../config/environment.js';
import { LOCAL_SIDES, localTopic } from '../../config/local-stack.js';
import type { EngineDriver } from '../../engines/engine-driver.js';
import { MysqlDriver } from '../../engines/mysql/mysql-driver.js';
import { PostgresDriver } from '../../engines/postgres/postgres-driver.js';
import { decodeDebeziumMessage } from '../../source/debezium-decoder.js';
import { KafkaChangeSource } from '../../source/kafka-change-source.js';
import { KafkaTopics } from '../../source/kafka-topics.js';

const TABLE = 'demo_accounts';

/** One scripted write: which side, what it does, the SQL with bound parameters. */
interface DemoWrite {
  readonly side: 'mariadb' | 'postgres';
  readonly what: string;
  readonly sql: string;
  readonly params: readonly unknown[];
}

/**
 * `dbtwin demo`: dbtwin live on the local stack. It writes rows on MariaDB and on PostgreSQL and prints
 * each change as dbtwin's consumer receives and decodes it from the Debezium topics, with the side the
 * `dbtwin-origin` header names. (It grows into the two-way replication demo as the links land.)
 */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'live demo on the local stack: changes on MariaDB and PostgreSQL, decoded by dbtwin as they happen',
    )
    .option('--seconds <n>', 'how long to wait for the last events after the scripted writes', '20')
    .option(
      '--follow',
      'keep watching after the script (Ctrl-C to stop); make your own changes to demo_accounts',
    )
    .option(
      '--admin-port <port>',
      'admin HTTP port (0 = any free port)',
      String(endpointsFromEnv().adminPort),
    )
    .action(async (opts: { seconds: string; follow?: boolean; adminPort: string }) => {
      await runDemo(Number(opts.seconds), opts.follow ?? false, Number(opts.adminPort));
    });
}

async function runDemo(seconds: number, follow: boolean, adminPort: number): Promise<void> {
  const logger = createLogger('dbtwin-demo');
  const brokers = endpointsFromEnv().kafkaBrokers;
  const mariadb = await MysqlDriver.connect(LOCAL_SIDES.mariadb.connection);
  const postgres = await PostgresDriver.connect(LOCAL_SIDES.postgres.connection);
  const drivers: Record<DemoWrite['side'], EngineDriver> = { mariadb, postgres };
  const topics = [localTopic('mariadb', TABLE), localTopic('postgres', TABLE)];
  const run = Date.now() % 100_000;

  console.log(
    `dbtwin demo: tables ${LOCAL_SIDES.mariadb.schema}.${TABLE} (MariaDB) and ${LOCAL_SIDES.postgres.schema}.${TABLE} (PostgreSQL)`,
  );
  await mariadb.query(
    `CREATE TABLE IF NOT EXISTS ${TABLE} (id INT PRIMARY KEY, owner VARCHAR(64) NOT NULL, balance DECIMAL(14,2) NOT NULL, updated_at DATETIME(6) NOT NULL)`,
  );
  await postgres.query(
    `CREATE TABLE IF NOT EXISTS ${TABLE} (id int PRIMARY KEY, owner varchar(64) NOT NULL, balance numeric(14,2) NOT NULL, updated_at timestamp(6) NOT NULL)`,
  );
  // Debezium reports the before-image of PostgreSQL updates and deletes only with a full replica identity.
  await postgres.query(`ALTER TABLE ${TABLE} REPLICA IDENTITY FULL`);
  // A first change on each side makes Debezium create the topics the consumer subscribes to; it is
  // made only once, and waited for, so it is never mistaken for one of this run's changes.
  const kafkaTopics = new KafkaTopics(brokers);
  const ready = await kafkaTopics.withData(topics);
  if (!ready.includes(topics[0]!))
    await mariadb.query(`INSERT IGNORE INTO ${TABLE} VALUES (0, 'seed', 0, NOW(6))`);
  if (!ready.includes(topics[1]!))
    await postgres.query(`INSERT INTO ${TABLE} VALUES (0, 'seed', 0, now()) ON CONFLICT (id) DO NOTHING`);
  await kafkaTopics.waitForTopics(topics, 60_000, true);
  const start = await kafkaTopics.endOffsets(topics);

  let received = 0;
  const bySide = new Map<string, number>();
  const source = new KafkaChangeSource({
    brokers,
    groupId: `dbtwin-demo-${process.pid}-${Date.now()}`,
    topics,
    fromBeginning: true,
    logger,
  });
  const admin = new AdminServer(
    { ready: () => true, status: () => ({ command: 'demo', received, bySide: Object.fromEntries(bySide) }) },
    adminPort,
    endpointsFromEnv().adminHost,
  );
  await admin.start();
  await source.start(async (messages) => {
    for (const m of messages) {
      // Only this run's changes: earlier runs' events are still in the topics.
      if (BigInt(m.offset) < (start.get(m.topic)?.get(m.partition) ?? 0n)) continue;
      try {
        const result = decodeDebeziumMessage(m.key, m.value, {
          side: 'unknown',
          kafka: { topic: m.topic, partition: m.partition, offset: m.offset },
          originHeader: m.headers['dbtwin-origin'],
          hopHeader: m.headers['dbtwin-hop'],
        });
        if (result.kind !== 'event') continue;
        received++;
        bySide.set(result.event.side, (bySide.get(result.event.side) ?? 0) + 1);
        console.log(describeEvent(result.event));
      } catch (error) {
        console.log(`  !! ${(error as Error).message}`);
      }
    }
    return Promise.resolve();
  });

  const id1 = run * 10 + 1;
  const id2 = run * 10 + 2;
  const script: DemoWrite[] = [
    {
      side: 'mariadb',
      what: `insert account ${id1}`,
      sql: `INSERT INTO ${TABLE} VALUES (?, ?, ?, NOW(6))`,
      params: [id1, 'ada', '100.00'],
    },
    {
      side: 'postgres',
      what: `insert account ${id2}`,
      sql: `INSERT INTO ${TABLE} VALUES ($1, $2, $3, now())`,
      params: [id2, 'grace', '250.50'],
    },
    {
      side: 'mariadb',
      what: `credit account ${id1} by 42.25`,
      sql: `UPDATE ${TABLE} SET balance = balance + ?, updated_at = NOW(6) WHERE id = ?`,
      params: ['42.25', id1],
    },
    {
      side: 'postgres',
      what: `rename owner of ${id2}`,
      sql: `UPDATE ${TABLE} SET owner = $1, updated_at = now() WHERE id = $2`,
      params: ['grace h.', id2],
    },
    {
      side: 'mariadb',
      what: `delete account ${id1}`,
      sql: `DELETE FROM ${TABLE} WHERE id = ?`,
      params: [id1],
    },
    {
      side: 'postgres',
      what: `delete account ${id2}`,
      sql: `DELETE FROM ${TABLE} WHERE id = $1`,
      params: [id2],
    },
  ];
  console.log('consumer started; writing (→) and receiving (←):');
  for (const write of script) {
    await new Promise((resolve) => setTimeout(resolve, 1500));
    console.log(`→ ${write.side.padEnd(8)} ${write.what}`);
    await drivers[write.side].query(write.sql, write.params);
  }

  const expected = script.length;
  const deadline = Date.now() + seconds * 1000;
  while (!follow && received < expected && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 200));
  if (follow) {
    console.log('following; change demo_accounts on either side (Ctrl-C to stop)');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
  }
  await source.stop();
  await admin.stop();
  await mariadb.close();
  await postgres.close();
  const summary = [...bySide.entries()].map(([side, n]) => `${n} from ${side}`).join(', ') || 'none';
  console.log(`demo: ${received} change event(s) decoded (${summary}); ${expected} written by the script.`);
  if (!follow && received < expected) {
    console.log(
      'demo: some events did not arrive in time — check `npx dbtwin connectors status` and .stack/logs/connect.log',
    );
    process.exitCode = 1;
  }
}

const OPS: Record<ChangeEvent['op'], string> = {
  r: 'read',
  c: 'insert',
  u: 'update',
  d: 'delete',
  t: 'truncate',
};

function describeEvent(event: ChangeEvent): string {
  const row = event.op === 'd' ? event.before : event.after;
  return `← ${event.side.padEnd(8)} ${OPS[event.op].padEnd(6)} ${event.table} key=${JSON.stringify(rowToJson(event.key))} ${event.op === 'd' ? 'before' : 'after'}=${JSON.stringify(rowToJson(row))}`;
}
