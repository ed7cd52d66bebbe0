import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
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
import { runCli } from '../support/run-cli.js';
import { prng, TypesWorkload, type EngineSide } from '../support/types-table.js';

/**
 * Both links at once, real Debezium on MariaDB and PostgreSQL, no capture-level exclusion: Redis
 * echo suppression alone keeps dbtwin's own writes from coming back (design §3).
 */
const OPS = Number(process.env['DBTWIN_E2E_BIDI_OPS'] ?? 10_000);
const CONVERGE_MS = Number(process.env['DBTWIN_E2E_CONVERGE_MS'] ?? 240_000);
const IDLE_WITHIN_MS = 10_000;
/** Operations per second and side of the 10k run: what two dbtwin processes sustain here with room to spare. */
const RATE = Number(process.env['DBTWIN_E2E_BIDI_RATE'] ?? 300);
const run = Date.now() % 1_000_000;
/** PostgreSQL's workload inserts keys from here, MariaDB's from 1: disjoint keys. */
const PG_FIRST_ID = 1_000_000_000;

/** Counters of each link, wherever it runs. */
async function countersOf(
  processes: readonly DbtwinProcess[],
): Promise<Record<string, Record<string, number>>> {
  const out: Record<string, Record<string, number>> = {};
  for (const p of processes) for (const l of (await p.status()).links) out[l.link] = l.counters;
  return out;
}

function received(counters: Record<string, Record<string, number>>): number {
  return Object.values(counters).reduce((n, c) => n + (c['received'] ?? 0), 0);
}

/**
 * Waits until no link receives anything for `quietMs`; returns when the last message arrived (ms
 * since the epoch), or throws after `timeoutMs`.
 */
async function idleSince(
  processes: readonly DbtwinProcess[],
  quietMs: number,
  timeoutMs: number,
  from = Date.now(),
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = received(await countersOf(processes));
  let changedAt = from;
  while (Date.now() < deadline) {
    await sleep(250);
    const now = received(await countersOf(processes));
    if (now !== last) {
      last = now;
      changedAt = Date.now();
    } else if (Date.now() - changedAt >= quietMs) {
      return changedAt;
    }
  }
  throw new Error(`links still busy after ${timeoutMs} ms (received ${last})`);
}

/** Sum of the end offsets of the table's topics on both sides: moves whenever Debezium captures a change. */
async function topicEnds(table: string): Promise<bigint> {
  const topics = [`mariadb.dbtwin.${table}`, `postgres.public.${table}`];
  const ends = await new KafkaTopics(['127.0.0.1:9092']).endOffsets(topics);
  let sum = 0n;
  for (const partitions of ends.values()) for (const offset of partitions.values()) sum += offset;
  return sum;
}

