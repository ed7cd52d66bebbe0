import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EngineDriver } from '../../src/engines/engine-driver.js';
import {
  convergeLocal,
  DbtwinProcess,
  eventually,
  LocalPair,
  localDifferences,
  writeLocalConfig,
} from '../support/replication-harness.js';
import { prng, TypesWorkload } from '../support/types-table.js';

/**
 * One link at a time, real Debezium on both sides: random inserts, updates and deletes over a table of
 * every common column type arrive on the other side with every value equal (checksums over
 * canonical values), including across a kill -9 of dbtwin.
 */
const OPS = Number(process.env['DBTWIN_E2E_OPS'] ?? 20_000);
const CONVERGE_MS = Number(process.env['DBTWIN_E2E_CONVERGE_MS'] ?? 240_000);
const run = Date.now() % 1_000_000;

async function converge(
  table: string,
  a: EngineDriver,
  b: EngineDriver,
): Promise<{ converged: boolean; last: string }> {
  return convergeLocal(table, a, b, CONVERGE_MS);
}

describe('one-way replication, end to end', () => {
  let pair: LocalPair;
  let mariadb: EngineDriver;
  let postgres: EngineDriver;

  before(async () => {
    pair = await LocalPair.open();
    ({ mariadb, postgres } = pair);
  });

  after(() => pair.close());

  const createPair = (table: string): Promise<void> => pair.createTypesTable(table);

  for (const [from, to] of [
    ['mariadb', 'postgres'],
    ['postgres', 'mariadb'],
  ] as const) {
    it(`${from} → ${to}: ${OPS} mixed changes over every common type arrive exactly`, async () => {
      const table = `e2e_types_${from.slice(0, 2)}_${run}`;
      await createPair(table);
      const config = await writeLocalConfig([table]);
      const dbtwin = await DbtwinProcess.start(config, [`${from}->${to}`]);
      try {
        const workload = new TypesWorkload(from, table, prng(run));
        const started = Date.now();
        await workload.run(from === 'mariadb' ? mariadb : postgres, OPS);
        const wrote = Date.now() - started;
        const { converged, last } = await converge(table, mariadb, postgres);
        const status = await dbtwin.status();
        console.log(
          `# ${from}→${to}: ${JSON.stringify(workload.counts)} written in ${wrote} ms; ${last}; counters ${JSON.stringify(status.links[0]?.counters)}`,
        );
        assert.ok(
          converged,
          `tables differ after ${CONVERGE_MS} ms: ${last}\n${await localDifferences(table, mariadb, postgres)}\n${(await dbtwin.logs()).slice(-2000)}`,
        );
        assert.equal(status.links[0]?.counters['deadLettered'], 0, 'nothing went to the dead-letter queue');
      } finally {
        await dbtwin.stop();
      }
    });
  }

  it('kill -9 of dbtwin in the middle, then a restart: the final state is still equal', async () => {
    const table = `e2e_kill_${run}`;
    await createPair(table);
    const config = await writeLocalConfig([table], { batchMaxRows: 200 });
    let dbtwin = await DbtwinProcess.start(config, ['mariadb->postgres']);
    const workload = new TypesWorkload('mariadb', table, prng(run + 1));
    const half = Math.floor(OPS / 2);
    await workload.run(mariadb, half);
    // Let it apply part of the stream, then kill it without any chance to commit.
    await eventually(
      async () => ((await dbtwin.status()).links[0]?.counters['applied'] ?? 0) > 0,
      60_000,
      200,
    );
    assert.equal(await dbtwin.stop(true), null, 'killed by signal');
    await workload.run(mariadb, OPS - half);
    dbtwin = await DbtwinProcess.start(config, ['mariadb->postgres']);
    try {
      const { converged, last } = await converge(table, mariadb, postgres);
      console.log(`# kill -9: ${JSON.stringify(workload.counts)}; ${last}`);
      assert.ok(
        converged,
        `tables differ after restart: ${last}\n${await localDifferences(table, mariadb, postgres)}`,
      );
    } finally {
      await dbtwin.stop();
    }
  });
});
