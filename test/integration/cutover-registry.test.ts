// The cutover registry and /route (design §7) against the real Redis of the local stack
// (127.0.0.1:6379, or DBTWIN_REDIS_URL). Every test uses its own namespace; nothing here flushes Redis.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { DbtwinError } from '../../src/core/dbtwin-error.js';
import { ErrorCode } from '../../src/core/error-codes.js';
import { cutoverKeys } from '../../src/core/redis-keys.js';
import { CutoverRegistry } from '../../src/cutover/cutover-registry.js';
import { CutoverRoute, type RouteAnswer } from '../../src/cutover/cutover-route.js';
import { LOOP_GUARD_REDIS_OPTIONS } from '../../src/echo/loop-guard.js';
import { RedisTestKit } from '../support/redis-test-kit.js';

const kit = new RedisTestKit('t-cutover');
const logger = pino({ level: 'silent' });
const namespace = (): string => kit.namespace();
/** A connection as `dbtwin run` opens it (the loop guard's). */
const client = (): Promise<Redis> => kit.client();

async function refusal(work: Promise<unknown>): Promise<DbtwinError> {
  try {
    await work;
  } catch (error) {
    assert.ok(error instanceof DbtwinError, String(error));
    return error;
  }
  assert.fail('expected a refusal');
}

after(async () => {
  await kit.close();
});