describe('bidirectional replication: origins, echoes, loops', () => {
  let pair: LocalPair;
  let mariadb: EngineDriver;
  let postgres: EngineDriver;
  let redis: Redis;

  before(async () => {
    pair = await LocalPair.open();
    ({ mariadb, postgres } = pair);
    redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: true });
    await redis.connect();
  });

  after(async () => {
    await pair.close();
    redis.disconnect();
  });

  const createPair = (table: string): Promise<void> => pair.createTypesTable(table);

  async function converge(table: string): Promise<{ converged: boolean; last: string }> {
    return convergeLocal(table, mariadb, postgres, CONVERGE_MS);
  }

  async function differences(table: string): Promise<string> {
    return localDifferences(table, mariadb, postgres);
  }

  /**
   * Both workloads at once, each on its own keys. `meanwhile` runs once an eighth of the operations
   * are written, while the rest are being written (so changes and their echoes are in flight).
   */
  async function writeBothSides(
    table: string,
    ops: number,
    seed: number,
    meanwhile?: () => Promise<void>,
  ): Promise<Record<EngineSide, Record<string, number>>> {
    const onMariadb = new TypesWorkload('mariadb', table, prng(seed));
    const onPostgres = new TypesWorkload('postgres', table, prng(seed + 1), PG_FIRST_ID);
    const first = Math.floor(ops / 8);
    await Promise.all([onMariadb.run(mariadb, first), onPostgres.run(postgres, first)]);
    const rest = Promise.all([
      onMariadb.run(mariadb, ops / 2 - first),
      onPostgres.run(postgres, ops / 2 - first),
    ]);
    if (meanwhile) {
      await sleep(200);
      await meanwhile();
    }
    await rest;
    return { mariadb: onMariadb.counts, postgres: onPostgres.counts };
  }

  /**
   * Both workloads at once, each on its own keys, paced at `perSecond` operations per side, as
   * applications write: the links keep up, so "after the writes stop" measures the tail, not a backlog.
   */
  async function writeBothSidesPaced(
    table: string,
    ops: number,
    seed: number,
    perSecond: number,
  ): Promise<{ counts: Record<EngineSide, Record<string, number>>; ms: number }> {
    const onMariadb = new TypesWorkload('mariadb', table, prng(seed));
    const onPostgres = new TypesWorkload('postgres', table, prng(seed + 1), PG_FIRST_ID);
    const started = Date.now();
    const step = 100;
    for (let done = 0; done < ops / 2; done += step) {
      const n = Math.min(step, ops / 2 - done);
      await Promise.all([onMariadb.run(mariadb, n), onPostgres.run(postgres, n)]);
      const due = started + ((done + n) * 1000) / perSecond;
      if (due > Date.now()) await sleep(due - Date.now());
    }
    return { counts: { mariadb: onMariadb.counts, postgres: onPostgres.counts }, ms: Date.now() - started };
  }

  it(`${OPS} random changes on both sides, disjoint keys, links in two processes: each arrives once, no echo comes back, idle within 10 s after the writes stop`, async () => {
    const table = `e2e_bidi_${run}`;
    await createPair(table);
    const config = await writeLocalConfig([table]);
    const forward = await DbtwinProcess.start(config, [M2P]);
    const backward = await DbtwinProcess.start(config, [P2M]);
    try {
      const { counts, ms } = await writeBothSidesPaced(table, OPS, run, RATE);
      const stoppedAt = Date.now();
      // Watched from the moment the writes stop: the last message any link received.
      const lastMessageAt = await idleSince([forward, backward], 3000, 120_000, stoppedAt);
      const { converged, last } = await converge(table);
      assert.ok(converged, `tables differ after ${CONVERGE_MS} ms: ${last}\n${await differences(table)}`);
      const c = await countersOf([forward, backward]);
      console.log(
        `# written ${JSON.stringify(counts)} in ${ms} ms; ${last}; last message ${Math.max(0, lastMessageAt - stoppedAt)} ms after the writes stopped; counters ${JSON.stringify(c)}`,
      );
      const m2p = c[M2P]!;
      const p2m = c[P2M]!;
      assert.equal(
        p2m['echoesRedis']! + p2m['echoesLocal']!,
        m2p['applied'],
        'every row written to PostgreSQL came back once as an echo and was dropped',
      );
      assert.equal(
        m2p['echoesRedis']! + m2p['echoesLocal']!,
        p2m['applied'],
        'every row written to MariaDB came back once as an echo and was dropped',
      );
      assert.ok(m2p['applied']! > 0 && p2m['applied']! > 0, 'both links applied changes');
      assert.equal(m2p['deadLettered'], 0);
      assert.equal(p2m['deadLettered'], 0);
      assert.equal(m2p['breakerTrips'], 0);
      assert.equal(p2m['breakerTrips'], 0);
      const tail = lastMessageAt - stoppedAt;
      assert.ok(
        tail <= IDLE_WITHIN_MS,
        `links idle ${tail} ms after the writes stopped (limit ${IDLE_WITHIN_MS})`,
      );

      // Idle and stays idle: no message reaches a link and no topic grows for 10 s.
      const ends = await topicEnds(table);
      const before = received(c);
      await sleep(IDLE_WITHIN_MS);
      assert.equal(
        received(await countersOf([forward, backward])),
        before,
        'no link received anything while idle',
      );
      assert.equal(await topicEnds(table), ends, 'no change was captured while idle (nothing bounces)');
    } finally {
      await forward.stop();
      await backward.stop();
    }
  });

  for (const split of [false, true]) {
    it(`Redis flushed in the middle of the run (${split ? 'links in two processes' : 'both links in one process'}): tables still converge, links go idle, at most one extra hop per affected row`, async () => {
      const table = `e2e_flush${split ? 2 : 1}_${run}`;
      await createPair(table);
      const groupPrefix = `e2e-flush${split ? 2 : 1}-${run}`;
      const config = await writeLocalConfig([table], { groupPrefix });
      const processes = split
        ? [await DbtwinProcess.start(config, [M2P]), await DbtwinProcess.start(config, [P2M])]
        : [await DbtwinProcess.start(config, [M2P, P2M])];
      let pendingAtFlush = 0;
      try {
        const counts = await writeBothSides(table, Math.min(OPS, 6000), run + 3, async () => {
          // The rows whose echoes are still on their way are the ones a flush can affect: flush while
          // there are some, once both links have been at work for a while (so echoes were consumed
          // before the flush too, which a restore must not bring back).
          await eventually(
            async () => {
              const c = await countersOf(processes);
              if ((c[M2P]?.['applied'] ?? 0) < 300 || (c[P2M]?.['applied'] ?? 0) < 300) return false;
              pendingAtFlush = (await redis.keys(`${groupPrefix}:echo:row:*`)).length;
              return pendingAtFlush >= 20;
            },
            60_000,
            20,
          );
          await redis.flushall();
        });
        const { converged, last } = await converge(table);
        assert.ok(converged, `tables differ after the flush: ${last}\n${await differences(table)}`);
        await idleSince(processes, 3000, 120_000);
        const links = (await Promise.all(processes.map((p) => p.status()))).flatMap((st) => st.links);
        const c = Object.fromEntries(links.map((l) => [l.link, l.counters]));
        const m2p = c[M2P]!;
        const p2m = c[P2M]!;
        // An echo that got past every layer costs one extra hop: it reaches its origin (and ends at the no-op check).
        const extraHops =
          m2p['applied']! -
          (p2m['echoesRedis']! + p2m['echoesLocal']!) +
          p2m['applied']! -
          (m2p['echoesRedis']! + m2p['echoesLocal']!);
        console.log(
          `# flush: written ${JSON.stringify(counts)}; ${pendingAtFlush} rows had echoes pending at the flush; extra hops ${extraHops}; local-copy echoes ${m2p['echoesLocal']! + p2m['echoesLocal']!}; echo state ${JSON.stringify(links.map((l) => l.echo))}; counters ${JSON.stringify(c)}`,
        );
        assert.ok(extraHops >= 0, 'never fewer echoes than writes');
        assert.ok(
          extraHops <= pendingAtFlush,
          `extra hops ${extraHops} ≤ rows affected by the flush ${pendingAtFlush}`,
        );
        for (const l of links) {
          assert.equal(l.echo?.state, 'degraded', `the lost state is visible in /status of ${l.link}`);
          assert.match(l.echo?.reason ?? '', /flushed/);
        }
        const ends = await topicEnds(table);
        await sleep(5000);
        assert.equal(await topicEnds(table), ends, 'nothing bounces after the flush');
      } finally {
        for (const p of processes) await p.stop();
      }
    });
  }

  it('a row updated in a tight alternating loop from both sides trips the breaker; the row is listed with its history', async () => {
    const table = `e2e_pingpong_${run}`;
    await pair.createTable(
      table,
      [`CREATE TABLE ${table} (id INT PRIMARY KEY, v VARCHAR(40) NOT NULL)`],
      [
        `CREATE TABLE ${table} (id int PRIMARY KEY, v varchar(40) NOT NULL)`,
        `ALTER TABLE ${table} REPLICA IDENTITY FULL`,
      ],
    );
    const maxFlips = 6;
    const config = await writeLocalConfig([table], { breaker: { maxFlips, windowSeconds: 120 } });
    const dbtwin = await DbtwinProcess.start(config, [M2P, P2M]);
    const valueOn = async (side: EngineSide): Promise<string | undefined> => {
      const rows =
        side === 'mariadb'
          ? await mariadb.query(`SELECT v FROM ${table} WHERE id = 1`)
          : await postgres.query(`SELECT v FROM ${table} WHERE id = 1`);
      return rows[0]?.['v'] as string | undefined;
    };
    try {
      await mariadb.query(`INSERT INTO ${table} VALUES (1, 'start')`);
      assert.ok(await eventually(async () => (await valueOn('postgres')) === 'start', 60_000, 100));
      let bounced = 0;
      let held: string | undefined;
      for (let i = 0; i < 3 * maxFlips; i++) {
        const side: EngineSide = i % 2 === 0 ? 'postgres' : 'mariadb';
        const other: EngineSide = side === 'mariadb' ? 'postgres' : 'mariadb';
        const v = `${side}-${i}`;
        if (side === 'mariadb') await mariadb.query(`UPDATE ${table} SET v = ? WHERE id = 1`, [v]);
        else await postgres.query(`UPDATE ${table} SET v = $1 WHERE id = 1`, [v]);
        if (!(await eventually(async () => (await valueOn(other)) === v, 15_000, 100))) {
          held = v;
          break;
        }
        bounced++;
      }
      assert.ok(held, `the row kept bouncing: ${bounced} round trips and no trip`);
      assert.ok(bounced <= maxFlips + 1, `tripped after ${bounced} direction changes (maxFlips ${maxFlips})`);
      const status = await dbtwin.status();
      const trips = status.links.reduce((n, l) => n + (l.counters['breakerTrips'] ?? 0), 0);
      assert.equal(trips, 1, 'one trip');
      const list = await runCli(['breaker', 'list', '--config', config, '--json']);
      assert.equal(list.code, 0, list.stderr);
      const rows = JSON.parse(list.stdout) as {
        rowId: string;
        table: string;
        key: Record<string, unknown>;
        history: { link: string }[];
      }[];
      const mine = rows.filter((r) => r.table.endsWith(`.${table}`));
      assert.equal(mine.length, 1, list.stdout);
      assert.deepEqual(mine[0]!.key, { id: 1 });
      assert.match(mine[0]!.rowId, /^[0-9a-f]{32}$/, 'a row id never reads as a CLI option');
      assert.ok(mine[0]!.history.length >= maxFlips + 1, `history of ${mine[0]!.history.length} changes`);
      const links = new Set(mine[0]!.history.map((h) => h.link));
      assert.deepEqual([...links].sort(), [M2P, P2M].sort(), 'the history shows both directions');
      const text = await runCli(['breaker', 'list', '--config', config]);
      assert.match(text.stdout, new RegExp(`${table}.*id.*1`));
      console.log(`# breaker: ${bounced} round trips, then held back ${held}\n${text.stdout}`);
      const dlq = await runCli([
        'dlq',
        'list',
        '--config',
        config,
        '--link',
        held.startsWith('mariadb') ? M2P : P2M,
      ]);
      assert.match(
        dlq.stdout,
        /DBT3005/,
        'the held-back change waits in the dead-letter queue with its code',
      );
      // Released once the links are quiet, as an operator would after fixing the writers: a change
      // of the row still in flight would otherwise meet the fresh history mid-release.
      await idleSince([dbtwin], 3000, 60_000);
      const released = await runCli(['breaker', 'release', mine[0]!.rowId, '--config', config]);
      assert.equal(released.code, 0, released.stderr);
      const again = await runCli(['breaker', 'list', '--config', config, '--json']);
      assert.equal(
        (JSON.parse(again.stdout) as { table: string }[]).filter((r) => r.table.endsWith(`.${table}`)).length,
        0,
      );
    } finally {
      await dbtwin.stop();
    }
  });
});
