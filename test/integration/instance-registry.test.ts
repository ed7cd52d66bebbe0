// The cluster registry and the deployment-wide pause (design §7) against the real Redis of the local
// stack (127.0.0.1:6379, or DBTWIN_REDIS_URL). Several registries on their own connections stand for
// several `dbtwin run` processes. Every test uses its own namespace; nothing here flushes Redis.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { clusterKeys } from '../../src/core/redis-keys.js';
import {
  InstanceRegistry,
  MISSED_HEARTBEATS,
  type InstanceReport,
} from '../../src/cluster/instance-registry.js';
import { PauseControl, type PausedLinks } from '../../src/cluster/pause-control.js';
import { LOOP_GUARD_REDIS_OPTIONS } from '../../src/echo/loop-guard.js';
import { RedisTestKit } from '../support/redis-test-kit.js';

const kit = new RedisTestKit('t-cluster');
const logger = pino({ level: 'silent' });
const admin = new Redis(kit.url, { maxRetriesPerRequest: 1 });
const namespace = (): string => kit.namespace();
/** A connection as `dbtwin run` opens it (the loop guard's). */
const client = (): Promise<Redis> => kit.client();

function report(links: InstanceReport['links'] = []): InstanceReport {
  return {
    admin: 'http://127.0.0.1:1',
    host: 'test-host',
    pid: 1,
    config: 'dbtwin.yaml',
    links,
    rulesHash: 'abc123',
    health: { ready: true, echo: { state: 'ok' } },
  };
}

after(async () => {
  admin.disconnect();
  await kit.close();
});

describe('instance registry', () => {
  it('registers with its links and partitions, heartbeats, and deregisters on a graceful stop', async () => {
    const ns = namespace();
    let state = 'running';
    let partitions: Record<string, number[]> = { 'mariadb.dbtwin.t': [0, 2] };
    const registry = new InstanceRegistry(
      await client(),
      ns,
      'host-a:101:9001',
      () =>
        report([
          {
            link: 'mariadb->postgres',
            group: `${ns}.mariadb-to-postgres`,
            topics: ['mariadb.dbtwin.t'],
            state,
            partitions,
          },
        ]),
      logger,
      200,
    );
    await registry.start();
    const reader = await client();
    const [first] = await InstanceRegistry.list(reader, ns);
    assert.ok(first);
    assert.equal(first.instance, 'host-a:101:9001');
    assert.equal(first.admin, 'http://127.0.0.1:1');
    assert.equal(first.rulesHash, 'abc123');
    assert.equal(first.heartbeatMs, 200);
    assert.deepEqual(first.health, { ready: true, echo: { state: 'ok' } });
    assert.deepEqual(first.links[0]?.partitions, { 'mariadb.dbtwin.t': [0, 2] });
    assert.ok(first.heartbeatAgeMs < 1000, `fresh heartbeat (${first.heartbeatAgeMs} ms)`);
    assert.ok(Date.parse(first.startedAt) <= Date.now());

    // Heartbeats move the heartbeat time; touch() reports a change before the next one.
    await sleep(450);
    const [later] = await InstanceRegistry.list(reader, ns);
    assert.ok(Date.parse(later!.heartbeatAt) > Date.parse(first.heartbeatAt), 'heartbeat time moved on');
    state = 'paused';
    partitions = {};
    registry.touch();
    await sleep(150);
    const [touched] = await InstanceRegistry.list(reader, ns);
    assert.equal(touched!.links[0]?.state, 'paused');
    assert.deepEqual(touched!.links[0]?.partitions, {});

    await registry.stop();
    assert.deepEqual(await InstanceRegistry.list(reader, ns), []);
    const keys = clusterKeys(ns);
    assert.equal(await admin.exists(keys.instances, keys.deadlines), 0, 'nothing left behind');
  });

  it('an instance that stops heartbeating (SIGKILL) is dead after three heartbeats and removed by anyone', async () => {
    const ns = namespace();
    const keys = clusterKeys(ns);
    const dying = await client();
    const killed = new InstanceRegistry(dying, ns, 'host-b:202:9002', () => report(), logger, 200);
    const survivor = new InstanceRegistry(
      await client(),
      ns,
      'host-c:303:9003',
      () => report(),
      logger,
      1000,
    );
    await killed.start();
    await survivor.start();
    const reader = await client();
    assert.deepEqual(
      (await InstanceRegistry.list(reader, ns)).map((i) => i.instance),
      ['host-b:202:9002', 'host-c:303:9003'],
    );
    // No deregistration: the connection just goes away, as with SIGKILL.
    dying.disconnect();
    await sleep(MISSED_HEARTBEATS * 200 - 250);
    assert.equal((await InstanceRegistry.list(reader, ns)).length, 2, 'still live within three heartbeats');
    await sleep(400);
    // The survivor's next beat removes it, without anyone listing.
    await sleep(1000);
    assert.equal(await admin.hexists(keys.instances, 'host-b:202:9002'), 0, 'removed by the survivor');
    assert.equal(await admin.zscore(keys.deadlines, 'host-b:202:9002'), null);
    assert.deepEqual(
      (await InstanceRegistry.list(reader, ns)).map((i) => i.instance),
      ['host-c:303:9003'],
    );
    await survivor.stop();
    await killed.stop();
  });

  it('a reader removes dead instances too, and skips records it cannot read', async () => {
    const ns = namespace();
    const keys = clusterKeys(ns);
    // A dead entry (deadline passed) and one without a deadline: both go at the next read.
    await admin.hset(keys.instances, 'gone:1:1', JSON.stringify({ ...report(), heartbeatMs: 100 }));
    await admin.zadd(keys.deadlines, 1, 'gone:1:1');
    await admin.hset(keys.instances, 'orphan:2:2', '{"admin":"x","heartbeatMs":100,"links":[]}');
    await admin.hset(keys.instances, 'garbled:3:3', 'not json');
    await admin.zadd(keys.deadlines, Date.now() + 60_000, 'garbled:3:3');
    const listed = await InstanceRegistry.list(await client(), ns);
    assert.deepEqual(listed, []);
    assert.deepEqual(await admin.hkeys(keys.instances), ['garbled:3:3']);
  });

  it('connect() rejects when Redis does not answer (commands report it)', async () => {
    await assert.rejects(InstanceRegistry.connect('redis://127.0.0.1:1', 500));
  });
});

