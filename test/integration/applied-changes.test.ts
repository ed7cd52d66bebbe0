// Once-only apply across a re-read (design §6) with the real pipeline, against real MariaDB,
// PostgreSQL and Redis: a batch whose target transaction committed but whose Kafka offsets did not
// (a rebalance, a failed offset commit) is read again by another process. A `delta` merge would count
// its increment twice; the change is noted as applied and skipped instead.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { DbtwinConfig, LinkConfig } from '../../src/config/dbtwin-config.js';
import { endpointsFromEnv } from '../../src/config/environment.js';
import { createLogger } from '../../src/core/logger.js';
import { appliedKeys } from '../../src/core/redis-keys.js';
import type { EngineDriver } from '../../src/engines/engine-driver.js';
import { LoopGuard } from '../../src/echo/loop-guard.js';
import { DeadLetterQueue } from '../../src/pipeline/dead-letter-queue.js';
import { LinkPipeline } from '../../src/pipeline/link-pipeline.js';
import { openSideCatalog, openTargetSide } from '../../src/pipeline/target-side.js';
import type { SourceMessage } from '../../src/source/kafka-change-source.js';
import { builtInRuleSet, type RuleSet } from '../../src/rules/rule-set.js';
import { changeKey, changeValue, cols, topicOf } from '../support/debezium-fixtures.js';
import { ScratchPair, scratchFixtures } from '../support/scratch-pair.js';

const { redisUrl } = endpointsFromEnv();
const run = randomUUID().slice(0, 8);
const prefix = `actest-${run}`;
const table = `ac_${run}`;

const { onMariadb } = scratchFixtures(prefix, table, [
  cols.int64('id', { optional: false }),
  cols.int64('qty', { optional: false }),
]);

