import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { InstanceRegistry } from '../../src/cluster/instance-registry.js';
import { PauseControl } from '../../src/cluster/pause-control.js';
import { endpointsFromEnv } from '../../src/config/environment.js';
import { cutoverKeys } from '../../src/core/redis-keys.js';
import type { CutoverGateResult, CutoverStatus } from '../../src/cutover/cutover-state.js';
import type { RouteAnswer } from '../../src/cutover/cutover-route.js';
import type { EngineDriver } from '../../src/engines/engine-driver.js';
import { KafkaTopics } from '../../src/source/kafka-topics.js';
import {
  convergeLocal,
  DbtwinProcess,
  eventually,
  LocalPair,
  localDifferences,
  M2P,
  P2M,
  writeLocalConfig,
} from '../support/replication-harness.js';
import { runCli, type CliResult } from '../support/run-cli.js';

/**
 * A scripted cutover (design §7, issue 7) on the real stack: three sidecars (`dbtwin run --instance
 * app-N`, both links each) and a load generator per application instance that asks its sidecar's
 * `/route` before every small batch and writes to the side it names. The instances move from MariaDB to
 * PostgreSQL one by one; a move while the link back is paused is refused with the reason; app-1 is
 * rolled back and moved again; `finalize` stops mariadb->postgres; `verify` finds no divergent row.
 */
const run = Date.now() % 1_000_000;
const TABLE = `e2e_cutover_${run}`;
const GROUP_PREFIX = `e2e-cutover-${run}`;
const APPS = ['app-1', 'app-2', 'app-3'] as const;
/** Each application instance writes its own keys: app-N from N × 100,000,000. */
const KEY_BASE = 100_000_000;

type Side = 'mariadb' | 'postgres';

/** One application instance: asks `/route`, writes a small batch there, again, until stopped. */
class LoadGenerator {
  /** Sides `/route` answered, consecutive repeats dropped. */
  readonly sides: Side[] = [];
  readonly writes: Record<Side, number> = { mariadb: 0, postgres: 0 };
  private seq = 0;
  private stopped = false;
  private done: Promise<void> = Promise.resolve();
  private readonly lastFinal: boolean[] = [];

  constructor(
    readonly app: string,
    private readonly index: number,
    private readonly sidecar: DbtwinProcess,
    private readonly db: Record<Side, EngineDriver>,
  ) {}

