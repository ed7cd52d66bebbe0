// The row-version store (design §4, `lww` by commit time) against the real Redis of the local stack
// (127.0.0.1:6379, or DBTWIN_REDIS_URL). Every test uses its own namespace and deletes its keys at the
// end; nothing here flushes Redis.
import { LOOP_GUARD_REDIS_OPTIONS } from '../../src/echo/loop-guard.js';
import { after, afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { Redis, type RedisOptions } from 'ioredis';
import { pino } from 'pino';
import { endpointsFromEnv } from '../../src/config/environment.js';
import { conflictKeys } from '../../src/core/redis-keys.js';
import { RowVersionStore, type RowVersionEntry } from '../../src/rules/row-version-store.js';

const redisUrl = endpointsFromEnv().redisUrl;
const logger = pino({ level: 'silent' });

/** The options `LoopGuard.open` gives the connection the store runs on. */
const clientOptions: RedisOptions = LOOP_GUARD_REDIS_OPTIONS;

let counter = 0;
const opened: { clients: Redis[]; namespaces: string[] } = { clients: [], namespaces: [] };
const admin = new Redis(redisUrl, { maxRetriesPerRequest: 1 });

function namespace(): string {
  const ns = `t-rowver-${Date.now()}-${++counter}-${randomUUID().slice(0, 6)}`;
  opened.namespaces.push(ns);
  return ns;
}

async function client(): Promise<Redis> {
  const redis = new Redis(redisUrl, clientOptions);
  redis.on('error', () => undefined);
  opened.clients.push(redis);
  if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
  return redis;
}

/** Two stores on two connections (two links, or two processes) sharing one namespace. */
async function pair(ttlSeconds = 60): Promise<{ ns: string; one: RowVersionStore; two: RowVersionStore }> {
  const ns = namespace();
  return {
    ns,
    one: new RowVersionStore(await client(), { namespace: ns, ttlSeconds }, logger),
    two: new RowVersionStore(await client(), { namespace: ns, ttlSeconds }, logger),
  };
}

const v = (rowKey: string, commitMs: number, state: string): RowVersionEntry => ({ rowKey, commitMs, state });

afterEach(async () => {
  for (const c of opened.clients.splice(0)) c.disconnect();
  for (const ns of opened.namespaces.splice(0)) {
    const keys = await admin.keys(`${ns}:*`);
    if (keys.length > 0) await admin.del(...keys);
  }
});

after(() => {
  admin.disconnect();
});

describe('row-version store (real Redis)', () => {
  it('get of rows never noted is undefined for each; no rows, no answer', async () => {
    const { one } = await pair();
    assert.deepEqual(await one.get(['never-1', 'never-2']), [undefined, undefined]);
    assert.deepEqual(await one.get([]), []);
    await one.seen([]);
    await one.written([]);
  });

  it('a noted version is read back by another connection, per row in order', async () => {
    const { one, two } = await pair();
    await one.seen([v('r1', 1000, 'S1'), v('r2', 2000, '-')]);
    assert.deepEqual(await two.get(['r2', 'missing', 'r1']), [
      { commitMs: 2000, state: '-' },
      undefined,
      { commitMs: 1000, state: 'S1' },
    ]);
  });

  it('seen takes the log’s latest state, whatever its commit time', async () => {
    const { one, two } = await pair();
    await one.seen([v('r', 5000, 'FIRST')]);
    await two.seen([v('r', 6000, 'SECOND')]);
    assert.deepEqual(await one.get(['r']), [{ commitMs: 6000, state: 'SECOND' }]);
    // MariaDB reports whole seconds: a change after a link's write (9000) may carry an earlier time.
    await one.written([v('r', 9000, 'WON')]);
    await two.seen([v('r', 8000, 'AFTER')]);
    assert.deepEqual(await two.get(['r']), [{ commitMs: 8000, state: 'AFTER' }]);
  });

  it('seen of the same state as a written version keeps the written (older, logical) commit time', async () => {
    const { one, two } = await pair();
    // A link wrote state X with the commit time of the change that won (1000); the echo of that write
    // comes back through the target's log with the target's own, later, commit time (7000).
    await one.written([v('r', 1000, 'X')]);
    await two.seen([v('r', 7000, 'X')]);
    assert.deepEqual(await two.get(['r']), [{ commitMs: 1000, state: 'X' }]);
  });

  it('written always overwrites, older or newer', async () => {
    const { one, two } = await pair();
    await one.seen([v('r', 8000, 'A')]);
    await two.written([v('r', 2000, 'B')]);
    assert.deepEqual(await one.get(['r']), [{ commitMs: 2000, state: 'B' }]);
    await two.written([v('r', 2000, 'C')]);
    assert.deepEqual(await one.get(['r']), [{ commitMs: 2000, state: 'C' }]);
    await two.written([v('r', 9000, 'D')]);
    assert.deepEqual(await one.get(['r']), [{ commitMs: 9000, state: 'D' }]);
  });

  it('within one call, the last entry of a row wins; rows are decided each on its own', async () => {
    const { ns, one } = await pair();
    await one.written([v('held', 5000, 'H')]);
    await one.seen([v('r', 1000, 'A'), v('held', 1000, 'OLD'), v('r', 3000, 'C'), v('r', 2000, 'B')]);
    assert.deepEqual(await one.get(['r', 'held']), [
      { commitMs: 2000, state: 'B' },
      { commitMs: 1000, state: 'OLD' },
    ]);
    // The stored form: `ms|state`, under the conflict keys of the namespace; fractions truncated.
    await one.written([v('frac', 1234.9, 'F|G')]);
    assert.equal(await admin.get(conflictKeys(ns).rowVersion('frac')), '1234|F|G');
    assert.deepEqual(await one.get(['frac']), [{ commitMs: 1234, state: 'F|G' }]);
  });

  it('keys live ttlSeconds (PTTL set by seen and by written)', async () => {
    const { ns, one } = await pair(30);
    await one.seen([v('s', 1000, 'A')]);
    await one.written([v('w', 1000, 'B')]);
    for (const row of ['s', 'w']) {
      const pttl = await admin.pttl(conflictKeys(ns).rowVersion(row));
      assert.ok(pttl > 0 && pttl <= 30_000, `${row}: pttl ${pttl}`);
    }
  });

  it('with Redis unreachable, get answers undefined for each and seen/written do not throw (logged)', async () => {
    const offline = new Redis('redis://127.0.0.1:1', {
      ...clientOptions,
      lazyConnect: true,
      retryStrategy: () => null,
    });
    offline.on('error', () => undefined);
    opened.clients.push(offline);
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const store = new RowVersionStore(
      offline,
      { namespace: namespace(), ttlSeconds: 60 },
      pino({ level: 'warn' }, sink),
    );
    assert.deepEqual(await store.get(['r1', 'r2', 'r3']), [undefined, undefined, undefined]);
    await store.seen([v('r1', 1000, 'A')]);
    await store.written([v('r1', 1000, 'A'), v('r2', 2000, '-')]);
    assert.deepEqual(await store.get(['r1']), [undefined]);
    const warned = lines.map((l) => (JSON.parse(l) as { msg: string }).msg);
    assert.ok(
      warned.some((m) => /row versions unavailable/.test(m)),
      warned.join('\n'),
    );
    assert.equal(warned.filter((m) => /row versions not noted/.test(m)).length, 2, warned.join('\n'));
  });
});
