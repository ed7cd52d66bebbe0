// The echo store (design §3.2) against the real Redis of the local stack (127.0.0.1:6379, or
// DBTWIN_REDIS_URL). Two stores on two connections stand for two processes: a writer and a reader.
// Every test uses its own namespace and deletes its keys at the end; nothing here flushes Redis.
import { LOOP_GUARD_REDIS_OPTIONS } from '../../src/echo/loop-guard.js';
import { after, afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis, type RedisOptions } from 'ioredis';
import { pino } from 'pino';
import { endpointsFromEnv } from '../../src/config/environment.js';
import { echoKeys } from '../../src/core/redis-keys.js';
import { EchoStore, type EchoStoreOptions } from '../../src/echo/echo-store.js';
import type { RowFingerprint } from '../../src/echo/row-fingerprint.js';

const redisUrl = endpointsFromEnv().redisUrl;
const logger = pino({ level: 'silent' });

/** The options `LoopGuard.open` gives its connection. */
const guardOptions: RedisOptions = LOOP_GUARD_REDIS_OPTIONS;

let counter = 0;
const opened: { stores: EchoStore[]; clients: Redis[]; namespaces: string[] } = {
  stores: [],
  clients: [],
  namespaces: [],
};
const admin = new Redis(redisUrl, { maxRetriesPerRequest: 1 });

function namespace(): string {
  const ns = `t-echo-${Date.now()}-${++counter}-${randomUUID().slice(0, 6)}`;
  opened.namespaces.push(ns);
  return ns;
}

async function client(url = redisUrl): Promise<Redis> {
  const redis = new Redis(url, guardOptions);
  redis.on('error', () => undefined);
  opened.clients.push(redis);
  if (url === redisUrl && redis.status !== 'ready')
    await new Promise((resolve) => redis.once('ready', resolve));
  return redis;
}

async function store(ns: string, options: Partial<EchoStoreOptions> = {}, redis?: Redis): Promise<EchoStore> {
  const s = new EchoStore(redis ?? (await client()), { namespace: ns, ttlSeconds: 60, ...options }, logger);
  opened.stores.push(s);
  return s;
}

/** A writer and a reader on two connections; short grace so misses on a fresh epoch answer fast. */
async function pair(options: Partial<EchoStoreOptions> = {}): Promise<{
  ns: string;
  writer: EchoStore;
  reader: EchoStore;
}> {
  const ns = namespace();
  const writer = await store(ns, { restoreGraceMs: 200, ...options });
  const reader = await store(ns, { restoreGraceMs: 200, ...options });
  return { ns, writer, reader };
}

const row = (rowKey: string, state: string): RowFingerprint => ({ rowKey, state });

async function keysOf(ns: string, pattern = '*'): Promise<string[]> {
  return admin.keys(`${ns}:${pattern}`);
}

async function dropKeys(ns: string, pattern = '*'): Promise<void> {
  const keys = await keysOf(ns, pattern);
  if (keys.length > 0) await admin.del(...keys);
}

afterEach(async () => {
  for (const s of opened.stores.splice(0)) s.close();
  for (const c of opened.clients.splice(0)) c.disconnect();
  for (const ns of opened.namespaces.splice(0)) await dropKeys(ns);
});

after(() => {
  admin.disconnect();
});

