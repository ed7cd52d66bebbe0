// The ping-pong breaker (design §3.5) against the real Redis of the local stack (127.0.0.1:6379, or
// DBTWIN_REDIS_URL). Every test uses its own namespace and deletes its keys at the end.
import { LOOP_GUARD_REDIS_OPTIONS } from '../../src/echo/loop-guard.js';
import { after, afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis, type RedisOptions } from 'ioredis';
import { pino } from 'pino';
import { endpointsFromEnv } from '../../src/config/environment.js';
import { echoKeys } from '../../src/core/redis-keys.js';
import {
  PingPongBreaker,
  type FlipObservation,
  type FlipVerdict,
  type PingPongBreakerOptions,
} from '../../src/echo/ping-pong-breaker.js';

const redisUrl = endpointsFromEnv().redisUrl;
const logger = pino({ level: 'silent' });

/** The options `LoopGuard.open` gives its connection. */
const guardOptions: RedisOptions = LOOP_GUARD_REDIS_OPTIONS;

const AB = 'a->b';
const BA = 'b->a';

let counter = 0;
const clients: Redis[] = [];
const namespaces: string[] = [];
const admin = new Redis(redisUrl, { maxRetriesPerRequest: 1 });

async function breaker(
  options: Partial<PingPongBreakerOptions> = {},
  url = redisUrl,
): Promise<{ ns: string; breaker: PingPongBreaker }> {
  const ns = `t-breaker-${Date.now()}-${++counter}-${randomUUID().slice(0, 6)}`;
  namespaces.push(ns);
  const redis = new Redis(url, guardOptions);
  redis.on('error', () => undefined);
  clients.push(redis);
  if (url === redisUrl && redis.status !== 'ready')
    await new Promise((resolve) => redis.once('ready', resolve));
  return {
    ns,
    breaker: new PingPongBreaker(
      redis,
      { namespace: ns, maxFlips: 3, windowSeconds: 60, ...options },
      logger,
    ),
  };
}

let offset = 0;
/** A change of `rowId` at a new Kafka offset (or the given one, for a retried batch). */
function change(rowId: string, at = ++offset): FlipObservation {
  return {
    rowId,
    coordinate: `topic/0/${at}`,
    state: `state-${at}`,
    table: 'app.accounts',
    key: { id: 7 },
  };
}

async function one(b: PingPongBreaker, link: string, c: FlipObservation): Promise<FlipVerdict> {
  const verdicts = await b.observe(link, [c]);
  assert.equal(verdicts.length, 1);
  return verdicts[0]!;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.disconnect();
  for (const ns of namespaces.splice(0)) {
    const keys = await admin.keys(`${ns}:*`);
    if (keys.length > 0) await admin.del(...keys);
  }
});

after(() => {
  admin.disconnect();
});

