import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EngineDriver } from '../../src/engines/engine-driver.js';
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
import { prng } from '../support/types-table.js';

/**
 * Both sides write the same rows at once (design §4): after the writes stop and the links go idle,
 * both tables hold the same data, whatever the interleaving, for every policy; every conflict is in
 * the ledger and the metric.
 */
const OPS = Number(process.env['DBTWIN_E2E_CONFLICT_OPS'] ?? 5000);
const KEYS = 20;
const CONVERGE_MS = Number(process.env['DBTWIN_E2E_CONVERGE_MS'] ?? 240_000);
const run = Date.now() % 1_000_000;

interface ConflictCount {
  readonly table: string;
  readonly type: string;
  readonly outcome: string;
  readonly count: number;
}

describe('conflicts: both sides write the same rows', () => {
  let pair: LocalPair;
  let mariadb: EngineDriver;
  let postgres: EngineDriver;

  before(async () => {
    pair = await LocalPair.open();
    ({ mariadb, postgres } = pair);
  });

  after(() => pair.close());

  /** A table on both sides, a config carrying it, its rule file, and `dbtwin run` with both links. */
  async function start(
    name: string,
    rules: string | undefined,
    args: readonly string[] = [],
  ): Promise<{ table: string; config: string; dbtwin: DbtwinProcess }> {
    const table = `e2e_conflict_${name}_${run}`;
    await pair.createTable(
      table,
      [
        `CREATE TABLE ${table} (id INT PRIMARY KEY, a INT NOT NULL, b VARCHAR(40) NOT NULL, qty BIGINT NOT NULL, updated_at DATETIME(6) NOT NULL)`,
      ],
      [
        `CREATE TABLE ${table} (id int PRIMARY KEY, a int NOT NULL, b varchar(40) NOT NULL, qty bigint NOT NULL, updated_at timestamp(6) NOT NULL)`,
        `ALTER TABLE ${table} REPLICA IDENTITY FULL`,
      ],
    );
    // The convergence check on (the default, written out); DBTWIN_E2E_HEAL=off runs without it, to
    // see what it does (the few-value runs then end with differing rows).
    const config = await writeLocalConfig([table], { heal: process.env['DBTWIN_E2E_HEAL'] !== 'off' });
    if (rules !== undefined) {
      const dir = path.join(path.dirname(config), 'rules');
      await mkdir(dir, { recursive: true });
      await writeFile(path.join(dir, `${table}.yaml`), `tables: [${table}]\n${rules}`);
    }
    const dbtwin = await DbtwinProcess.start(config, [M2P, P2M], args);
    // Seed rows from both sides, so both sides' topics exist and both links read them before the load.
    for (let id = 1; id <= KEYS; id++) {
      if (id % 2 === 1) await mariadb.query(`INSERT INTO ${table} VALUES (?, 0, 'seed', 100, NOW(6))`, [id]);
      else await postgres.query(`INSERT INTO ${table} VALUES ($1, 0, 'seed', 100, now())`, [id]);
    }
    const seeded = await eventually(
      async () => {
        const [m] = await mariadb.query(`SELECT COUNT(*) AS n FROM ${table}`);
        const [p] = await postgres.query(`SELECT COUNT(*) AS n FROM ${table}`);
        const links = (await dbtwin.status()).links as unknown as { missingTopics: string[] }[];
        return (
          Number(m?.['n']) === KEYS &&
          Number(p?.['n']) === KEYS &&
          links.every((l) => l.missingTopics.length === 0)
        );
      },
      60_000,
      200,
    );
    assert.ok(seeded, 'the seed rows reached both sides and both links read the table');
    return { table, config, dbtwin };
  }

  /** Random updates of the shared rows from one side, in transactions of 5, stamping updated_at. */
  async function hammer(
    db: EngineDriver,
    side: 'mariadb' | 'postgres',
    table: string,
    ops: number,
    seed: number,
    counter = false,
    mode: 'mixed' | 'merge' = 'mixed',
    values: 'wide' | 'few' = 'wide',
  ) {
    const random = prng(seed);
    const p = (n: number): string => (side === 'mariadb' ? '?' : `$${n}`);
    const now = side === 'mariadb' ? 'NOW(6)' : 'clock_timestamp()';
    let sum = 0;
    const sums = new Map<number, number>();
    for (let done = 0; done < ops; done += 5) {
      // The statements of one transaction, drawn first, so a deadlock retry runs the same ones.
      const statements: { sql: string; params: unknown[]; id: number; delta?: number }[] = [];
      for (let i = 0; i < 5; i++) {
        const id = 1 + Math.floor(random() * KEYS);
        const r = random();
        const d = Math.floor(random() * 21) - 10;
        // `wide`: values from a wide range, so every conflict is seen by both links. `few`: four values,
        // so a side often sets the value the other side's concurrent change started from (A→B→A): one
        // link sees that conflict and the other does not, and only the convergence check (the row
        // healer) brings the two sides together again.
        const v = Math.floor(random() * (values === 'few' ? 4 : 1_000_000_000));
        const text = (label: string): string =>
          values === 'few' ? `${side === 'mariadb' ? 'm' : 'p'}${v}` : label;
        if (counter)
          statements.push({
            sql: `UPDATE ${table} SET qty = qty + ${p(1)} WHERE id = ${p(2)}`,
            params: [d, id],
            id,
            delta: d,
          });
        else if (mode === 'merge' && r < 0.5)
          // Column-level merge: a counter on a (delta), a text on b (prefer), updated_at by order.
          statements.push({
            sql: `UPDATE ${table} SET a = a + ${p(1)}, updated_at = ${now} WHERE id = ${p(2)}`,
            params: [d, id],
            id,
          });
        else if (mode === 'merge' || (r >= 0.4 && r < 0.8))
          statements.push({
            sql: `UPDATE ${table} SET b = ${p(1)}, updated_at = ${now} WHERE id = ${p(2)}`,
            params: [text(`${side}-${done + i}`), id],
            id,
          });
        else if (r < 0.4)
          statements.push({
            sql: `UPDATE ${table} SET a = ${p(1)}, updated_at = ${now} WHERE id = ${p(2)}`,
            params: [v, id],
            id,
          });
        else
          statements.push({
            sql: `UPDATE ${table} SET a = ${p(1)}, b = ${p(2)}, updated_at = ${now} WHERE id = ${p(3)}`,
            params: [v, text(`${side}-ab-${done + i}`), id],
            id,
          });
      }
      // Like an application: a deadlock with dbtwin's apply transaction is retried.
      for (let attempt = 0; ; attempt++) {
        try {
          await db.transaction(async (tx) => {
            for (const st of statements) await tx.query(st.sql, st.params);
          });
          break;
        } catch (error) {
          if (attempt > 20 || !/deadlock/i.test(String(error))) throw error;
          await sleep(10 * (attempt + 1));
        }
      }
      for (const st of statements) {
        if (st.delta === undefined) continue;
        sum += st.delta;
        sums.set(st.id, (sums.get(st.id) ?? 0) + st.delta);
      }
    }
    return { sum, sums };
  }

  /** Waits until no link receives anything for 3 s. */
  async function idle(dbtwin: DbtwinProcess): Promise<void> {
    let received = -1;
    await eventually(
      async () => {
        const now = (await dbtwin.status()).links.reduce((n, l) => n + (l.counters['received'] ?? 0), 0);
        const quiet = now === received;
        received = now;
        return quiet;
      },
      120_000,
      3000,
    );
  }

  async function conflictsOf(dbtwin: DbtwinProcess): Promise<ConflictCount[]> {
    const status = await dbtwin.status();
    return status.links.flatMap((l) => (l as unknown as { conflicts: ConflictCount[] }).conflicts);
  }

  /** Every conflict of the metric is in the ledger (`dbtwin conflicts list`), type by type. */
  async function ledgerMatchesMetric(
    config: string,
    table: string,
    metric: readonly ConflictCount[],
  ): Promise<string> {
    const listed = await runCli(
      ['conflicts', 'list', '--config', config, '--table', table, '--limit', '1000000', '--json'],
      {
        timeoutMs: 120_000,
      },
    );
    assert.equal(listed.code, 0, listed.stderr);
    const entries = JSON.parse(listed.stdout) as {
      id: string;
      type: string;
      outcome: string;
      rule: string;
    }[];
    // A batch retried after a failure may write its entries twice, with the same id.
    const unique = new Map(entries.map((e) => [e.id, e]));
    const byType = (list: Iterable<{ type: string; count?: number }>): Record<string, number> => {
      const out: Record<string, number> = {};
      for (const e of list) out[e.type] = (out[e.type] ?? 0) + (e.count ?? 1);
      return out;
    };
    assert.deepEqual(byType(unique.values()), byType(metric), 'ledger entries by type equal the metric');
    // How the rules decided, without the per-column details: `lww by commit time` against its fallbacks.
    const rules: Record<string, number> = {};
    for (const e of unique.values()) {
      const rule = e.rule.replace(/^[^:]*: /, '').replace(/\d+ ms apart/, 'n ms apart');
      rules[rule] = (rules[rule] ?? 0) + 1;
    }
    return `${JSON.stringify(byType(metric))} decided by ${JSON.stringify(rules)}`;
  }

  const policies: {
    name: string;
    rules: string | undefined;
    mode?: 'merge';
    values?: 'few';
  }[] = [
    { name: 'priority', rules: undefined },
    {
      name: 'lww_column',
      rules: 'policy: lww\nlww: { by: column, column: updated_at }\norder: [mariadb, postgres]\n',
    },
    {
      name: 'lww_commit_time',
      // maxClockSkewMs 0: every conflict is decided by the two commit times (the skew bound would send
      // the near-simultaneous ones to the side order).
      rules: 'policy: lww\nlww: { by: commit-time, maxClockSkewMs: 0 }\norder: [mariadb, postgres]\n',
    },
    {
      name: 'merge',
      // Column by column: a counter on a (delta), a text on b (prefer mariadb), updated_at by order.
      rules:
        'policy: merge\nfallback: priority\norder: [postgres, mariadb]\ncolumns:\n  a: delta\n  b: { prefer: mariadb }\n',
      mode: 'merge',
    },
    // Four values per column: value coincidences hide conflicts from one link (see hammer).
    { name: 'priority_few_values', rules: undefined, values: 'few' },
    {
      name: 'merge_few_values',
      rules:
        'policy: merge\nfallback: priority\norder: [postgres, mariadb]\ncolumns:\n  b: { prefer: mariadb }\n',
      values: 'few',
    },
  ];
  for (const { name, rules, mode, values } of policies) {
    it(`${name}${rules ? '' : ' (built-in rules)'}: ${OPS} updates per side on ${KEYS} shared rows converge; ledger = metric`, async () => {
      const { table, config, dbtwin } = await start(name, rules);
      try {
        await Promise.all([
          hammer(mariadb, 'mariadb', table, OPS, run, false, mode, values),
          hammer(postgres, 'postgres', table, OPS, run + 1, false, mode, values),
        ]);
        await idle(dbtwin);
        const { converged, last } = await convergeLocal(table, mariadb, postgres, CONVERGE_MS);
        const conflicts = await conflictsOf(dbtwin);
        const healed = (await dbtwin.status()).convergenceCheck;
        assert.ok(
          converged,
          `tables differ: ${last}\n${await localDifferences(table, mariadb, postgres)}\nconvergence check: ${JSON.stringify(healed)}`,
        );
        const total = conflicts.reduce((n, c) => n + c.count, 0);
        assert.ok(total > 0, 'the writes did conflict');
        const types = await ledgerMatchesMetric(config, table, conflicts);
        console.log(
          `# ${name}: ${last}; ${total} conflicts ${types}; ${JSON.stringify(conflicts.map((c) => [c.table, c.type, c.outcome, c.count]))}; convergence check ${JSON.stringify(healed)}`,
        );
      } finally {
        await dbtwin.stop();
      }
    });
  }

  it('an inventory counter under delta: increments and decrements from both sides add up exactly', async () => {
    const { table, dbtwin } = await start(
      'delta',
      'policy: merge\nfallback: priority\ncolumns:\n  qty: delta\n',
    );
    try {
      const [onM, onP] = await Promise.all([
        hammer(mariadb, 'mariadb', table, 500, run + 5, true),
        hammer(postgres, 'postgres', table, 500, run + 6, true),
      ]);
      await idle(dbtwin);
      const { converged, last } = await convergeLocal(table, mariadb, postgres, CONVERGE_MS);
      assert.ok(
        converged,
        `tables differ: ${last}\n${await localDifferences(table, mariadb, postgres)}\n${JSON.stringify((await dbtwin.status()).links.map((l) => [l.link, l.counters]))}`,
      );
      const rows = await mariadb.query(`SELECT id, qty FROM ${table} ORDER BY id`);
      for (const row of rows) {
        const id = Number(row['id']);
        const expected = 100 + (onM.sums.get(id) ?? 0) + (onP.sums.get(id) ?? 0);
        assert.equal(Number(row['qty']), expected, `row ${id}: 100 + every increment`);
      }
      const conflicts = await conflictsOf(dbtwin);
      console.log(
        `# delta: ${last}; increments mariadb ${onM.sum}, postgres ${onP.sum}; ${conflicts.reduce((n, c) => n + c.count, 0)} conflicts merged`,
      );
    } finally {
      await dbtwin.stop();
    }
  });

  it('--shadow evaluates candidate rules beside the live ones and logs every decision that would differ; a second instance with other rules is flagged as mixed', async () => {
    const shadowDir = await mkdtemp(path.join(tmpdir(), 'dbtwin-shadow-'));
    await writeFile(path.join(shadowDir, 'default.yaml'), 'policy: priority\norder: [postgres, mariadb]\n');
    const { table, config, dbtwin } = await start(
      'shadow',
      'policy: priority\norder: [mariadb, postgres]\n',
      ['--shadow', shadowDir],
    );
    let other: DbtwinProcess | undefined;
    try {
      await Promise.all([
        hammer(mariadb, 'mariadb', table, 500, run + 7),
        hammer(postgres, 'postgres', table, 500, run + 8),
      ]);
      await idle(dbtwin);
      const { converged, last } = await convergeLocal(table, mariadb, postgres, CONVERGE_MS);
      assert.ok(converged, `tables differ: ${last}\n${await localDifferences(table, mariadb, postgres)}`);
      const status = await dbtwin.status();
      const differing = status.links.reduce((n, l) => n + (l.counters['shadowDifferences'] ?? 0), 0);
      const conflicts = (await conflictsOf(dbtwin)).reduce((n, c) => n + c.count, 0);
      const logged = (await dbtwin.logs())
        .split('\n')
        .filter((l) => l.includes('shadow rules would decide differently'));
      console.log(
        `# shadow: ${conflicts} conflicts, ${differing} would differ under the candidate rules; e.g. ${logged[0]?.slice(0, 400)}`,
      );
      assert.ok(conflicts > 0, 'the writes did conflict');
      // The candidate reverses the side order: every conflicting column would go the other way.
      assert.ok(differing > 0, 'the candidate rules would decide some conflicts differently');
      assert.equal(logged.length, differing, 'every differing decision is logged');
      assert.match(
        logged[0] ?? '',
        /live .*priority \(mariadb > postgres\).*shadow .*priority \(postgres > mariadb\)/,
      );
      // The live rules decided: the ledger names only them.
      const listed = await runCli(
        ['conflicts', 'list', '--config', config, '--table', table, '--limit', '100000', '--json'],
        { timeoutMs: 120_000 },
      );
      const entries = JSON.parse(listed.stdout) as { rule: string }[];
      assert.ok(
        entries.length > 0 && entries.every((e) => !e.rule.includes('postgres > mariadb')),
        'only the live rules decided',
      );

      // A second instance of the same deployment with other rules: both are flagged.
      const otherConfig = path.join(path.dirname(config), 'other.yaml');
      const otherRules = path.join(path.dirname(config), 'other-rules');
      await mkdir(otherRules);
      await writeFile(
        path.join(otherRules, 'default.yaml'),
        'policy: priority\norder: [postgres, mariadb]\n',
      );
      // Its own rules folder in place of the first instance's `rules:` (the convergence-check switch).
      const base = (await readFile(config, 'utf8')).replace(/^rules: .*\n/m, '');
      await writeFile(otherConfig, `${base}\nrules: { dir: other-rules }\n`);
      other = await DbtwinProcess.start(otherConfig, [P2M]);
      const admins = ['--admin', `127.0.0.1:${dbtwin.adminPort}`, '--admin', `127.0.0.1:${other.adminPort}`];
      let shown = '';
      const flagged = await eventually(
        async () => {
          shown = (await runCli(['status', ...admins])).stdout;
          return (shown.match(/MIXED RULES/g) ?? []).length === 2;
        },
        30_000,
        1000,
      );
      console.log(
        `# mixed rules: ${shown
          .split('\n')
          .filter((l) => /rules|MIXED/.test(l))
          .join(' | ')}`,
      );
      assert.ok(flagged, `dbtwin status flags mixed rules on both instances:\n${shown}`);
      assert.match(await dbtwin.logs(), /the cluster runs different rules/);
    } finally {
      await other?.stop();
      await dbtwin.stop();
    }
  });

  it('a rule edit takes effect within 2 s without a restart; a typo is rejected with file:line:col and the last good rules keep running', async () => {
    const { table, config, dbtwin } = await start('reload', 'policy: priority\norder: [mariadb, postgres]\n');
    const file = path.join(path.dirname(config), 'rules', `${table}.yaml`);
    const rulesOf = async (): Promise<{ hash: string; lastError?: { problems: string[] } }> =>
      ((await dbtwin.status()) as unknown as { rules: { hash: string; lastError?: { problems: string[] } } })
        .rules;
    try {
      const first = await rulesOf();
      await writeFile(file, `tables: [${table}]\npolicy: priority\norder: [postgres, mariadb]\n`);
      const edited = Date.now();
      assert.ok(
        await eventually(async () => (await rulesOf()).hash !== first.hash, 2000, 50),
        'the new rules are in force within 2 s',
      );
      console.log(`# reload: new hash in force after ${Date.now() - edited} ms`);
      // A conflict now goes postgres's way: both sides set b on row 1 at once.
      await Promise.all([
        mariadb.query(`UPDATE ${table} SET b = 'from mariadb' WHERE id = 1`),
        postgres.query(`UPDATE ${table} SET b = 'from postgres' WHERE id = 1`),
      ]);
      await idle(dbtwin);
      const [m] = await mariadb.query(`SELECT b FROM ${table} WHERE id = 1`);
      const [p] = await postgres.query(`SELECT b FROM ${table} WHERE id = 1`);
      assert.equal(m?.['b'], p?.['b'], 'both sides agree');
      const conflicts = await conflictsOf(dbtwin);
      if (conflicts.length > 0) assert.equal(m?.['b'], 'from postgres', 'the edited order decided');

      const good = await rulesOf();
      await writeFile(file, `tables: [${table}]\npolicy: prority\n`);
      assert.ok(
        await eventually(async () => (await rulesOf()).lastError !== undefined, 2000, 50),
        'the typo is reported',
      );
      const rejected = await rulesOf();
      assert.equal(rejected.hash, good.hash, 'the last good rules keep running');
      assert.match(
        rejected.lastError!.problems.join('\n'),
        new RegExp(`${table}\\.yaml:2:9: policy: .*priority`),
      );
      // And replication goes on.
      await mariadb.query(`UPDATE ${table} SET a = 4242 WHERE id = 3`);
      assert.ok(
        await eventually(
          async () =>
            Number((await postgres.query(`SELECT a FROM ${table} WHERE id = 3`))[0]?.['a']) === 4242,
          30_000,
          200,
        ),
      );
      console.log(`# typo: ${rejected.lastError!.problems.join(' | ')}`);
      await sleep(10);
    } finally {
      await dbtwin.stop();
    }
  });
});
