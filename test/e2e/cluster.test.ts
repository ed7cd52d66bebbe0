import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { InstanceRegistry, type LiveInstance } from '../../src/cluster/instance-registry.js';
import { PauseControl } from '../../src/cluster/pause-control.js';
import { endpointsFromEnv } from '../../src/config/environment.js';
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
import { prng, TypesWorkload } from '../support/types-table.js';

/**
 * The sidecar cluster (design §7) on the real stack: three `dbtwin run` processes share both links,
 * `dbtwin status` lists them from the registry in Redis with the partitions each holds, a SIGKILLed
 * one's partitions move to the others within 30 s while writes go on, and `dbtwin pause|resume`
 * stops one link on every instance and starts it again with nothing lost.
 */
const run = Date.now() % 1_000_000;
const TABLE = `e2e_cluster_${run}`;
const GROUP_PREFIX = `e2e-cluster-${run}`;
const TOPICS = { [M2P]: `mariadb.dbtwin.${TABLE}`, [P2M]: `postgres.public.${TABLE}` } as const;
/** Partitions of each topic on the local stack (`topic.creation.default.partitions`). */
const PARTITIONS = 3;
/** PostgreSQL's workload inserts keys from here, MariaDB's from 1: disjoint keys. */
const PG_FIRST_ID = 1_000_000_000;
/** Keys written while `mariadb->postgres` is paused: MariaDB's from here, PostgreSQL's from the next. */
const PAUSED_M_FIRST_ID = 500_000_000;
const PAUSED_P_FIRST_ID = 1_500_000_000;
/** Operations per side of the load the kill happens in, and their pace per side. */
const OPS = Number(process.env['DBTWIN_E2E_CLUSTER_OPS'] ?? 3000);
const RATE = Number(process.env['DBTWIN_E2E_CLUSTER_RATE'] ?? 100);
const FAILOVER_LIMIT_MS = 30_000;
const CONVERGE_MS = Number(process.env['DBTWIN_E2E_CONVERGE_MS'] ?? 240_000);

/** The partitions of `link` each instance holds, by instance. */
function held(instances: readonly LiveInstance[], link: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const i of instances) {
    const l = i.links.find((x) => x.link === link);
    out.set(i.instance, [...(l?.partitions[TOPICS[link as keyof typeof TOPICS]] ?? [])]);
  }
  return out;
}

/** True when the instances together hold every partition of both links, each exactly once. */
function fullyAssigned(instances: readonly LiveInstance[]): boolean {
  return [M2P, P2M].every((link) => {
    const all = [...held(instances, link).values()].flat().sort();
    return all.length === PARTITIONS && all.every((p, i) => p === i);
  });
}

async function countIds(db: EngineDriver, from: number, to: number): Promise<number> {
  const rows = await db.query(`SELECT COUNT(*) AS n FROM ${TABLE} WHERE id >= ${from} AND id < ${to}`);
  return Number(rows[0]?.['n']);
}