describe('pause control', () => {
  it('pause and resume round trip: who, when, why; the watch sees both', async () => {
    const ns = namespace();
    const control = new PauseControl(await client(), ns);
    const seen: PausedLinks[] = [];
    const unwatch = new PauseControl(await client(), ns).watch((p) => seen.push(p), logger, 100);
    try {
      await sleep(250);
      assert.equal(seen.length, 1, 'the first poll reports the current state');
      assert.equal(seen[0]!.size, 0);

      const pause = { by: 'ops@host', at: '2026-01-02T03:04:05.000Z', reason: 'schema change' };
      await control.pause(['mariadb->postgres'], pause);
      assert.deepEqual([...(await control.list())], [['mariadb->postgres', pause]]);
      await sleep(300);
      assert.equal(seen.length, 2);
      assert.deepEqual(seen[1]!.get('mariadb->postgres'), pause);

      // An unchanged state is not reported again; pausing again replaces who and why.
      await sleep(300);
      assert.equal(seen.length, 2);
      const again = { by: 'lead@host', at: '2026-01-02T03:05:00.000Z' };
      await control.pause(['mariadb->postgres'], again);
      await sleep(300);
      assert.equal(seen.length, 3);
      assert.deepEqual(seen[2]!.get('mariadb->postgres'), again);

      assert.deepEqual(await control.resume(['mariadb->postgres', 'postgres->mariadb']), [
        'mariadb->postgres',
      ]);
      assert.equal((await control.list()).size, 0);
      await sleep(300);
      assert.equal(seen.length, 4);
      assert.equal(seen[3]!.size, 0);
      assert.equal(await admin.exists(clusterKeys(ns).paused), 0);
    } finally {
      unwatch();
    }
  });

  it('while Redis does not answer, the watch keeps the last known state', async () => {
    const ns = namespace();
    const dead = kit.track(
      new Redis('redis://127.0.0.1:1', { ...LOOP_GUARD_REDIS_OPTIONS, retryStrategy: () => null }),
    );
    const initial = new Map([['mariadb->postgres', { by: 'ops', at: 'then' }]]);
    const seen: PausedLinks[] = [];
    const unwatch = new PauseControl(dead, ns).watch((p) => seen.push(p), logger, 50, initial);
    await sleep(300);
    unwatch();
    assert.deepEqual(seen, [], 'no change reported: the link stays paused');
  });
});
