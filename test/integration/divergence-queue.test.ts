// The convergence check's schedule (rules/divergence-queue.ts) against the real Redis of the local
// stack (127.0.0.1:6379, or DBTWIN_REDIS_URL). Two queues on their own connections stand for two
// `dbtwin run` processes. Every test uses its own namespace; nothing here flushes Redis.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { DivergenceQueue, type SuspectRow } from '../../src/rules/divergence-queue.js';
import { RedisTestKit } from '../support/redis-test-kit.js';

const kit = new RedisTestKit('t-heal');
const namespace = (): string => kit.namespace();
const queue = async (ns: string): Promise<DivergenceQueue> => new DivergenceQueue(await kit.client(), ns);

const row = (id: number, table = 'orders'): SuspectRow => ({
  link: 'mariadb->postgres',
  table,
  key: { id },
});

after(() => kit.close());

describe('divergence queue (real Redis)', () => {
  it('a row is claimed once its delay has passed, by exactly one of two processes', async () => {
    const ns = namespace();
    const [a, b] = [await queue(ns), await queue(ns)];
    await a.schedule([row(1), row(2), row(1)], 300);
    assert.equal(await a.size(), 2, 'a row scheduled twice is one entry');
    assert.deepEqual(await b.claim(10), [], 'nothing is due before the delay');
    await sleep(400);
    const [fromA, fromB] = await Promise.all([a.claim(10), b.claim(10)]);
    const claimed = [...fromA, ...fromB].map((r) => r.key['id']).sort();
    assert.deepEqual(claimed, [1, 2], 'each row claimed by one process only');
    assert.equal(await a.size(), 0);
  });

  it('scheduling a row again moves it later, never earlier', async () => {
    const ns = namespace();
    const q = await queue(ns);
    await q.schedule([row(7)], 600);
    await sleep(300);
    await q.schedule([row(7)], 600);
    await sleep(400);
    assert.deepEqual(await q.claim(10), [], 'still quiet for less than the delay since it was met again');
    await q.schedule([row(7)], 50);
    assert.deepEqual(await q.claim(10), [], 'a shorter delay does not bring it forward');
    await sleep(300);
    assert.deepEqual(
      (await q.claim(10)).map((r) => r.key),
      [{ id: 7 }],
    );
  });

  it('remembers the difference a check saw until told to forget it; claims at most the number asked', async () => {
    const ns = namespace();
    const q = await queue(ns);
    assert.equal(await q.lastSeen(row(3)), null);
    await q.noteSeen(row(3), 'abc');
    assert.equal(await q.lastSeen(row(3)), 'abc');
    assert.equal(await q.lastSeen(row(3, 'other')), null, 'per table');
    await q.noteSeen(row(3), null);
    assert.equal(await q.lastSeen(row(3)), null);
    await q.schedule([row(1), row(2), row(3)], 0);
    assert.equal((await q.claim(2)).length, 2);
    assert.equal((await q.claim(2)).length, 1);
  });
});