describe('cutover registry', () => {
  it('registers once, moves atomically with history, counts moves and keeps gates and --force in the history', async () => {
    const ns = namespace();
    const registry = new CutoverRegistry(await client(), ns);
    const first = await registry.register('app-1', 'mariadb', 'sidecar-a');
    assert.equal(first.registered, true);
    assert.equal(first.instance.side, 'mariadb');
    assert.equal(first.instance.moves, 0);
    // A second registration (a restarted sidecar, another side configured) changes nothing.
    const again = await registry.register('app-1', 'postgres', 'sidecar-b');
    assert.equal(again.registered, false);
    assert.equal(again.instance.side, 'mariadb');

    const gate = { name: 'lag mariadb->postgres', value: 3, threshold: 10, unit: 'messages', pass: true };
    const moved = await registry.move({
      instance: 'app-1',
      from: 'mariadb',
      to: 'postgres',
      kind: 'move',
      by: 'ops@host',
      gates: [gate],
    });
    assert.equal(moved.from, 'mariadb');
    assert.equal(moved.to, 'postgres');
    assert.deepEqual(moved.gates, [gate]);
    const back = await registry.move({
      instance: 'app-1',
      from: 'postgres',
      to: 'mariadb',
      kind: 'rollback',
      by: 'ops@host',
      forced: true,
      reason: 'emergency',
    });
    assert.equal(back.forced, true);
    assert.equal(back.reason, 'emergency');

    const status = await registry.status();
    assert.deepEqual(
      status.instances.map((i) => [i.instance, i.side, i.moves]),
      [['app-1', 'mariadb', 2]],
    );
    assert.deepEqual(
      status.history.map((m) => [m.kind, m.from, m.to, m.by]),
      [
        ['register', null, 'mariadb', 'sidecar-a'],
        ['move', 'mariadb', 'postgres', 'ops@host'],
        ['rollback', 'postgres', 'mariadb', 'ops@host'],
      ],
    );
    assert.ok(status.history.every((m) => !Number.isNaN(Date.parse(m.at))));
    assert.equal(status.finalized, null);
    // Empty arrays survive the Lua round trip as arrays (cjson would make them objects).
    assert.equal(status.history[2]!.gates, undefined);
  });

  it('a refusal by the gates is written to the history with what was asked and why; nothing moves', async () => {
    const ns = namespace();
    const registry = new CutoverRegistry(await client(), ns);
    await registry.register('app-2', 'mariadb', 'sidecar-b');
    const gates = [
      { name: 'lag postgres->mariadb', value: 213, threshold: 100, unit: 'messages', pass: false },
    ];
    const entry = await registry.recordRefusal({
      refused: 'move',
      instance: 'app-2',
      from: 'mariadb',
      to: 'postgres',
      by: 'ops@h',
      gates,
      reason: '[DBT5001] move of app-2 from mariadb to postgres refused: lag 213 messages',
    });
    assert.equal(entry.kind, 'refused');
    const status = await registry.status();
    assert.equal(status.instances[0]!.side, 'mariadb', 'the instance did not move');
    assert.equal(status.instances[0]!.moves, 0);
    const last = status.history.at(-1)!;
    assert.deepEqual(
      {
        kind: last.kind,
        refused: last.refused,
        from: last.from,
        to: last.to,
        by: last.by,
        gates: last.gates,
      },
      { kind: 'refused', refused: 'move', from: 'mariadb', to: 'postgres', by: 'ops@h', gates },
    );
    assert.match(last.reason ?? '', /^\[DBT5001\] move of app-2/);
    assert.ok(Date.parse(last.at) > 0, `dated by Redis: ${last.at}`);
  });

  it('moves go one at a time: a second is refused naming the first while it runs (renewed past its TTL); the lock frees when done or when its holder dies', async () => {
    const ns = namespace();
    const registry = new CutoverRegistry(await client(), ns);
    const other = new CutoverRegistry(await client(), ns);
    let release!: () => void;
    const first = registry.oneAtATime(
      'ops@a',
      'move of app-1 to postgres',
      () => new Promise<string>((resolve) => (release = () => resolve('moved'))),
      300,
    );
    await new Promise((r) => setTimeout(r, 700)); // past the TTL: renewed while the work runs
    const busy = await refusal(
      other.oneAtATime('ops@b', 'move of app-2 to postgres', () => Promise.resolve()),
    );
    assert.equal(busy.code, ErrorCode.CutoverBusy);
    assert.match(
      busy.message,
      /move of app-2 to postgres refused: another one is in progress .*\(move of app-1 to postgres, by ops@a since \d{4}-/,
    );
    release();
    assert.equal(await first, 'moved');
    assert.equal(await other.oneAtATime('ops@b', 'move of app-2 to postgres', () => Promise.resolve(2)), 2);
    // A holder that died (a CLI killed mid-move) stops renewing: its lock expires.
    const redis = await client();
    await redis.set(
      cutoverKeys(ns).moving,
      JSON.stringify({ token: 'dead', by: 'ops@c', what: 'finalize' }),
      'PX',
      200,
    );
    await refusal(other.oneAtATime('ops@b', 'move of app-3', () => Promise.resolve()));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await other.oneAtATime('ops@b', 'move of app-3', () => Promise.resolve(3)), 3);
  });

  it('of two racing moves of one instance exactly one wins; the other is refused with where it is now', async () => {
    const ns = namespace();
    const a = new CutoverRegistry(await client(), ns);
    const b = new CutoverRegistry(await client(), ns);
    await a.register('app-2', 'mariadb', 'sidecar');
    const outcomes = await Promise.allSettled([
      a.move({ instance: 'app-2', from: 'mariadb', to: 'postgres', kind: 'move', by: 'alice@h' }),
      b.move({ instance: 'app-2', from: 'mariadb', to: 'postgres', kind: 'move', by: 'bob@h' }),
    ]);
    assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1);
    const lost = outcomes.find((o) => o.status === 'rejected')!.reason as DbtwinError;
    assert.equal(lost.code, ErrorCode.CutoverRaced);
    assert.match(lost.message, /app-2 is on postgres now/);
    const status = await a.status();
    assert.equal(status.instances[0]!.moves, 1);
    assert.equal(status.history.filter((m) => m.kind === 'move').length, 1);
    const unknown = await refusal(
      a.move({ instance: 'nope', from: 'mariadb', to: 'postgres', kind: 'move', by: 'x' }),
    );
    assert.equal(unknown.code, ErrorCode.CutoverUnknownInstance);
  });

  it('finalize refuses mixed sides and an empty registry, then records the end; moves are refused after it and new instances start on the final side', async () => {
    const ns = namespace();
    const registry = new CutoverRegistry(await client(), ns);
    const empty = await refusal(
      registry.finalize({ side: 'postgres', retiredSide: 'mariadb', stoppedLinks: [], by: 'x' }),
    );
    assert.equal(empty.code, ErrorCode.CutoverNotUniform);
    await registry.register('app-1', 'mariadb', 's');
    await registry.register('app-2', 'mariadb', 's');
    await registry.move({ instance: 'app-1', from: 'mariadb', to: 'postgres', kind: 'move', by: 'x' });
    const mixed = await refusal(
      registry.finalize({ side: 'postgres', retiredSide: 'mariadb', stoppedLinks: [], by: 'x' }),
    );
    assert.equal(mixed.code, ErrorCode.CutoverNotUniform);
    assert.match(mixed.message, /app-2 on mariadb/);
    await registry.move({ instance: 'app-2', from: 'mariadb', to: 'postgres', kind: 'move', by: 'x' });
    const final = await registry.finalize({
      side: 'postgres',
      retiredSide: 'mariadb',
      stoppedLinks: ['mariadb->postgres'],
      by: 'ops@h',
    });
    assert.equal(final.side, 'postgres');
    assert.deepEqual(final.stoppedLinks, ['mariadb->postgres']);
    const after = await registry.status();
    assert.deepEqual(after.finalized, final);
    const last = after.history.at(-1)!;
    assert.equal(last.kind, 'finalize');
    assert.equal(last.from, 'mariadb');
    assert.equal(last.to, 'postgres');

    const refused = await refusal(
      registry.move({ instance: 'app-2', from: 'postgres', to: 'mariadb', kind: 'rollback', by: 'x' }),
    );
    assert.equal(refused.code, ErrorCode.CutoverFinalized);
    const again = await refusal(
      registry.finalize({ side: 'postgres', retiredSide: 'mariadb', stoppedLinks: [], by: 'x' }),
    );
    assert.equal(again.code, ErrorCode.CutoverFinalized);
    const late = await registry.register('app-3', 'mariadb', 's');
    assert.equal(late.instance.side, 'postgres');
  });
});