describe('sidecar cluster: registry, status, failover, pause/resume', { timeout: 900_000 }, () => {
  let pair: LocalPair;
  let redis: Redis;
  let config: string;
  const processes: DbtwinProcess[] = [];

  before(async () => {
    pair = await LocalPair.open();
    redis = await InstanceRegistry.connect(endpointsFromEnv().redisUrl);
    await pair.createTypesTable(TABLE);
    config = await writeLocalConfig([TABLE], { groupPrefix: GROUP_PREFIX, batchMaxRows: 500 });
  });

  after(async () => {
    await Promise.allSettled(processes.map((p) => p.stop()));
    await new PauseControl(redis, GROUP_PREFIX).resume([M2P, P2M]).catch(() => undefined);
    redis.disconnect();
    await pair.close();
  });

  const live = (): Promise<LiveInstance[]> => InstanceRegistry.list(redis, GROUP_PREFIX);

  it('three instances share both links; a SIGKILLed one’s partitions move to the others within 30 s; pause and resume a link cluster-wide', async () => {
    const onMariadb = new TypesWorkload('mariadb', TABLE, prng(run));
    const onPostgres = new TypesWorkload('postgres', TABLE, prng(run + 1), PG_FIRST_ID);
    // A first change on each side creates the topics, so every instance joins both groups at start.
    await Promise.all([onMariadb.run(pair.mariadb, 10), onPostgres.run(pair.postgres, 10)]);
    await new KafkaTopics(['127.0.0.1:9092']).waitForTopics(Object.values(TOPICS), 60_000, true);

    for (let n = 0; n < 3; n++) processes.push(await DbtwinProcess.start(config, [M2P, P2M]));

    // --- the registry and dbtwin status ---------------------------------------------------------
    let instances: LiveInstance[] = [];
    const assigned = await eventually(
      async () => {
        instances = await live();
        return (
          instances.length === 3 &&
          fullyAssigned(instances) &&
          instances.every((i) => i.health.ready && i.links.every((l) => l.state === 'running'))
        );
      },
      60_000,
      500,
    );
    assert.ok(assigned, `3 instances holding every partition: ${JSON.stringify(instances, null, 1)}`);
    for (const i of instances) {
      assert.ok(i.rulesHash, 'rules hash registered');
      assert.equal(i.health.echo.state, 'ok');
    }

    const text = await runCli(['status', '-c', config]);
    assert.equal(text.code, 0, text.stderr);
    console.log(`# dbtwin status:\n${text.stdout.replace(/^/gm, '#   ')}`);
    assert.match(text.stdout, new RegExp(`^deployment ${GROUP_PREFIX}: 3 live instances`));
    for (const p of processes)
      assert.match(text.stdout, new RegExp(`:${p.child.pid}:${p.adminPort}  http://`));
    const rows = text.stdout
      .split('\n')
      .filter((l) => /^\s+(mariadb->postgres|postgres->mariadb)\s+running\s/.test(l));
    assert.equal(rows.length, 6, 'one row per link and instance');
    for (const row of rows) assert.match(row, new RegExp(`\\.${TABLE}\\[\\d(,\\d)*\\]\\s+\\d+\\s+\\d+`));
    assert.match(text.stdout, /mariadb->postgres {2}group \S+ {2}lag \d+ {2}3\/3 partitions held/);

    const json = await runCli(['status', '-c', config, '--json']);
    assert.equal(json.code, 0, json.stderr);
    const doc = JSON.parse(json.stdout) as {
      instances: {
        instance: string;
        status?: unknown;
        links: { link: string; lag?: string; partitionLag: unknown[] }[];
      }[];
      links: { link: string; lag?: string; partitions: { heldBy: string[] }[] }[];
    };
    assert.equal(doc.instances.length, 3);
    assert.ok(
      doc.instances.every((i) => i.status !== undefined),
      'every /status answered',
    );
    assert.ok(
      doc.instances.every((i) => i.links.every((l) => l.lag !== undefined && l.partitionLag.length > 0)),
    );
    assert.ok(
      doc.links.every(
        (l) => l.partitions.length === PARTITIONS && l.partitions.every((p) => p.heldBy.length === 1),
      ),
    );

    // --- failover: SIGKILL one instance while both sides write --------------------------------
    let failoverMs = -1;
    let killedId = '';
    const load = (async () => {
      const started = Date.now();
      const step = 50;
      for (let done = 0; done < OPS; done += step) {
        const n = Math.min(step, OPS - done);
        await Promise.all([onMariadb.run(pair.mariadb, n), onPostgres.run(pair.postgres, n)]);
        const due = started + ((done + n) * 1000) / RATE;
        if (due > Date.now()) await sleep(due - Date.now());
      }
      return Date.now() - started;
    })();
    await sleep(5000);
    const victim = processes[0]!;
    killedId = instances.find((i) => i.pid === victim.child.pid)!.instance;
    const victimHeld = {
      [M2P]: held(instances, M2P).get(killedId),
      [P2M]: held(instances, P2M).get(killedId),
    };
    const killedAt = Date.now();
    assert.equal(await victim.stop(true), null, 'killed by signal');
    let after: LiveInstance[] = [];
    const moved = await eventually(
      async () => {
        after = (await live()).filter((i) => i.instance !== killedId);
        return after.length === 2 && fullyAssigned(after);
      },
      FAILOVER_LIMIT_MS + 30_000,
      250,
    );
    failoverMs = Date.now() - killedAt;
    console.log(
      `# failover: ${killedId} (held ${JSON.stringify(victimHeld)}) SIGKILLed; its partitions held by the others after ${(failoverMs / 1000).toFixed(1)} s: ${JSON.stringify(after.map((i) => ({ instance: i.instance, [M2P]: held([i], M2P).get(i.instance), [P2M]: held([i], P2M).get(i.instance) })))}`,
    );
    assert.ok(moved, `partitions not reassigned: ${JSON.stringify(after, null, 1)}`);
    assert.ok(failoverMs <= FAILOVER_LIMIT_MS, `failover took ${failoverMs} ms (limit ${FAILOVER_LIMIT_MS})`);
    const gone = await eventually(
      async () => !(await live()).some((i) => i.instance === killedId),
      30_000,
      500,
    );
    assert.ok(gone, 'the killed instance drops out of the registry');

    const loadMs = await load;
    const converged = await convergeLocal(TABLE, pair.mariadb, pair.postgres, CONVERGE_MS);
    console.log(
      `# load: ${JSON.stringify({ mariadb: onMariadb.counts, postgres: onPostgres.counts })} in ${loadMs} ms; ${converged.last}`,
    );
    assert.ok(
      converged.converged,
      `tables differ: ${converged.last}\n${await localDifferences(TABLE, pair.mariadb, pair.postgres)}`,
    );
    const survivors = processes.slice(1);
    for (const p of survivors)
      for (const l of (await p.status()).links)
        assert.equal(l.counters['deadLettered'], 0, `${l.link} dead letters`);

    // --- pause mariadb->postgres on every instance ---------------------------------------------
    const pausedAt = Date.now();
    const paused = await runCli(['pause', '-c', config, '--link', M2P, '--reason', 'e2e']);
    assert.equal(paused.code, 0, `${paused.stdout}\n${paused.stderr}`);
    console.log(
      `# dbtwin pause: ${paused.stdout.trim().replace(/\n/g, ' | ')} (${Date.now() - pausedAt} ms)`,
    );
    assert.match(paused.stdout, new RegExp(`^paused ${M2P} for deployment ${GROUP_PREFIX}`));
    assert.match(paused.stdout, new RegExp(`2 live instances report ${M2P} paused`));
    for (const i of await live()) {
      assert.equal(i.links.find((l) => l.link === M2P)?.state, 'paused');
      assert.equal(i.links.find((l) => l.link === P2M)?.state, 'running');
    }
    for (const p of survivors) {
      const doc = (await p.status()) as {
        links: { link: string; state: string; pause?: { reason?: string } }[];
      };
      const m2p = doc.links.find((l) => l.link === M2P);
      assert.equal(m2p?.state, 'paused', '/status shows the link paused');
      assert.equal(m2p?.pause?.reason, 'e2e');
    }
    const shown = await runCli(['status', '-c', config]);
    assert.match(shown.stdout, /PAUSED: paused by \S+ at \S+: e2e/);

    const whilePausedM = new TypesWorkload('mariadb', TABLE, prng(run + 2), PAUSED_M_FIRST_ID);
    const whilePausedP = new TypesWorkload('postgres', TABLE, prng(run + 3), PAUSED_P_FIRST_ID);
    await Promise.all([whilePausedM.run(pair.mariadb, 200), whilePausedP.run(pair.postgres, 200)]);
    const writtenM = await countIds(pair.mariadb, PAUSED_M_FIRST_ID, PG_FIRST_ID);
    const writtenP = await countIds(pair.postgres, PAUSED_P_FIRST_ID, 2_000_000_000);
    assert.ok(writtenM > 0 && writtenP > 0);
    // The other direction flows on.
    const flowed = await eventually(
      async () => (await countIds(pair.mariadb, PAUSED_P_FIRST_ID, 2_000_000_000)) === writtenP,
      30_000,
      500,
    );
    assert.ok(flowed, `${P2M} flows while ${M2P} is paused`);
    // Nothing of MariaDB's reaches PostgreSQL for 5 s (at least) while paused.
    const quietUntil = Date.now() + 5000;
    while (Date.now() < quietUntil) {
      assert.equal(
        await countIds(pair.postgres, PAUSED_M_FIRST_ID, PG_FIRST_ID),
        0,
        `a change written on MariaDB reached PostgreSQL while ${M2P} was paused`,
      );
      await sleep(500);
    }

    // --- resume: the held-back changes arrive ---------------------------------------------------
    const resumedAt = Date.now();
    const resumed = await runCli(['resume', '-c', config, '--link', M2P]);
    assert.equal(resumed.code, 0, `${resumed.stdout}\n${resumed.stderr}`);
    assert.match(resumed.stdout, new RegExp(`^resumed ${M2P}`));
    const arrived = await eventually(
      async () => (await countIds(pair.postgres, PAUSED_M_FIRST_ID, PG_FIRST_ID)) === writtenM,
      60_000,
      250,
    );
    console.log(
      `# dbtwin resume: ${resumed.stdout.trim().replace(/\n/g, ' | ')}; ${writtenM} held-back rows on PostgreSQL ${((Date.now() - resumedAt) / 1000).toFixed(1)} s after resume`,
    );
    assert.ok(arrived, 'the changes written while paused arrive after resume');
    const final = await convergeLocal(TABLE, pair.mariadb, pair.postgres, CONVERGE_MS);
    assert.ok(
      final.converged,
      `tables differ after resume: ${final.last}\n${await localDifferences(TABLE, pair.mariadb, pair.postgres)}`,
    );
    for (const i of await live()) assert.ok(i.links.every((l) => l.state === 'running'));
  });
});