  start(): void {
    this.done = (async () => {
      while (!this.stopped) {
        const route = await this.route();
        if (route) await this.batch(route.side as Side);
        await sleep(150);
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }

  get finalized(): boolean {
    return this.lastFinal.at(-1) ?? false;
  }

  async route(): Promise<RouteAnswer | undefined> {
    const response = await fetch(`http://127.0.0.1:${this.sidecar.adminPort}/route`);
    assert.equal(response.status, 200, `${this.app}: /route answered ${response.status}`);
    const answer = (await response.json()) as RouteAnswer;
    assert.equal(answer.instance, this.app);
    if (this.sides.at(-1) !== answer.side) this.sides.push(answer.side as Side);
    this.lastFinal.push(answer.finalized);
    return answer;
  }

  /** Inserts two rows of its own and updates one it wrote before, on `side`. */
  private async batch(side: Side): Promise<void> {
    const db = this.db[side];
    const base = (this.index + 1) * KEY_BASE;
    for (let i = 0; i < 2; i++) {
      const id = base + ++this.seq;
      await db.query(`INSERT INTO ${TABLE} (id, app, n, note) VALUES (${id}, '${this.app}', 0, '${side}')`);
    }
    const old = base + 1 + Math.floor(Math.random() * this.seq);
    await db.query(`UPDATE ${TABLE} SET n = ${this.seq}, note = '${side} ${this.seq}' WHERE id = ${old}`);
    this.writes[side] += 3;
  }
}

describe('cutover of three application instances under load', { timeout: 900_000 }, () => {
  let pair: LocalPair;
  let redis: Redis;
  let config: string;
  const sidecars: DbtwinProcess[] = [];
  const loads: LoadGenerator[] = [];

  before(async () => {
    pair = await LocalPair.open();
    redis = await InstanceRegistry.connect(endpointsFromEnv().redisUrl);
    await pair.createTable(
      TABLE,
      [
        `CREATE TABLE ${TABLE} (id BIGINT PRIMARY KEY, app VARCHAR(16) NOT NULL, n INT NOT NULL, note VARCHAR(64))`,
      ],
      [
        `CREATE TABLE ${TABLE} (id BIGINT PRIMARY KEY, app VARCHAR(16) NOT NULL, n INT NOT NULL, note VARCHAR(64))`,
        `ALTER TABLE ${TABLE} REPLICA IDENTITY FULL`,
      ],
    );
    config = await writeLocalConfig([TABLE], { groupPrefix: GROUP_PREFIX, batchMaxRows: 500 });
  });

  after(async () => {
    await Promise.allSettled(loads.map((l) => l.stop()));
    await Promise.allSettled(sidecars.map((p) => p.stop()));
    await new PauseControl(redis, GROUP_PREFIX).resume([M2P, P2M]).catch(() => undefined);
    await redis.del(...Object.values(cutoverKeys(GROUP_PREFIX))).catch(() => undefined);
    redis.disconnect();
    await pair.close();
  });

  const cutover = (args: readonly string[]): Promise<CliResult> =>
    runCli(['cutover', ...args, '-c', config], { timeoutMs: 180_000 });
  const status = async (): Promise<CutoverStatus & { gates: CutoverGateResult[] }> => {
    const result = await cutover(['status', '--json']);
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(result.stdout) as CutoverStatus & { gates: CutoverGateResult[] };
  };
  /** Moves (or rolls back) and waits until the instance's load generator writes to the new side. */
  const moveTo = async (args: readonly string[], app: string, side: Side): Promise<CliResult> => {
    const result = await cutover(args);
    console.log(
      `# dbtwin cutover ${args.join(' ')} → exit ${result.code}\n${result.stdout.replace(/^/gm, '#   ')}`,
    );
    assert.equal(result.code, 0, `${args.join(' ')}: ${result.stdout}\n${result.stderr}`);
    const load = loads[APPS.indexOf(app as (typeof APPS)[number])]!;
    assert.ok(
      await eventually(async () => Promise.resolve(load.sides.at(-1) === side), 10_000, 100),
      `${app}'s load generator writes to ${side}: ${load.sides.join(' → ')}`,
    );
    return result;
  };

  it('moves the instances one by one, refuses a move whose gate fails, rolls one back and moves it again, finalizes, and verify finds no divergent row', async () => {
    // A first row on each side creates the topics, so every sidecar joins both groups at start.
    await pair.mariadb.query(`INSERT INTO ${TABLE} (id, app, n, note) VALUES (1, 'seed', 0, 'mariadb')`);
    await pair.postgres.query(`INSERT INTO ${TABLE} (id, app, n, note) VALUES (2, 'seed', 0, 'postgres')`);
    await new KafkaTopics(['127.0.0.1:9092']).waitForTopics(
      [`mariadb.dbtwin.${TABLE}`, `postgres.public.${TABLE}`],
      60_000,
      true,
    );
    for (const app of APPS) sidecars.push(await DbtwinProcess.start(config, [M2P, P2M], ['--instance', app]));
    for (const [i, app] of APPS.entries()) {
      const load = new LoadGenerator(app, i, sidecars[i]!, {
        mariadb: pair.mariadb,
        postgres: pair.postgres,
      });
      loads.push(load);
      load.start();
    }
    const running = await eventually(
      async () => {
        const live = await InstanceRegistry.list(redis, GROUP_PREFIX);
        return live.length === 3 && live.every((i) => i.links.every((l) => l.state === 'running'));
      },
      60_000,
      500,
    );
    assert.ok(running, 'three sidecars run both links');

    // Every instance registered itself at the initial side: the first link's source, MariaDB.
    const initial = await status();
    assert.deepEqual(
      initial.instances.map((i) => [i.instance, i.side, i.moves]),
      APPS.map((a) => [a, 'mariadb', 0]),
    );
    assert.deepEqual(
      initial.gates.map((g) => g.name),
      [`lag ${M2P}`, `lag ${P2M}`, 'conflicts'],
    );
    const text = await cutover(['status']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /app-1 +mariadb +\S+ +0/);

    // --- app-1 moves -------------------------------------------------------------------------
    const first = await moveTo(['move', 'app-1', '--to', 'postgres'], 'app-1', 'postgres');
    assert.match(first.stdout, /lag mariadb->postgres +\d+ +1000 messages +pass/);
    assert.match(first.stdout, /verify mariadb->postgres +0 +0 divergent rows +pass/);

    // --- a move whose gate fails: the link back is paused, so its lag cannot drain -----------
    const paused = await runCli(['pause', '--link', P2M, '--reason', 'cutover test', '-c', config]);
    assert.equal(paused.code, 0, paused.stderr);
    await sleep(2000); // app-1 writes to PostgreSQL meanwhile: postgres->mariadb lag grows
    const refused = await cutover(['move', 'app-2', '--to', 'postgres', '--json']);
    console.log(`# refused move → exit ${refused.code}: ${refused.stderr.trim()}`);
    assert.equal(refused.code, 5, `${refused.stdout}\n${refused.stderr}`);
    assert.match(
      refused.stderr,
      /\[DBT5001\] move of app-2 from mariadb to postgres refused: lag postgres->mariadb \d+ messages \(paused by \S+ at \S+: cutover test; its lag cannot drain\)/,
    );
    const doc = JSON.parse(refused.stdout) as { outcome: string; gates: CutoverGateResult[] };
    assert.equal(doc.outcome, 'refused');
    const lagBack = doc.gates.find((g) => g.name === `lag ${P2M}`)!;
    assert.equal(lagBack.pass, false);
    assert.ok((lagBack.value ?? 0) > 0, `lag grew while paused: ${JSON.stringify(lagBack)}`);
    assert.equal(doc.gates.find((g) => g.name === `verify ${M2P}`)?.skipped, true);
    const afterRefusal = await status();
    assert.equal(afterRefusal.instances.find((i) => i.instance === 'app-2')?.side, 'mariadb');
    const written = afterRefusal.history.at(-1)!;
    assert.deepEqual(
      [written.kind, written.refused, written.instance, written.from, written.to],
      ['refused', 'move', 'app-2', 'mariadb', 'postgres'],
      'the refusal is in the history',
    );
    assert.match(written.reason ?? '', /^\[DBT5001\] move of app-2 from mariadb to postgres refused: lag/);
    assert.equal(loads[1]!.sides.at(-1), 'mariadb', 'the refused instance still writes to MariaDB');

    const resumed = await runCli(['resume', '--link', P2M, '-c', config]);
    assert.equal(resumed.code, 0, resumed.stderr);

    // --- app-2 moves once the lag drained ----------------------------------------------------
    await moveTo(['move', 'app-2', '--to', 'postgres'], 'app-2', 'postgres');

    // --- app-1 is rolled back, then moved again ----------------------------------------------
    const back = await moveTo(['rollback', 'app-1', '--reason', 'drill'], 'app-1', 'mariadb');
    assert.match(back.stdout, /lag postgres->mariadb .* pass/);
    assert.doesNotMatch(back.stdout, /conflicts|verify/, 'a rollback is gated on the lag back only');
    await moveTo(['move', 'app-1', '--to', 'postgres'], 'app-1', 'postgres');

    // --- app-3 moves; finalize ---------------------------------------------------------------
    await moveTo(['move', 'app-3', '--to', 'postgres'], 'app-3', 'postgres');
    const final = await cutover(['finalize']);
    console.log(`# dbtwin cutover finalize → exit ${final.code}\n${final.stdout.replace(/^/gm, '#   ')}`);
    assert.equal(final.code, 0, `${final.stdout}\n${final.stderr}`);
    assert.match(final.stdout, /verify mariadb->postgres +0 +0 divergent rows +pass/);
    assert.match(final.stdout, /finalized: every instance writes to postgres; stopped mariadb->postgres/);
    const pauses = await new PauseControl(redis, GROUP_PREFIX).list();
    assert.match(pauses.get(M2P)?.reason ?? '', /retired by dbtwin cutover finalize/);
    assert.equal(pauses.has(P2M), false, 'postgres->mariadb keeps MariaDB as the fallback');
    assert.ok(
      await eventually(async () => Promise.resolve(loads.every((l) => l.finalized)), 10_000, 100),
      'every /route says finalized',
    );
    const refusedAfter = await cutover(['rollback', 'app-2']);
    assert.equal(refusedAfter.code, 5);
    assert.match(refusedAfter.stderr, /\[DBT5004\]/);

    // --- what happened, in the registry ---------------------------------------------------------
    const done = await status();
    assert.deepEqual(
      done.instances.map((i) => [i.instance, i.side, i.moves]),
      [
        ['app-1', 'postgres', 3],
        ['app-2', 'postgres', 1],
        ['app-3', 'postgres', 1],
      ],
    );
    assert.equal(done.finalized?.side, 'postgres');
    assert.deepEqual(done.finalized?.stoppedLinks, [M2P]);
    const of = (app: string): string[] =>
      done.history.filter((m) => m.instance === app).map((m) => `${m.kind} ${m.from ?? '-'}->${m.to}`);
    assert.deepEqual(of('app-1'), [
      'register -->mariadb',
      'move mariadb->postgres',
      'rollback postgres->mariadb',
      'move mariadb->postgres',
    ]);
    assert.deepEqual(of('app-2'), [
      'register -->mariadb',
      'refused mariadb->postgres',
      'move mariadb->postgres',
    ]);
    assert.equal(done.history.at(-1)?.kind, 'finalize');
    assert.equal(done.history.find((m) => m.kind === 'rollback')?.reason, 'drill');
    assert.ok(
      done.history.filter((m) => m.kind === 'move').every((m) => (m.gates ?? []).every((g) => g.pass)),
    );

    // The load generators followed /route: app-1 there and back and there again, the others once.
    await Promise.all(loads.map((l) => l.stop()));
    assert.deepEqual(loads[0]!.sides, ['mariadb', 'postgres', 'mariadb', 'postgres']);
    assert.deepEqual(loads[1]!.sides, ['mariadb', 'postgres']);
    assert.deepEqual(loads[2]!.sides, ['mariadb', 'postgres']);
    console.log(`# writes per instance: ${JSON.stringify(loads.map((l) => ({ [l.app]: l.writes })))}`);

    // --- the end: both sides equal, verify finds nothing ---------------------------------------
    const converged = await convergeLocal(TABLE, pair.mariadb, pair.postgres, 120_000);
    assert.ok(
      converged.converged,
      `${converged.last}\n${await localDifferences(TABLE, pair.mariadb, pair.postgres)}`,
    );
    console.log(`# converged: ${converged.last}`);
    const verify = await runCli(['verify', '-c', config, '--json']);
    assert.equal(verify.code, 0, `${verify.stdout}\n${verify.stderr}`);
    const report = JSON.parse(verify.stdout) as { divergent: number; rows: number };
    assert.equal(report.divergent, 0);
    console.log(`# verify: ${report.rows} rows, ${report.divergent} divergent`);
  });
});