describe('ping-pong breaker (real Redis)', () => {
  it('trips on the direction change past maxFlips, then quarantines the row on both links', async () => {
    const { breaker: b } = await breaker();
    const row = 'row-1';
    const links = [AB, BA, AB, BA];
    for (const [i, link] of links.entries())
      assert.equal(await one(b, link, change(row)), 'apply', `change ${i + 1}`);
    // The 5th change is the 4th direction change: more than 3.
    assert.equal(await one(b, AB, change(row)), 'tripped');
    assert.equal(await one(b, AB, change(row)), 'quarantined');
    assert.equal(await one(b, BA, change(row)), 'quarantined');
    // Other rows are not affected.
    assert.equal(await one(b, BA, change('row-2')), 'apply');
  });

  it('answers per row within one batch', async () => {
    const { breaker: b } = await breaker({ maxFlips: 1 });
    assert.deepEqual(await b.observe(AB, [change('x'), change('y')]), ['apply', 'apply']);
    assert.deepEqual(await b.observe(BA, [change('x'), change('y')]), ['apply', 'apply']);
    assert.deepEqual(await b.observe(AB, [change('x'), change('z')]), ['tripped', 'apply']);
    assert.deepEqual(await b.observe(AB, [change('x'), change('y')]), ['quarantined', 'tripped']);
    assert.deepEqual(await b.observe(AB, []), []);
  });

  it('counts a change observed twice (a retried batch) once', async () => {
    const { breaker: b } = await breaker();
    const row = 'row-retry';
    const first = change(row);
    const second = change(row);
    assert.equal(await one(b, AB, first), 'apply');
    assert.equal(await one(b, BA, second), 'apply');
    // The batch of `second` is retried: the history must not grow, or it would push `first` out.
    assert.equal(await one(b, BA, second), 'apply');
    assert.equal(await one(b, BA, second), 'apply');
    assert.equal(await one(b, AB, change(row)), 'apply');
    assert.equal(await one(b, BA, change(row)), 'apply');
    // a, b, a, b, a: four direction changes within a history of maxFlips + 2 entries.
    assert.equal(await one(b, AB, change(row)), 'tripped');
    const [quarantined] = await b.list();
    assert.ok(quarantined);
    assert.equal(quarantined.history.length, 5);
    assert.equal(quarantined.history.filter((h) => h.coordinate === second.coordinate).length, 1);
  });

  it('lists quarantined rows with their history, newest first', async () => {
    const { ns, breaker: b } = await breaker();
    const row = 'row-list';
    const changes = [change(row), change(row), change(row), change(row), change(row)];
    const links = [AB, BA, AB, BA, AB];
    const before = Date.now();
    const verdicts: FlipVerdict[] = [];
    for (const [i, c] of changes.entries()) verdicts.push(await one(b, links[i]!, c));
    assert.deepEqual(verdicts, ['apply', 'apply', 'apply', 'apply', 'tripped']);

    const list = await b.list();
    assert.equal(list.length, 1);
    const q = list[0]!;
    assert.equal(q.rowId, row);
    assert.equal(q.table, 'app.accounts');
    assert.deepEqual(q.key, { id: 7 });
    assert.equal(q.trippedBy, AB);
    assert.equal(q.flips, 4);
    const trippedAt = Date.parse(q.trippedAt);
    assert.ok(trippedAt >= before - 1000 && trippedAt <= Date.now() + 1000, q.trippedAt);
    assert.deepEqual(
      q.history.map((h) => [h.link, h.coordinate, h.state]),
      [...changes.keys()].reverse().map((i) => [links[i], changes[i]!.coordinate, changes[i]!.state]),
    );
    assert.deepEqual(new Set(q.history.map((h) => h.link)), new Set([AB, BA]));
    for (const h of q.history) assert.ok(!Number.isNaN(Date.parse(h.at)), h.at);
    const ats = q.history.map((h) => Date.parse(h.at));
    assert.deepEqual(
      ats,
      [...ats].sort((x, y) => y - x),
      'newest first',
    );
    assert.equal(await admin.hexists(echoKeys(ns).quarantine, row), 1);
  });

  it('release lets the row flow again and forgets its history', async () => {
    const { ns, breaker: b } = await breaker();
    const row = 'row-release';
    for (const link of [AB, BA, AB, BA]) await one(b, link, change(row));
    assert.equal(await one(b, AB, change(row)), 'tripped');
    assert.equal(await b.release(row), true);
    assert.deepEqual(await b.list(), []);
    assert.equal(await admin.exists(echoKeys(ns).breakerHistory(row)), 0);
    assert.equal(await one(b, BA, change(row)), 'apply');
    assert.equal(await one(b, AB, change(row)), 'apply');
    // Not quarantined any more: releasing again says so.
    assert.equal(await b.release(row), false);
    assert.equal(await b.release('never-seen'), false);
  });

  it('maxFlips 0 turns the breaker off', async () => {
    const { ns, breaker: b } = await breaker({ maxFlips: 0 });
    const row = 'row-off';
    for (let i = 0; i < 12; i++) assert.equal(await one(b, i % 2 === 0 ? AB : BA, change(row)), 'apply');
    assert.deepEqual(await b.list(), []);
    assert.deepEqual(await admin.keys(`${ns}:*`), []);
  });

  it('direction changes older than the window do not count', async () => {
    const { breaker: b } = await breaker({ windowSeconds: 1 });
    const row = 'row-window';
    for (const link of [AB, BA, AB, BA]) assert.equal(await one(b, link, change(row)), 'apply');
    await sleep(1200);
    // Within the window this would be the 4th direction change.
    assert.equal(await one(b, AB, change(row)), 'apply');
    assert.equal(await one(b, BA, change(row)), 'apply');
    assert.equal(await one(b, AB, change(row)), 'apply');
    assert.equal(await one(b, BA, change(row)), 'apply');
    assert.equal(await one(b, AB, change(row)), 'tripped');
  });

  it('while Redis is unreachable, counts in the process and still trips', async () => {
    const { breaker: b } = await breaker({}, 'redis://127.0.0.1:1');
    const row = 'row-offline';
    for (const link of [AB, BA, AB, BA]) assert.equal(await one(b, link, change(row)), 'apply');
    assert.equal(await one(b, AB, change(row)), 'tripped');
    assert.equal(await one(b, BA, change(row)), 'quarantined');
    assert.equal(await one(b, AB, change(row)), 'quarantined');
    assert.equal(await one(b, AB, change('row-other')), 'apply');
  });
});
