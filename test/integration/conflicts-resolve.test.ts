// `dbtwin conflicts resolve` as operators run it (the built CLI), against real MariaDB, PostgreSQL,
// Kafka and Redis: conflicts held by the real pipeline (policy manual), then decided.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import type { DbtwinConfig, LinkConfig } from '../../src/config/dbtwin-config.js';
import { endpointsFromEnv } from '../../src/config/environment.js';
import { createLogger } from '../../src/core/logger.js';
import { deadLetterQueueName, QUEUE_PREFIX } from '../../src/core/redis-keys.js';
import type { EngineDriver } from '../../src/engines/engine-driver.js';
import { DeadLetterQueue } from '../../src/pipeline/dead-letter-queue.js';
import { LinkPipeline } from '../../src/pipeline/link-pipeline.js';
import { openTargetSide } from '../../src/pipeline/target-side.js';
import { ConflictLedger, ledgerTopic, type LedgerEntry } from '../../src/rules/conflict-ledger.js';
import { builtInRuleSet, type RuleSet } from '../../src/rules/rule-set.js';
import {
  base64,
  changeKey,
  changeValue,
  cols,
  decimalBase64,
  topicOf,
  type FixtureObject,
  type TableFixture,
} from '../support/debezium-fixtures.js';
import { runCli } from '../support/run-cli.js';
import { ScratchPair, scratchFixtures } from '../support/scratch-pair.js';

const { redisUrl } = endpointsFromEnv();
const run = randomUUID().slice(0, 8);
const prefix = `crtest-${run}`;
const table = `cr_${run}`;

const columns = [
  cols.int64('id', { optional: false }),
  cols.string('name', { optional: false }),
  cols.decimal('amount', 12, 2),
  cols.microTimestamp('seen_at'),
  cols.bytes('payload'),
];
const { onMariadb, onPostgres } = scratchFixtures(prefix, table, columns);

/** A row as Debezium reports it: decimal as base64 unscaled, timestamp in micros, bytes in base64. */
function payload(id: number, name: string, cents: bigint, micros: bigint, bytes: number[]): FixtureObject {
  return { id, name, amount: decimalBase64(cents), seen_at: micros, payload: base64(bytes) };
}

/** Every row of the scratch table on one side, as comparable text. */
async function rowsOf(driver: EngineDriver, engine: 'mysql' | 'postgres'): Promise<Record<string, string>[]> {
  const sql =
    engine === 'mysql'
      ? `SELECT id, name, CAST(amount AS CHAR) AS amount, DATE_FORMAT(seen_at, '%Y-%m-%dT%H:%i:%s.%f') AS seen_at, LOWER(HEX(payload)) AS payload FROM ${table} ORDER BY id`
      : `SELECT id::text AS id, name, amount::text AS amount, to_char(seen_at, 'YYYY-MM-DD"T"HH24:MI:SS.US') AS seen_at, encode(payload, 'hex') AS payload FROM ${table} ORDER BY id`;
  const rows = await driver.query(sql);
  return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, String(v)])));
}

