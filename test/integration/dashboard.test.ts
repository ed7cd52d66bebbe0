// The admin dashboard (/dashboard, /dashboard/data) of real links, seen in headless Chromium: two real
// LinkRunners (MariaDB <-> PostgreSQL, scratch database) fed Debezium-shaped messages through real
// Kafka under a steady load, with conflicts, a dead letter and a ping-pong breaker trip on the way,
// their dead-letter queues, the breaker's quarantine and a cutover registry in real Redis. The page
// is loaded, its DOM checked, and a screenshot written to test-output/dashboard.png and checked.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import type { Locator } from 'playwright-core';
import { PNG } from 'pngjs';
import { AdminServer } from '../../src/admin/admin-server.js';
import { DashboardData, type DashboardDocument } from '../../src/admin/dashboard-data.js';
import { ConsumerLag } from '../../src/source/consumer-lag.js';
import { LinkHistory } from '../../src/admin/link-history.js';
import { InstanceRegistry } from '../../src/cluster/instance-registry.js';
import { loadConfig } from '../../src/config/config-loader.js';
import type { DbtwinConfig } from '../../src/config/dbtwin-config.js';
import { endpointsFromEnv } from '../../src/config/environment.js';
import { LOCAL_SIDES } from '../../src/config/local-stack.js';
import { createLogger } from '../../src/core/logger.js';
import { CutoverRegistry } from '../../src/cutover/cutover-registry.js';
import { cutoverKeys, deadLetterQueueName, QUEUE_PREFIX } from '../../src/core/redis-keys.js';
import { LoopGuard } from '../../src/echo/loop-guard.js';
import type { EngineDriver } from '../../src/engines/engine-driver.js';
import { MysqlDriver } from '../../src/engines/mysql/mysql-driver.js';
import { PostgresDriver } from '../../src/engines/postgres/postgres-driver.js';
import { DeadLetterQueue } from '../../src/pipeline/dead-letter-queue.js';
import { LinkRunner } from '../../src/pipeline/link-runner.js';
import {
  changeKey,
  changeValue,
  cols,
  topicOf,
  type FixtureObject,
  type TableFixture,
} from '../support/debezium-fixtures.js';
import { chromiumMissing, launchChromium } from '../support/chromium.js';
import { localSide, M2P, P2M, writeSidesConfig } from '../support/replication-harness.js';

const { redisUrl } = endpointsFromEnv();
const run = randomUUID().slice(0, 8);
const prefix = `dash-${run}`;
const table = `dash_${run}`;
const M = { ...LOCAL_SIDES.mariadb.connection, database: 'dbtwin_scratch' };
const P = { ...LOCAL_SIDES.postgres.connection, database: 'dbtwin_scratch' };
/** Where the screenshot goes (git-ignored). */
const OUTPUT = path.resolve('test-output');
const SCREENSHOT = path.join(OUTPUT, 'dashboard.png');

const columns = [cols.int64('id', { optional: false }), cols.string('name'), cols.int32('v')];
/** The scratch table as each side's connector would capture it (topics of this run's own). */
function capturedOn(connector: 'mariadb' | 'postgresql', schema?: string): TableFixture {
  const where = { db: 'dbtwin_scratch', ...(schema === undefined ? {} : { schema }) };
  return { connector, prefix: `${prefix}${connector[0]}`, ...where, table, keyColumns: ['id'], columns };
}
const onMariadb = capturedOn('mariadb');
const onPostgres = capturedOn('postgresql', 'public');

/**
 * The cutover the page must show, written to the real registry in Redis: three application instances
 * registered on MariaDB, two moved to PostgreSQL (one of them rolled back once and moved again).
 */
async function writeCutover(registry: CutoverRegistry): Promise<void> {
  for (const instance of ['billing-api-1', 'billing-api-2', 'reports-worker'])
    await registry.register(instance, 'mariadb', instance);
  const by = 'ops@admin-host';
  await registry.move({ instance: 'billing-api-1', from: 'mariadb', to: 'postgres', kind: 'move', by });
  await registry.move({ instance: 'reports-worker', from: 'mariadb', to: 'postgres', kind: 'move', by });
  await registry.move({ instance: 'reports-worker', from: 'postgres', to: 'mariadb', kind: 'rollback', by });
  await registry.move({ instance: 'reports-worker', from: 'mariadb', to: 'postgres', kind: 'move', by });
}

function row(id: number, v: number, name = `row ${id}`): FixtureObject {
  return { id, name, v };
}

/** A region of a screenshot, in CSS pixels of the page (device scale 1). */
interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/**
 * Counts the pixels of a region of a decoded PNG that differ clearly from the region's top-left pixel
 * (its background), and the distinct colours there: a blank or single-colour region has neither.
 */