describe('/route', () => {
  it('registers its instance at the initial side, follows a move at the next request, and serves the last answer as stale while Redis is away', async () => {
    const ns = namespace();
    const sidecar = await client();
    const route = new CutoverRoute(new CutoverRegistry(sidecar, ns), 'app-9', 'mariadb', 'sidecar', logger);
    await route.start();
    const first = await route.reply();
    assert.equal(first.code, 200);
    const body = first.body as RouteAnswer;
    assert.equal(body.instance, 'app-9');
    assert.equal(body.side, 'mariadb');
    assert.equal(body.finalized, false);
    assert.equal(body.stale, undefined);

    await new CutoverRegistry(await client(), ns).move({
      instance: 'app-9',
      from: 'mariadb',
      to: 'postgres',
      kind: 'move',
      by: 'ops',
    });
    const moved = (await route.reply()).body as RouteAnswer;
    assert.equal(moved.side, 'postgres');
    assert.equal(moved.moves, 1);

    // The sidecar's connection drops (a Redis blip): the last answer holds, marked stale, never a 500.
    sidecar.disconnect();
    const started = Date.now();
    const stale = await route.reply();
    assert.equal(stale.code, 200);
    assert.equal((stale.body as RouteAnswer).side, 'postgres');
    assert.equal((stale.body as RouteAnswer).stale, true);
    assert.ok(Date.now() - started < 2000, 'answers within the Redis timeout');

    // A sidecar that never reached Redis has nothing to serve: 503, not 500.
    const broken = kit.track(new Redis(kit.url, { ...LOOP_GUARD_REDIS_OPTIONS, lazyConnect: true }));
    broken.disconnect();
    const cold = await new CutoverRoute(
      new CutoverRegistry(broken, ns),
      'app-10',
      'mariadb',
      's',
      logger,
    ).reply();
    assert.equal(cold.code, 503);
  });
});
