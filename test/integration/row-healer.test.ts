// The convergence check's guard (design §4) against real MariaDB, PostgreSQL and Redis: a difference
// is settled only when each side's current row is the state the links last met for it (noted as the
// links note it: a decoded Debezium change, fingerprinted through the link's route). A row changed in a
// database but not yet read off its log by a link is left alone.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { DbtwinConfig, LinkConfig } from '../../src/config/dbtwin-config.js';
import { endpointsFromEnv } from '../../src/config/environment.js';
import { createLogger } from '../../src/core/logger.js';
import type { EngineDriver } from '../../src/engines/engine-driver.js';
import { LoopGuard } from '../../src/echo/loop-guard.js';
import type { RowFingerprint } from '../../src/echo/row-fingerprint.js';
import { TableRouter } from '../../src/pipeline/table-router.js';
import { openSideCatalog, openTargetSide } from '../../src/pipeline/target-side.js';
import { RowHealer } from '../../src/rules/row-healer.js';
import { builtInRuleSet } from '../../src/rules/rule-set.js';
import { decodeDebeziumMessage } from '../../src/source/debezium-decoder.js';
import {
  changeKey,
  changeValue,
  cols,
  topicOf,
  type FixtureObject,
  type TableFixture,
} from '../support/debezium-fixtures.js';
import { ScratchPair, scratchFixtures } from '../support/scratch-pair.js';

const { redisUrl } = endpointsFromEnv();
const run = randomUUID().slice(0, 8);
const prefix = `rhtest-${run}`;
const table = `rh_${run}`;
const QUIET_MS = 200;

const columns = [cols.int32('id', { optional: false }), cols.int32('a', { optional: false })];
const { onMariadb, onPostgres } = scratchFixtures(prefix, table, columns);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('convergence check: settles only rows whose current states the links have met (MariaDB, PostgreSQL, Redis)', () => {
  let pair: ScratchPair;
  let config: DbtwinConfig;
  let mariadb: EngineDriver;
  let postgres: EngineDriver;
  let redis: Redis;
  let guard: LoopGuard;

  /**
   * Notes a row as the link reading `fixture`'s side notes it when it reads that change off Kafka:
   * the Debezium change decoded, routed through the link's table router, fingerprinted by its guard.
   */
  async function linkReads(link: LinkConfig, fixture: TableFixture, row: FixtureObject): Promise<void> {
    const from = config.sides[link.from]!;
    const target = await openTargetSide(config, link.to);
    const catalog = await openSideCatalog(config, link.from);
    try {
      const router = new TableRouter(
        link,
        from,
        config.sides[link.to]!,
        target.introspector,
        catalog.introspector,
      );
      const decoded = decodeDebeziumMessage(
        Buffer.from(changeKey(fixture, row)),
        Buffer.from(changeValue(fixture, { op: 'c', before: null, after: row })),
        { side: link.from, kafka: { topic: topicOf(fixture), partition: 0, offset: '1' } },
      );
      assert.equal(decoded.kind, 'event');
      if (decoded.kind !== 'event') return;
      const route = await router.route(decoded.event.table);
      const linkGuard = guard.forLink(link);
      const print: RowFingerprint | undefined = linkGuard.fingerprintOf(decoded.event, route);
      assert.ok(print, 'the link fingerprints the change');
      await linkGuard.noteRead([print]);
    } finally {
      await catalog.close();
      await target.close();
    }
  }

  async function aOnPostgres(id: number): Promise<number> {
    const [row] = await postgres.query(`SELECT a FROM ${table} WHERE id = $1`, [id]);
    return Number(row?.['a']);
  }

  /** Schedules rows 1 and 2 and runs the check's rounds over three quiet periods. */
  async function checkRows(healer: RowHealer): Promise<void> {
    const [m2p] = config.links;
    await healer.schedule(m2p!.name, [
      { table, key: { id: 1 } },
      { table, key: { id: 2 } },
    ]);
    for (let i = 0; i < 12; i++) {
      await sleep(QUIET_MS / 2 + 20);
      await healer.round();
    }
  }

  before(async () => {
    pair = await ScratchPair.open({
      prefix,
      table,
      extra: `rules: { heal: { enabled: true, quietMs: ${QUIET_MS} } }`,
    });
    ({ config, mariadb, postgres } = pair);
    redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
    guard = LoopGuard.open(config, createLogger('test', 'silent'));
    await guard.ready();
    await mariadb.query(`CREATE TABLE ${table} (id INT PRIMARY KEY, a INT NOT NULL)`);
    await postgres.query(`CREATE TABLE ${table} (id int PRIMARY KEY, a int NOT NULL)`);
    // Rows 1 and 2 differ between the sides (MariaDB wins by side order, the built-in rules).
    await mariadb.query(`INSERT INTO ${table} VALUES (1, 1), (2, 10)`);
    await postgres.query(`INSERT INTO ${table} VALUES (1, 2), (2, 20)`);
  });

  after(async () => {
    await guard?.close();
    redis?.disconnect();
    await pair?.close();
  });

  /** A convergence check over the pair with the built-in rules, its loop not started (tests call `round`). */
  function newHealer(): RowHealer {
    return new RowHealer(
      config,
      redis,
      guard.echoes,
      guard.states,
      () => builtInRuleSet(['mariadb', 'postgres']),
      createLogger('test', 'silent'),
      { quietMs: QUIET_MS, intervalMs: 60_000 },
    );
  }

  it('rows whose states no link has met stay as they are', async () => {
    const healer = newHealer();
    try {
      await checkRows(healer);
      assert.equal(healer.counts.healed, 0, JSON.stringify(healer.counts));
      assert.ok(healer.counts.rechecked > 0, 'the rows were compared and left to wait');
      assert.equal(await aOnPostgres(1), 2);
      assert.equal(await aOnPostgres(2), 20);
    } finally {
      await healer.stop();
    }
  });

  it('a row both links have met is settled; one changed since (not yet read off its log) is not', async () => {
    const [m2p, p2m] = config.links;
    await linkReads(m2p!, onMariadb, { id: 1, a: 1 });
    await linkReads(p2m!, onPostgres, { id: 1, a: 2 });
    await linkReads(m2p!, onMariadb, { id: 2, a: 10 });
    await linkReads(p2m!, onPostgres, { id: 2, a: 20 });
    // Committed on MariaDB, never captured: the links met row 2 at 10, not at 11.
    await mariadb.query(`UPDATE ${table} SET a = 11 WHERE id = 2`);
    const healer = newHealer();
    try {
      await checkRows(healer);
      assert.equal(healer.counts.healed, 1, JSON.stringify(healer.counts));
      assert.equal(await aOnPostgres(1), 1, 'row 1: PostgreSQL now holds MariaDB’s row');
      assert.equal(await aOnPostgres(2), 20, 'row 2 waits for its change to be read');
      console.log(`# convergence check: ${JSON.stringify(healer.counts)}`);
    } finally {
      await healer.stop();
    }
  });
});