describe('dbtwin conflicts resolve (built CLI; real MariaDB, PostgreSQL, Kafka, Redis)', () => {
  let pair: ScratchPair;
  let configFile: string;
  let config: DbtwinConfig;
  let mariadb: EngineDriver;
  let postgres: EngineDriver;
  /** The ledger's entries of the held conflicts, by `<link> <key id>`. */
  const ids = new Map<string, LedgerEntry>();
  const conflictOf = (link: string, id: number): LedgerEntry => ids.get(`${link} ${id}`)!;

  /** Feeds one Debezium message through the real pipeline of `link` under policy manual. */
  async function hold(
    link: LinkConfig,
    fixture: TableFixture,
    offset: number,
    op: 'u' | 'd',
    before: FixtureObject,
    after: FixtureObject | null,
  ): Promise<void> {
    const manual: RuleSet = (() => {
      const built = builtInRuleSet(Object.keys(config.sides));
      return { ...built, defaults: { ...built.defaults, policy: { kind: 'manual' } } };
    })();
    const target = await openTargetSide(config, link.to);
    const queue = DeadLetterQueue.forLink(config, link);
    const ledger = new ConflictLedger(config.kafka.brokers, ledgerTopic(config.kafka.groupPrefix));
    await ledger.open();
    try {
      const pipeline = LinkPipeline.forLink(
        config,
        link,
        target,
        queue,
        createLogger('test', 'silent'),
        undefined,
        {
          current: () => manual,
          runFunction: () => Promise.resolve({ manual: 'no functions here' }),
        },
      );
      pipeline.onConflicts = (c) => ledger.publish(link, c);
      await pipeline.handle([
        {
          topic: topicOf(fixture),
          partition: 0,
          offset: String(offset),
          key: Buffer.from(changeKey(fixture, before)),
          value: Buffer.from(changeValue(fixture, { op, before, after })),
          headers: { 'dbtwin-origin': link.from },
          timestampMs: Date.now(),
        },
      ]);
      assert.equal(pipeline.counters.deadLettered, 1, 'the change is held');
    } finally {
      await ledger.close();
      await queue.close();
      await target.close();
    }
  }

  before(async () => {
    pair = await ScratchPair.open({
      prefix,
      table,
      extra: (dir) => `rules: { dir: ${path.join(dir, 'rules')} }`,
    });
    ({ config, configFile, mariadb, postgres } = pair);
    await mariadb.query(
      `CREATE TABLE ${table} (id BIGINT PRIMARY KEY, name VARCHAR(100) NOT NULL, amount DECIMAL(12,2), seen_at DATETIME(6), payload VARBINARY(16)) DEFAULT CHARSET=utf8mb4`,
    );
    await postgres.query(
      `CREATE TABLE ${table} (id bigint PRIMARY KEY, name varchar(100) NOT NULL, amount numeric(12,2), seen_at timestamp(6), payload bytea)`,
    );
    // Each side changed rows 1–3 its own way: MariaDB deleted row 3.
    await mariadb.query(
      `INSERT INTO ${table} VALUES (1, 'from mariadb', 10.50, '2025-01-02 03:04:05.123456', X'dead'), (2, 'm2', 2.00, NULL, NULL)`,
    );
    await postgres.query(
      `INSERT INTO ${table} VALUES (1, 'from postgres', 20.25, '2025-02-03 04:05:06.654321', '\\xbeef'), (2, 'p2', 3.00, NULL, NULL), (3, 'p3', 4.00, NULL, NULL)`,
    );
    const t = 1_735_787_045_123_456n;
    const [toPostgres, toMariadb] = config.links;
    // 1: MariaDB's update of row 1 meets PostgreSQL's other version (update-differs).
    await hold(
      toPostgres!,
      onMariadb,
      11,
      'u',
      payload(1, 'base', 100n, t, [1]),
      payload(1, 'from mariadb', 1050n, t, [0xde, 0xad]),
    );
    // 2: PostgreSQL's update of row 2 meets MariaDB's other version, on the reverse link.
    await hold(
      toMariadb!,
      onPostgres,
      12,
      'u',
      payload(2, 'base2', 100n, t, [2]),
      payload(2, 'p2', 300n, t, [2]),
    );
    // 3: MariaDB's delete of row 3, which PostgreSQL changed meanwhile (delete-differs).
    await hold(toPostgres!, onMariadb, 13, 'd', payload(3, 'base3', 100n, t, [3]), null);
    // 1 again, the other way: both sides changed row 1 at once, so both links hold it.
    await hold(
      toMariadb!,
      onPostgres,
      14,
      'u',
      payload(1, 'base', 100n, t, [1]),
      payload(1, 'from postgres', 2025n, 1_738_555_506_654_321n, [0xbe, 0xef]),
    );
    const ledger = new ConflictLedger(config.kafka.brokers, ledgerTopic(prefix));
    for (const e of await ledger.readAll()) ids.set(`${e.link} ${String(e.key['id'])}`, e);
  });

  after(async () => {
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
    for (const [from, to] of [
      ['mariadb', 'postgres'],
      ['postgres', 'mariadb'],
    ] as const) {
      const raw = new Queue(deadLetterQueueName(prefix, from, to), {
        connection: redis,
        prefix: QUEUE_PREFIX,
      });
      await raw.obliterate({ force: true });
      await raw.close();
    }
    redis.disconnect();
    const admin = new Kafka({ brokers: ['127.0.0.1:9092'], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [ledgerTopic(prefix)] }).catch(() => undefined);
    await admin.disconnect();
    await pair?.close();
  });

  it('the held conflicts are in the ledger (manual) and their changes in the dead-letter queues', async () => {
    assert.deepEqual(
      [...ids.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, e]) => [key, e.type, e.outcome]),
      [
        ['mariadb->postgres 1', 'update-differs', 'manual'],
        ['mariadb->postgres 3', 'delete-differs', 'manual'],
        ['postgres->mariadb 1', 'update-differs', 'manual'],
        ['postgres->mariadb 2', 'update-differs', 'manual'],
      ],
    );
    const list = await runCli(['conflicts', 'list', '-c', configFile, '--unresolved']);
    assert.equal(list.code, 0, list.stderr);
    assert.equal(list.stdout.trimEnd().split('\n').length, 4, list.stdout);
    assert.match(list.stdout, /→ manual, unresolved/);
  });

  it('an unknown id is a clear error that says where the ids are', async () => {
    const result = await runCli([
      'conflicts',
      'resolve',
      'mariadb->postgres|nope/0/1',
      '--take',
      'mariadb',
      '-c',
      configFile,
    ]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /\[DBT1001\] no conflict mariadb->postgres\|nope\/0\/1 in the ledger topic/);
    assert.ok(result.stderr.includes('dbtwin conflicts list --outcome manual'), result.stderr);
  });

  it('--take mariadb: PostgreSQL ends with MariaDB’s row; the dead letter leaves the queue', async () => {
    const conflict = conflictOf('mariadb->postgres', 1);
    const queue = DeadLetterQueue.forLink(config, config.links[0]!);
    try {
      assert.ok(await queue.get(conflict.incomingPosition.kafka), 'held before');
      const wrong = await runCli(['conflicts', 'resolve', conflict.id, '--take', 'oracle', '-c', configFile]);
      assert.equal(wrong.code, 1);
      assert.match(wrong.stderr, /--take oracle: conflict .* is between mariadb and postgres/);

      const result = await runCli([
        'conflicts',
        'resolve',
        conflict.id,
        '--take',
        'mariadb',
        '--by',
        'tester',
        '-c',
        configFile,
      ]);
      assert.equal(result.code, 0, result.stderr);
      // The reverse link holds PostgreSQL's change of the same row: the operator hears of it.
      const twin = conflictOf('postgres->mariadb', 1);
      assert.equal(
        result.stderr,
        `note: 1 other manual conflict(s) of this row still wait (the sides agree now; resolve them too, to clear their dead letters): ${twin.id}\n`,
      );
      assert.match(result.stdout, new RegExp(`^postgres: upserted public\\.${table} \\{"id":"1"\\}$`, 'm'));
      assert.ok(
        result.stdout.includes(`dead letter ${conflict.incomingPosition.kafka} removed`),
        result.stdout,
      );
      assert.equal(await queue.get(conflict.incomingPosition.kafka), undefined, 'the dead letter is gone');
    } finally {
      await queue.close();
    }
    const [m1] = await rowsOf(mariadb, 'mysql');
    const [p1] = await rowsOf(postgres, 'postgres');
    assert.deepEqual(p1, m1);
    assert.deepEqual(m1, {
      id: '1',
      name: 'from mariadb',
      amount: '10.50',
      seen_at: '2025-01-02T03:04:05.123456',
      payload: 'dead',
    });
    // The write's echo fingerprint waits in Redis for the reverse link, as the apply stage leaves it.
    const redis = new Redis(redisUrl);
    try {
      assert.ok((await redis.keys(`${prefix}:echo:row:*`)).length > 0, 'an echo fingerprint is recorded');
    } finally {
      redis.disconnect();
    }
  });

  it('conflicts list shows the resolution and marks the conflict resolved; a second resolve fails', async () => {
    const conflict = conflictOf('mariadb->postgres', 1);
    const text = await runCli(['conflicts', 'list', '-c', configFile]);
    assert.equal(text.code, 0, text.stderr);
    const lines = text.stdout.trimEnd().split('\n');
    assert.ok(
      lines.some((l) => l.endsWith(conflict.id) && /→ manual, resolved \S+ by tester/.test(l)),
      text.stdout,
    );
    assert.ok(
      lines.some((l) =>
        l.includes(`resolved ${conflict.id}: took mariadb, row written to both sides (by tester)`),
      ),
      text.stdout,
    );
    const json = await runCli(['conflicts', 'list', '-c', configFile, '--json']);
    const entries = JSON.parse(json.stdout) as (LedgerEntry & { resolution?: { by: string } })[];
    const resolution = entries.find((e) => e.resolves === conflict.id);
    assert.equal(resolution?.outcome, 'resolved');
    assert.deepEqual(resolution?.decision, {
      kind: 'take',
      side: 'mariadb',
      result: 'upsert',
      deadLetters: [conflict.incomingPosition.kafka],
    });
    assert.equal(resolution?.incoming?.['name'], 'from mariadb');
    assert.equal(resolution?.current?.['name'], 'from postgres', 'the target row it replaced');
    assert.equal(entries.find((e) => e.id === conflict.id)?.resolution?.by, 'tester');

    const again = await runCli(['conflicts', 'resolve', conflict.id, '--take', 'postgres', '-c', configFile]);
    assert.equal(again.code, 1);
    assert.match(
      again.stderr,
      /\[DBT1001\] conflict .* is already resolved \(.* by tester: took mariadb, row written\)/,
    );
  });

  it('--row refuses unknown columns, naming them all, and writes nothing', async () => {
    const conflict = conflictOf('postgres->mariadb', 2);
    const before = [await rowsOf(mariadb, 'mysql'), await rowsOf(postgres, 'postgres')];
    const result = await runCli([
      'conflicts',
      'resolve',
      conflict.id,
      '--row',
      '{"name": "x", "nope": 1, "bogus": null}',
      '-c',
      configFile,
    ]);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      new RegExp(`\\[DBT1004\\] --row: dbtwin_scratch\\.${table} on mariadb has no columns "nope", "bogus"`),
    );
    assert.match(result.stderr, /its columns: id, name, amount, seen_at, payload/);
    const missing = await runCli([
      'conflicts',
      'resolve',
      conflict.id,
      '--row',
      '{"name": "x"}',
      '-c',
      configFile,
    ]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /missing: amount, seen_at, payload/);
    assert.deepEqual([await rowsOf(mariadb, 'mysql'), await rowsOf(postgres, 'postgres')], before);
  });

  it('--row writes the operator’s row to both sides, numbers exact', async () => {
    const conflict = conflictOf('postgres->mariadb', 2);
    const row =
      '{"id": 2, "name": "operator", "amount": 1234567890.12, "seen_at": "2025-06-07T08:09:10.000001", "payload": "c0ffee"}';
    const result = await runCli(['conflicts', 'resolve', conflict.id, '--row', row, '-c', configFile]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^mariadb: upserted dbtwin_scratch\.\S+ \{"id":"2"\}$/m);
    assert.match(result.stdout, /^postgres: upserted public\.\S+ \{"id":"2"\}$/m);
    const expected = {
      id: '2',
      name: 'operator',
      amount: '1234567890.12',
      seen_at: '2025-06-07T08:09:10.000001',
      payload: 'c0ffee',
    };
    assert.deepEqual((await rowsOf(mariadb, 'mysql'))[1], expected);
    assert.deepEqual((await rowsOf(postgres, 'postgres'))[1], expected);
    const queue = DeadLetterQueue.forLink(config, config.links[1]!);
    try {
      assert.equal(await queue.get(conflict.incomingPosition.kafka), undefined);
    } finally {
      await queue.close();
    }
  });

  it('--take of a side without the row deletes it on the other side', async () => {
    const conflict = conflictOf('mariadb->postgres', 3);
    const result = await runCli(['conflicts', 'resolve', conflict.id, '--take', 'mariadb', '-c', configFile]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`^postgres: deleted public\\.${table} \\{"id":"3"\\}$`, 'm'));
    assert.deepEqual(
      (await rowsOf(postgres, 'postgres')).map((r) => r['id']),
      ['1', '2'],
    );
    // The twin of conflict 1: the sides already agree, so deciding it writes nothing.
    const twin = conflictOf('postgres->mariadb', 1);
    const same = await runCli(['conflicts', 'resolve', twin.id, '--take', 'mariadb', '-c', configFile]);
    assert.equal(same.code, 0, same.stderr);
    assert.equal(same.stderr, '');
    assert.match(same.stdout, /^postgres: already held the row, nothing written$/m);
    assert.match(same.stdout, /^dead letter \S+ removed from the queue of postgres->mariadb$/m);
    const open = await runCli(['conflicts', 'list', '-c', configFile, '--unresolved']);
    assert.equal(open.code, 0, open.stderr);
    assert.equal(open.stdout, `no conflicts in ${ledgerTopic(prefix)}\n`);
    for (const link of config.links) {
      const queue = DeadLetterQueue.forLink(config, link);
      try {
        assert.equal(await queue.count(), 0, `no dead letter left on ${link.name}`);
      } finally {
        await queue.close();
      }
    }
  });
});