describe('echo store (real Redis)', () => {
  it('a recorded fingerprint is consumed once, by another process', async () => {
    const { writer, reader } = await pair();
    const x = row('row-1', 'state-x');
    await writer.record([x]);
    assert.deepEqual(await reader.consume([x]), ['redis']);
    assert.deepEqual(await reader.consume([x]), [null]);
    assert.deepEqual(await reader.consume([row('row-1', 'never')]), [null]);
    assert.deepEqual(await reader.consume([row('row-never', 'state-x')]), [null]);
    assert.deepEqual(writer.state(), { state: 'ok' });
    assert.deepEqual(reader.state(), { state: 'ok' });
  });

  it('a change read again before its offset was committed (a rebalance) is still an echo, for any reader, until the commit', async () => {
    const { ns, writer, reader } = await pair();
    const other = await store(ns, { restoreGraceMs: 200 });
    const x = row('row-1', 'state-x');
    const native = row('row-1', 'state-native');
    const at = (offset: string) => ({ topic: 'side.db.t', partition: 2, offset });
    await writer.record([x]);
    assert.deepEqual(await reader.consume([x, native], [at('41'), at('42')]), ['redis', null]);
    // The batch's commit failed; another process reads offsets 41 and 42 again.
    assert.deepEqual(await other.consume([x, native], [at('41'), at('42')]), ['redis', null]);
    // The same state at another offset is a new change: no pending fingerprint, no verdict.
    assert.deepEqual(await other.consume([x], [at('57')]), [null]);
    await other.committed('side.db.t', 2, '42');
    assert.deepEqual(await other.consume([x], [at('41')]), [null], 'a committed offset keeps no verdict');
    assert.deepEqual(await keysOf(ns, 'echo:verdicts:*'), [], 'nothing left once committed');
  });

  it('answers per fingerprint in one batch, in capture order', async () => {
    const { writer, reader } = await pair();
    await writer.record([row('r1', 'a'), row('r2', 'b')]);
    assert.deepEqual(await reader.consume([row('r1', 'a'), row('r3', 'c'), row('r2', 'b')]), [
      'redis',
      null,
      'redis',
    ]);
    assert.deepEqual(await reader.consume([]), []);
    await writer.record([]);
  });

  it('taking a row state takes that one only: the older ones still wait for their echoes', async () => {
    const { writer, reader } = await pair();
    await writer.record([row('r', 'A')]);
    await writer.record([row('r', 'B')]);
    await writer.record([row('r', 'C')]);
    // A native change read before A's echo can have B's state (a counter back at the same value).
    assert.deepEqual(await reader.consume([row('r', 'B')]), ['redis']);
    assert.deepEqual(await reader.consume([row('r', 'A')]), ['redis'], 'A is still pending');
    assert.deepEqual(await reader.consume([row('r', 'C')]), ['redis']);
    // B's own echo then goes on as a change, in place of the native one taken for it.
    assert.deepEqual(await reader.consume([row('r', 'B'), row('r', 'C')]), [null, null]);
  });

  it('the same state recorded twice is consumed twice', async () => {
    const { writer, reader } = await pair();
    const a = row('r', 'A');
    await writer.record([a]);
    await writer.record([a]);
    assert.deepEqual(await reader.consume([a]), ['redis']);
    assert.deepEqual(await reader.consume([a]), ['redis']);
    assert.deepEqual(await reader.consume([a]), [null]);
    // Within one batch too.
    await writer.record([a, a]);
    assert.deepEqual(await reader.consume([a, a, a]), ['redis', 'redis', null]);
  });

  it('a released fingerprint (rolled back) is not an echo', async () => {
    const { writer, reader } = await pair();
    const a = row('r', 'A');
    await writer.record([a]);
    await writer.release([a]);
    assert.deepEqual(await reader.consume([a]), [null]);
    // Not in the writer's own copy either.
    assert.deepEqual(await writer.consume([a]), [null]);
    // Release takes one occurrence only.
    await writer.record([a, a]);
    await writer.release([a]);
    assert.deepEqual(await reader.consume([a]), ['redis']);
    assert.deepEqual(await reader.consume([a]), [null]);
  });

  it('after Redis lost its state, the writer restores its fingerprints and the reader still finds them', async () => {
    const ns = namespace();
    const options = { restoreGraceMs: 1500, watchMs: 100 };
    const writer = await store(ns, options);
    const reader = await store(ns, options);
    const x = row('r', 'X');
    await writer.record([x]);
    // The reader learns the current epoch (a miss on a fresh epoch waits the grace).
    assert.deepEqual(await reader.consume([row('other', 'Y')]), [null]);
    assert.equal(writer.state().state, 'ok');
    assert.equal(reader.state().state, 'ok');
    assert.ok((await keysOf(ns, 'echo:epoch')).length === 1);
    // What FLUSHALL does to this namespace: every echo key goes, the epoch with them.
    await dropKeys(ns, 'echo:*');
    assert.deepEqual(await keysOf(ns, 'echo:*'), []);

    assert.deepEqual(await reader.consume([x]), ['redis']);
    for (const [who, s] of [
      ['writer', writer],
      ['reader', reader],
    ] as const) {
      const health = s.state();
      assert.equal(health.state, 'degraded', who);
      assert.match(health.reason ?? '', /flushed/, who);
      assert.ok(health.since && !Number.isNaN(Date.parse(health.since)), who);
    }
    // Consumed once only.
    assert.deepEqual(await reader.consume([x]), [null]);
  });

  it('after Redis lost its state, a fingerprint consumed before the loss is not written back', async () => {
    // Design §3: "if Redis is flushed ... both sides still converge". The writer cannot tell that the
    // reader (another process) already consumed X, so it writes X back; a later native change of the
    // row back to X (after a native Y) is then dropped as an echo, and the other side keeps Y.
    const ns = namespace();
    const options = { restoreGraceMs: 500, watchMs: 100 };
    const writer = await store(ns, options);
    const reader = await store(ns, options);
    const x = row('r', 'X');
    await writer.record([x]);
    assert.deepEqual(await reader.consume([x]), ['redis'], 'the echo of the write');
    await sleep(600);
    await dropKeys(ns, 'echo:*');
    await sleep(1000);
    assert.equal(writer.state().state, 'degraded');
    assert.deepEqual(await reader.consume([row('r', 'Y')]), [null], 'a native change to Y');
    assert.deepEqual(await reader.consume([x]), [null], 'a native change back to X is not an echo');
  });

  it('while Redis is unreachable, a process recognises its own writes locally and nothing throws', async () => {
    const ns = namespace();
    const offline = await client('redis://127.0.0.1:1');
    const s = await store(ns, {}, offline);
    const x = row('r', 'X');
    await s.record([x]);
    assert.deepEqual(await s.consume([x]), ['local']);
    assert.deepEqual(await s.consume([x]), [null]);
    assert.deepEqual(await s.consume([row('r', 'never')]), [null]);
    // Release works on the local copy too, and a state taken takes that one only, as in Redis.
    await s.record([row('r', 'A'), row('r', 'B'), row('r', 'C')]);
    await s.release([row('r', 'C')]);
    assert.deepEqual(await s.consume([row('r', 'B'), row('r', 'A'), row('r', 'C')]), [
      'local',
      'local',
      null,
    ]);
    const health = s.state();
    assert.equal(health.state, 'degraded');
    assert.match(health.reason ?? '', /unreachable/);
  });

  it('a fingerprint expires from Redis after ttlSeconds', async () => {
    const ns = namespace();
    const writer = await store(ns, { ttlSeconds: 1 });
    const x = row('ttl-row', 'X');
    await writer.record([x]);
    const key = echoKeys(ns).echoRow(x.rowKey);
    assert.equal(await admin.exists(key), 1);
    const pttl = await admin.pttl(key);
    assert.ok(pttl > 0 && pttl <= 1000, `pttl ${pttl}`);
    await sleep(1500);
    assert.equal(await admin.exists(key), 0);
    assert.deepEqual(await keysOf(ns, 'echo:row:*'), []);
  });
});