describe('once-only apply across a re-read (real pipeline; MariaDB → PostgreSQL, Redis)', () => {
  let pair: ScratchPair;
  let config: DbtwinConfig;
  let link: LinkConfig;
  let mariadb: EngineDriver;
  let postgres: EngineDriver;
  let redis: Redis;

  /** `merge` with `qty: delta`: a conflicting change adds its increment to the target's value. */
  const counters: RuleSet = (() => {
    const built = builtInRuleSet(['mariadb', 'postgres']);
    return {
      ...built,
      defaults: {
        ...built.defaults,
        policy: { kind: 'merge', fallback: 'priority' },
        columns: { qty: { kind: 'delta' } },
      },
    };
  })();

  /** MariaDB's change of row `id`: qty `from` → `to`, at `offset` of partition 0. */
  function increment(id: number, from: number, to: number, offset: number): SourceMessage {
    return {
      topic: topicOf(onMariadb),
      partition: 0,
      offset: String(offset),
      key: Buffer.from(changeKey(onMariadb, { id })),
      value: Buffer.from(
        changeValue(onMariadb, { op: 'u', before: { id, qty: from }, after: { id, qty: to } }),
      ),
      headers: {},
      timestampMs: Date.now(),
    };
  }

  /**
   * Runs `messages` through a fresh pipeline of the link (a process of its own: nothing in memory
   * from an earlier reading), with once-only apply unless `withoutApplied`. Returns its counters.
   */
  async function readOnce(
    messages: readonly SourceMessage[],
    options: { withoutApplied?: boolean; commitAt?: number } = {},
  ): Promise<LinkPipeline['counters']> {
    const guard = LoopGuard.open(config, createLogger('test', 'silent'));
    await guard.ready();
    const target = await openTargetSide(config, link.to);
    const catalog = await openSideCatalog(config, link.from);
    const queue = DeadLetterQueue.forLink(config, link);
    try {
      const pipeline = LinkPipeline.forLink(
        config,
        link,
        target,
        queue,
        createLogger('test', 'silent'),
        {
          guard: guard.forLink(link),
          sourceCatalog: catalog.introspector,
          ...(options.withoutApplied ? {} : { applied: guard.applied }),
        },
        { current: () => counters, runFunction: () => Promise.resolve({ manual: 'no functions here' }) },
      );
      await pipeline.handle(messages);
      // The source's offset commit: every offset below `commitAt` is never read again.
      if (options.commitAt !== undefined)
        await pipeline.committed(topicOf(onMariadb), 0, String(options.commitAt));
      return pipeline.counters;
    } finally {
      await queue.close();
      await catalog.close();
      await target.close();
      await guard.close();
    }
  }

  async function qtyOnPostgres(id: number): Promise<number> {
    const [row] = await postgres.query(`SELECT qty FROM ${table} WHERE id = $1`, [id]);
    return Number(row?.['qty']);
  }

  before(async () => {
    pair = await ScratchPair.open({
      prefix,
      table,
      links: ['mariadb->postgres'],
    });
    ({ config, mariadb, postgres } = pair);
    link = config.links[0]!;
    redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
    await mariadb.query(`CREATE TABLE ${table} (id BIGINT PRIMARY KEY, qty BIGINT NOT NULL)`);
    await postgres.query(`CREATE TABLE ${table} (id bigint PRIMARY KEY, qty bigint NOT NULL)`);
    // Both sides started at 100; PostgreSQL has since added 10 to each row, so every MariaDB change
    // below conflicts (update-differs) and is merged by its delta.
    await mariadb.query(`INSERT INTO ${table} VALUES (1, 100), (2, 100), (3, 100)`);
    await postgres.query(`INSERT INTO ${table} VALUES (1, 110), (2, 110), (3, 110)`);
  });

  after(async () => {
    redis?.disconnect();
    await pair?.close();
  });

  it('a batch read again by another process after its target commit is skipped: the delta counts once', async () => {
    const batch = [increment(1, 100, 105, 40), increment(2, 100, 97, 41)];
    const first = await readOnce(batch);
    assert.equal(first.applied, 2, 'the first reading applies both changes');
    assert.equal(await qtyOnPostgres(1), 115, 'row 1: 110 + 5');
    assert.equal(await qtyOnPostgres(2), 107, 'row 2: 110 - 3');

    // The offsets were never committed: another process reads the same batch, plus one change more.
    const again = await readOnce([...batch, increment(3, 100, 102, 42)]);
    assert.equal(again.appliedBefore, 2, 'both changes of the first reading are known as applied');
    assert.equal(again.applied, 1, 'only the new change is applied');
    assert.equal(await qtyOnPostgres(1), 115, 'row 1 counted its +5 once');
    assert.equal(await qtyOnPostgres(2), 107, 'row 2 counted its -3 once');
    assert.equal(await qtyOnPostgres(3), 112, 'row 3: 110 + 2');
    console.log(
      `# re-read: ${again.appliedBefore} change(s) skipped as applied before, ${again.applied} applied; rows 115/107/112`,
    );
  });

  it('without the note, the same re-read counts the increment twice (what the note prevents)', async () => {
    await readOnce([increment(1, 100, 105, 40)], { withoutApplied: true });
    assert.equal(await qtyOnPostgres(1), 120, 'row 1 counted its +5 a second time');
    await postgres.query(`UPDATE ${table} SET qty = 115 WHERE id = 1`);
  });

  it('a re-read that reaches further collapses only the changes after those applied', async () => {
    // Row 3 on MariaDB: 102 → 104 → 109, then 110. PostgreSQL holds 112 (its own +10 merged in).
    await readOnce([increment(3, 102, 104, 50), increment(3, 104, 109, 51)]);
    assert.equal(await qtyOnPostgres(3), 119, 'row 3: 112 + 2 + 5');
    const again = await readOnce([
      increment(3, 102, 104, 50),
      increment(3, 104, 109, 51),
      increment(3, 109, 110, 52),
    ]);
    assert.equal(again.appliedBefore, 2);
    assert.equal(await qtyOnPostgres(3), 120, 'row 3: only the +1 of the change not applied before');
  });

  it('committing the offsets forgets the notes below the commit; those beyond it stay', async () => {
    const key = appliedKeys(prefix).applied(link.name, topicOf(onMariadb), 0);
    assert.deepEqual(await redis.zrange(key, 0, -1), ['40', '41', '42', '50', '51', '52']);
    await readOnce([], { commitAt: 42 });
    assert.deepEqual(
      await redis.zrange(key, 0, -1),
      ['42', '50', '51', '52'],
      'offsets 40 and 41 are committed',
    );
    await readOnce([], { commitAt: 53 });
    assert.deepEqual(await redis.zrange(key, 0, -1), [], 'every offset up to 52 is committed');
  });
});