function inkOf(image: PNG, box: Box): { ink: number; colours: number } {
  const { data, width } = image;
  const at = (x: number, y: number): number => (y * width + x) * 4;
  const x0 = Math.round(box.x);
  const y0 = Math.round(box.y);
  const bg = at(x0, y0);
  let ink = 0;
  const colours = new Set<number>();
  for (let y = y0; y < Math.min(image.height, y0 + Math.round(box.height)); y++) {
    for (let x = x0; x < Math.min(width, x0 + Math.round(box.width)); x++) {
      const i = at(x, y);
      const diff =
        Math.abs(data[i]! - data[bg]!) +
        Math.abs(data[i + 1]! - data[bg + 1]!) +
        Math.abs(data[i + 2]! - data[bg + 2]!);
      if (diff > 48) ink++;
      colours.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
    }
  }
  return { ink, colours: colours.size };
}

/** `read` of every element `all` matches, in document order. */
async function each<T>(all: Locator, read: (one: Locator) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0, n = await all.count(); i < n; i++) out.push(await read(all.nth(i)));
  return out;
}

describe('admin dashboard (real links over Kafka, Redis, MariaDB, PostgreSQL; headless Chromium)', () => {
  const missing = chromiumMissing();
  let dir: string;
  let config: DbtwinConfig;
  let mariadb: EngineDriver;
  let postgres: EngineDriver;
  let loop: LoopGuard | undefined;
  let producer: Producer | undefined;
  let kafkaAdmin: Admin | undefined;
  let lag: ConsumerLag | undefined;
  let history: LinkHistory | undefined;
  let admin: AdminServer | undefined;
  let cluster: InstanceRegistry | undefined;
  const runners: LinkRunner[] = [];
  const sinks: DeadLetterQueue[] = [];
  let loading = false;
  let load: Promise<void> = Promise.resolve();
  let port = 0;

  const runner = (link: string): LinkRunner => runners.find((r) => r.link.name === link)!;
  const send = async (fixture: TableFixture, messages: { key: string; value: string }[]): Promise<void> => {
    await producer!.send({ topic: topicOf(fixture), messages });
  };
  const change = (
    fixture: TableFixture,
    op: 'c' | 'u' | 'd',
    before: FixtureObject | null,
    after: FixtureObject | null,
  ): { key: string; value: string } => ({
    key: changeKey(fixture, (after ?? before)!),
    value: changeValue(fixture, { op, before, after }),
  });
  async function until(what: string, check: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(100);
    }
  }

  before(async () => {
    if (missing) return;
    dir = await mkdtemp(path.join(tmpdir(), 'dbtwin-dashboard-'));
    const scratch = { database: 'dbtwin_scratch' };
    const file = await writeSidesConfig({
      dir,
      groupPrefix: prefix,
      batchMaxRows: 500,
      sides: [
        localSide('mariadb', [table], {
          ...scratch,
          schema: 'dbtwin_scratch',
          topicPrefix: onMariadb.prefix,
        }),
        localSide('postgres', [table], { ...scratch, topicPrefix: onPostgres.prefix }),
      ],
      links: [
        { from: 'mariadb', to: 'postgres' },
        { from: 'postgres', to: 'mariadb' },
      ],
    });
    // A breaker that trips soon: more than 2 direction changes of a row within 5 minutes.
    config = { ...(await loadConfig(file)), breaker: { maxFlips: 2, windowSeconds: 300 } };
    mariadb = await MysqlDriver.connect(M);
    postgres = await PostgresDriver.connect(P);
    await mariadb.query(`CREATE TABLE ${table} (id BIGINT PRIMARY KEY, name VARCHAR(64), v INT)`);
    await postgres.query(`CREATE TABLE ${table} (id bigint PRIMARY KEY, name varchar(64), v int)`);
    // Row 777 exists on both sides (the breaker's row); 9001–9005 only on MariaDB, so PostgreSQL's
    // inserts of them meet rows already there (insert-exists).
    await mariadb.query(`INSERT INTO ${table} VALUES (777, 'ping', 0)`);
    await postgres.query(`INSERT INTO ${table} VALUES (777, 'ping', 0)`);
    await mariadb.query(
      `INSERT INTO ${table} VALUES ${[9001, 9002, 9003, 9004, 9005].map((id) => `(${id}, 'mariadb ${id}', 1)`).join(', ')}`,
    );

    const kafka = new Kafka({ brokers: config.kafka.brokers.slice(), logLevel: logLevel.NOTHING });
    kafkaAdmin = kafka.admin();
    await kafkaAdmin.connect();
    await kafkaAdmin.createTopics({
      topics: [onMariadb, onPostgres].map((f) => ({ topic: topicOf(f), numPartitions: 3 })),
      waitForLeaders: true,
    });
    producer = kafka.producer();
    await producer.connect();

    const logger = createLogger('dashboard-test', 'warn');
    loop = LoopGuard.open(config, logger);
    await loop.ready();
    for (const link of config.links) {
      const sink = DeadLetterQueue.forLink(config, link);
      sinks.push(sink);
      const r = await LinkRunner.open(config, link, sink, logger, loop);
      runners.push(r);
      await r.start();
    }
    lag = new ConsumerLag(config.kafka.brokers, 'dbtwin-dashboard-test');
    history = new LinkHistory(() => runners.map((r) => r.status()), {
      sampleMs: 1000,
      lag: (groups) => lag!.measure(groups),
    });
    history.start();
    const guard = loop;
    let instance = '';
    const cutover = new CutoverRegistry(loop.redis, prefix);
    await writeCutover(cutover);
    const dashboard = new DashboardData({
      links: () => runners.map((r) => r.status()),
      history,
      instance: () => instance,
      deadLetters: (link) => sinks[config.links.findIndex((l) => l.name === link)]!.count(),
      quarantined: () => guard.breaker.list(),
      cutover,
      cluster: () => InstanceRegistry.list(guard.redis, prefix),
    });
    admin = new AdminServer(
      {
        ready: () => true,
        status: () => ({ links: runners.map((r) => r.status()) }),
        links: () => runners.map((r) => r.status()),
        endpoints: dashboard.endpoints(),
      },
      0,
    );
    port = await admin.start();
    instance = `dashboard-test:${process.pid}:${port}`;
    cluster = new InstanceRegistry(
      loop.redis,
      prefix,
      instance,
      () => ({
        admin: `http://127.0.0.1:${port}`,
        host: 'dashboard-test',
        pid: process.pid,
        config: file,
        links: runners.map((r) => {
          const s = r.status();
          return { link: s.link, group: s.group, topics: s.topics, state: s.state, partitions: s.partitions };
        }),
        health: { ready: true, echo: guard.echoes.state() },
      }),
      logger,
    );
    await cluster.start();
  });

  after(async () => {
    if (missing) return;
    loading = false;
    await load;
    await history?.stop();
    await lag?.close();
    await cluster?.stop();
    await admin?.stop();
    await Promise.allSettled(runners.map((r) => r.stop()));
    await Promise.allSettled(sinks.map((s) => s.close()));
    await loop?.close();
    await producer?.disconnect();
    await mariadb?.query(`DROP TABLE IF EXISTS ${table}`);
    await postgres?.query(`DROP TABLE IF EXISTS ${table}`);
    await mariadb?.close();
    await postgres?.close();
    // What the run left behind: the deployment's keys and dead-letter queues in Redis, its topics.
    const redis = new Redis(redisUrl);
    const queues = config.links.map((l) => `${QUEUE_PREFIX}:${deadLetterQueueName(prefix, l.from, l.to)}:*`);
    for (const pattern of [`${prefix}:*`, ...queues]) {
      const keys = await redis.keys(pattern);
      if (keys.length > 0) await redis.del(...keys);
    }
    redis.disconnect();
    await kafkaAdmin
      ?.deleteTopics({ topics: [topicOf(onMariadb), topicOf(onPostgres)] })
      .catch(() => undefined);
    await kafkaAdmin?.disconnect();
    await rm(dir, { recursive: true, force: true });
  });

  it('shows cutover state, lag and throughput per link, conflicts by type, dead letters and breaker trips', async (t) => {
    if (missing) {
      console.log(`# dashboard test skipped: ${missing}`);
      t.skip(missing);
      return;
    }
    // Conflicts: MariaDB updates and deletes rows PostgreSQL never had (update-missing,
    // delete-missing); PostgreSQL inserts rows MariaDB already has (insert-exists).
    await send(onMariadb, [
      ...[8001, 8002, 8003].map((id) => change(onMariadb, 'u', row(id, 1), row(id, 2))),
      ...[8101, 8102].map((id) => change(onMariadb, 'd', row(id, 1), null)),
      // Not a Debezium message at all: dead-lettered with its decode error.
      { key: changeKey(onMariadb, row(8200, 0)), value: '{"payload": {"op": "u", "after": ' },
    ]);
    await send(
      onPostgres,
      [9001, 9002, 9003, 9004, 9005].map((id) => change(onPostgres, 'c', null, row(id, 2, `postgres ${id}`))),
    );
    await until('the conflicts and the dead letter', () => {
      const m = runner(M2P).status();
      const p = runner(P2M).status();
      const n = (s: typeof m): number => s.conflicts.reduce((sum, c) => sum + c.count, 0);
      return n(m) >= 5 && n(p) >= 5 && m.counters.deadLettered >= 1;
    });

    // The breaker: row 777 changed on one side, then the other, each change applied before the next,
    // until its direction changes exceed maxFlips (2) and it is quarantined.
    let v = 0;
    for (let i = 0; i < 8 && runners.every((r) => r.status().counters.breakerTrips === 0); i++) {
      const fixture = i % 2 === 0 ? onMariadb : onPostgres;
      const [source, target] = i % 2 === 0 ? [mariadb, postgres] : [postgres, mariadb];
      // The write on the source side, then its change as Debezium would capture it.
      await source.query(`UPDATE ${table} SET v = ${v + 1} WHERE id = 777`);
      await send(fixture, [change(fixture, 'u', row(777, v, 'ping'), row(777, v + 1, 'ping'))]);
      v++;
      await until(`change ${v} of row 777 applied or held back`, async () => {
        const [now] = await target.query(`SELECT v FROM ${table} WHERE id = 777`);
        return Number(now?.['v']) === v || runners.some((r) => r.status().counters.breakerTrips > 0);
      });
    }
    const trips = runners.reduce((n, r) => n + r.status().counters.breakerTrips, 0);
    assert.equal(trips, 1, 'row 777 tripped the breaker once');
    assert.equal((await loop!.breaker.list()).length, 1, 'one row quarantined');

    // The load: a burst, then a steady stream both ways while the page is looked at.
    let next = 100_000;
    const burst = (fixture: TableFixture, n: number): { key: string; value: string }[] =>
      Array.from({ length: n }, () => next++).map((id) => change(fixture, 'c', null, row(id, id % 100)));
    for (let i = 0; i < 12; i++) await send(onMariadb, burst(onMariadb, 1000));
    loading = true;
    load = (async () => {
      while (loading) {
        await send(onMariadb, burst(onMariadb, 300));
        await send(onPostgres, burst(onPostgres, 80));
        await sleep(200);
      }
    })();

    // Lag and throughput measured by the sampler: lag seen above zero, changes applied per second.
    const dataUrl = `http://127.0.0.1:${port}/dashboard/data`;
    const fetchDoc = async (): Promise<DashboardDocument> =>
      (await (await fetch(dataUrl)).json()) as DashboardDocument;
    await until(
      'lag and throughput in the history',
      async () => {
        const doc = await fetchDoc();
        const m = doc.links.find((l) => l.link === M2P);
        const p = doc.links.find((l) => l.link === P2M);
        return (
          !!m &&
          !!p &&
          m.series.some((s) => (s[1] ?? 0) > 0) &&
          m.series.filter((s) => (s[2] ?? 0) > 0).length >= 3 &&
          p.series.some((s) => (s[2] ?? 0) > 0) &&
          m.lag !== null &&
          p.lag !== null
        );
      },
      90_000,
    );
    const doc = await fetchDoc();
    assert.equal(doc.cutover.state, 'ok');
    assert.deepEqual(doc.conflicts.byType.map((c) => c.type).sort(), [
      'delete-missing',
      'insert-exists',
      'update-missing',
    ]);
    assert.equal(doc.breaker.trips, 1);
    assert.equal(doc.breaker.quarantined.state === 'ok' && doc.breaker.quarantined.data.total, 1);
    const m2p = doc.links.find((l) => l.link === M2P)!;
    assert.ok(
      m2p.deadLetterQueue.state === 'ok' && m2p.deadLetterQueue.data >= 1,
      'the dead letter is queued',
    );
    assert.ok(doc.cluster.state === 'ok' && doc.cluster.data.some((i) => i.instance === doc.instance));

    const browser = await launchChromium();
    try {
      const page = await browser.context.newPage();
      const external: string[] = [];
      page.on('request', (r) => {
        if (!r.url().startsWith(`http://127.0.0.1:${port}/`)) external.push(r.url());
      });
      await page.goto(`http://127.0.0.1:${port}/dashboard`);
      await page.waitForSelector('body[data-loaded="true"]', { timeout: 15_000 });
      // A poll or two more, so the charts carry the samples taken meanwhile.
      await sleep(2500);

      const instances = await each(
        page.locator('[data-testid="cutover-instance"]'),
        async (r): Promise<[string | null, string | null, string]> => [
          await r.getAttribute('data-instance'),
          await r.getAttribute('data-side'),
          (await r.textContent()) ?? '',
        ],
      );
      assert.deepEqual(
        instances.map(([i, s]) => [i, s]),
        [
          ['billing-api-1', 'postgres'],
          ['billing-api-2', 'mariadb'],
          ['reports-worker', 'postgres'],
        ],
      );
      for (const [name, side, text] of instances) {
        assert.ok(text.includes(name!) && text.includes(side!), `row shows ${name} on ${side}: ${text}`);
      }
      const cutoverText = await page.textContent('[data-testid="cutover"]');
      assert.match(cutoverText ?? '', /3 application instances: 1 on mariadb, 2 on postgres/);
      assert.match(cutoverText ?? '', /reports-worker\s*rollback by ops@admin-host/);

      const links = await each(page.locator('[data-testid="link"]'), async (c) => ({
        link: await c.getAttribute('data-link'),
        state: await c.locator('[data-testid="link-state"]').textContent(),
        lag: await c.locator('[data-testid="link-lag"]').textContent(),
        throughput: await c.locator('[data-testid="link-throughput"]').textContent(),
        charts: await c.locator('svg polyline').count(),
      }));
      assert.deepEqual(links.map((l) => [l.link, l.state]).sort(), [
        [M2P, 'running'],
        [P2M, 'running'],
      ]);
      for (const l of links) {
        assert.match(l.lag ?? '', /^[\d,]+$/, `${l.link} shows its lag: ${l.lag}`);
        assert.match(l.throughput ?? '', /^[\d,.]+$/, `${l.link} shows its throughput: ${l.throughput}`);
        assert.ok(l.charts >= 2, `${l.link} draws its lag and throughput lines`);
      }

      const conflicts = await each(page.locator('[data-testid="conflict-type"]'), async (r) => [
        await r.getAttribute('data-type'),
        Number(((await r.textContent()) ?? '').replace(/\D+/g, '')),
      ]);
      assert.deepEqual(Object.fromEntries(conflicts), {
        'update-missing': 3,
        'delete-missing': 2,
        'insert-exists': 5,
      });
      const queued = await page.textContent(
        `[data-testid="dead-letter-link"][data-link="${M2P}"] td:nth-child(2)`,
      );
      assert.ok(Number(queued) >= 1, `${M2P} shows its queued dead letter: ${queued}`);
      assert.match(
        (await page.textContent('[data-testid="breaker-trips"]')) ?? '',
        /^1 trip in this process/,
      );
      assert.match(
        (await page.textContent('[data-testid="breaker-quarantined"]')) ?? '',
        /^1 row quarantined/,
      );
      assert.match((await page.textContent('[data-testid="cluster"]')) ?? '', /\(this process\)/);
      assert.deepEqual(external, [], 'the page fetches nothing from elsewhere');

      // Where the cutover panel and the first link card (lag figure, charts) are; the page re-renders
      // every poll, but its layout stays put.
      const cutoverBox = await page.locator('[data-testid="cutover"]').boundingBox();
      const linkBox = await page.locator('[data-testid="link"]').first().boundingBox();
      assert.ok(cutoverBox && linkBox, 'the cutover panel and a link card are laid out');
      await mkdir(OUTPUT, { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      const whole = PNG.sync.read(await readFile(SCREENSHOT));
      assert.ok(whole.height >= 800, `screenshot ${whole.width}x${whole.height}`);
      assert.equal(whole.width, 1400, 'nothing overflows the window sideways');
      const cutoverInk = inkOf(whole, cutoverBox);
      const linkInk = inkOf(whole, linkBox);
      assert.ok(
        cutoverInk.ink > 2000 && cutoverInk.colours > 20,
        `cutover panel: ${JSON.stringify(cutoverInk)}`,
      );
      assert.ok(linkInk.ink > 4000 && linkInk.colours > 20, `link card: ${JSON.stringify(linkInk)}`);
      console.log(
        `# dashboard screenshot ${SCREENSHOT} (${whole.width}x${whole.height}); lag ${links.map((l) => `${l.link} ${l.lag}`).join(', ')}; throughput ${links.map((l) => `${l.link} ${l.throughput}/s`).join(', ')}`,
      );

      // An empty registry says so at the next poll.
      const keys = cutoverKeys(prefix);
      await loop!.redis.del(keys.instances, keys.history, keys.final);
      await page.waitForSelector('[data-testid="cutover-empty"]', { timeout: 10_000 });
      assert.equal(await page.textContent('[data-testid="cutover-empty"]'), 'no cutover registered');
    } finally {
      await browser.close();
    }
  });
});
