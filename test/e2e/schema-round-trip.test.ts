import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { access, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LOCAL_SIDES } from '../../src/config/local-stack.js';
import { dialectFor } from '../../src/engines/dialect-registry.js';
import type { EngineDriver } from '../../src/engines/engine-driver.js';
import { canonicalJson } from '../../src/translate/canonical-row.js';
import { FIXTURE_DATABASE, MysqlSchemaFixture } from '../support/mysql-schema-fixture.js';
import { connectLocal, DbtwinProcess, localSide, writeSidesConfig } from '../support/replication-harness.js';
import { runCli } from '../support/run-cli.js';

/**
 * Issue 6, "Done when" #1, end to end on real Debezium: a MariaDB schema of eleven tables covering
 * every MySQL column type, composite keys, foreign keys and an AUTO_INCREMENT key is translated to
 * PostgreSQL by `dbtwin schema translate --apply`, and a replication round trip MariaDB (`dbtwin`) →
 * PostgreSQL (`public`) → MariaDB (`dbtwin_rt`, same DDL as the original) returns every value
 * unchanged, except exactly the ones `dbtwin schema check` predicted.
 *
 * The seed rows go in before `schema check` runs, so its data scan sees the planted quirks; updates,
 * deletes and inserts follow while the links run. The links read their topics from the beginning,
 * so the rows written before they start replicate too.
 *
 * The two links run in two processes with two consumer-group prefixes, hence two Redis namespaces:
 * within one namespace, `postgres->mariadb_rt` would take every change captured in PostgreSQL for the
 * echo of `mariadb->postgres`'s write (same side, table, key and row state) and drop it. Echo
 * suppression assumes the reader of a side is the reverse link of its writer; a third side is not that
 * (checked by hand: with one prefix, every such change counted as `echoesRedis` and never arrived).
 * dbtwin_rt gets the original definition, with its foreign keys added only after the data: the link
 * applies tables in parallel, so a child row may arrive before its parent.
 *
 * The comparison is per table, row and column between the two MariaDB databases, on the text MariaDB
 * gives for each value (HEX for binary types, the exact double of FLOAT, JSON by document): the same
 * engine and the same DDL on both ends, so anything that differs changed on the way.
 */
const RT_DATABASE = 'dbtwin_rt';
const CONVERGE_MS = Number(process.env['DBTWIN_E2E_CONVERGE_MS'] ?? 240_000);
/** Keep the tables after the run (DBTWIN_E2E_KEEP=1), to look at them. */
const KEEP = process.env['DBTWIN_E2E_KEEP'] === '1';
const M2P = 'mariadb->postgres';
const P2R = 'postgres->mariadb_rt';
const run = Date.now() % 1_000_000;

/** One problem of `dbtwin schema check --json`. */
interface CheckProblem {
  readonly kind: string;
  readonly severity: string;
  readonly table: string;
  readonly column?: string;
  readonly key?: unknown;
  readonly values?: readonly unknown[];
  readonly rows?: number;
  readonly message: string;
}

/** A table read as MariaDB's text of each value, rows by key text. */
interface TableText {
  readonly columns: readonly string[];
  readonly rows: Map<string, Record<string, string | null>>;
}

/** One way a round-tripped table differs from the original. */
interface Difference {
  readonly table: string;
  readonly key: string;
  /** The column, or `*` for a row missing from (or only in) the round-tripped table. */
  readonly column: string;
  readonly kind: 'value' | 'missing' | 'extra';
  readonly source: string | null;
  readonly back: string | null;
  /** `table.column` of the predictions that account for it; empty when none does. */
  readonly explainedBy: readonly string[];
}

const lower = (name: string): string => name.slice(name.lastIndexOf('.') + 1).toLowerCase();
const predictionId = (table: string, column: string): string => `${lower(table)}.${column.toLowerCase()}`;
const show = (text: string | null, max = 40): string => {
  if (text === null) return 'NULL';
  const json = JSON.stringify(text);
  return json.length > max ? `${json.slice(0, max - 1)}…` : json;
};

/** The expression giving a column's exact text in MariaDB. */
function textOf(column: string, dataType: string): string {
  const c = `\`${column}\``;
  if (['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob'].includes(dataType))
    return `HEX(${c})`;
  if (dataType === 'bit') return `CAST(${c} + 0 AS CHAR)`;
  // FLOAT's own text has six significant digits; its exact value as a double has them all.
  if (dataType === 'float' || dataType === 'double') return `CAST(CAST(${c} AS DOUBLE) AS CHAR)`;
  return `CAST(${c} AS CHAR)`;
}

/** A table of `database` as text, JSON columns as canonical documents. */
async function readTableText(
  db: EngineDriver,
  database: string,
  table: string,
  jsonColumns: readonly string[],
): Promise<TableText> {
  const columns = await db.query(
    'SELECT COLUMN_NAME AS name, DATA_TYPE AS type FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
    [database, table],
  );
  const key = (
    await db.query(
      "SELECT COLUMN_NAME AS name FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND INDEX_NAME = 'PRIMARY' ORDER BY SEQ_IN_INDEX",
      [database, table],
    )
  ).map((r) => String(r['name']));
  const names = columns.map((c) => String(c['name']));
  const select = columns.map(
    (c) => `${textOf(String(c['name']), String(c['type']))} AS \`${String(c['name'])}\``,
  );
  const raw = await db.query(`SELECT ${select.join(', ')} FROM \`${database}\`.\`${table}\``);
  const rows = new Map<string, Record<string, string | null>>();
  for (const r of raw) {
    const row: Record<string, string | null> = {};
    for (const n of names) {
      const v = r[n];
      const text =
        v === null || v === undefined
          ? null
          : typeof v === 'string'
            ? v
            : Buffer.isBuffer(v)
              ? v.toString('utf8')
              : typeof v === 'number' || typeof v === 'bigint'
                ? String(v)
                : JSON.stringify(v);
      row[n] = text !== null && jsonColumns.includes(n) ? canonicalJson(text) : text;
    }
    rows.set(JSON.stringify(key.map((k) => row[k])), row);
  }
  return { columns: names, rows };
}

/** Trailing zeros of a fraction do not make a different value in a problem's sample (`-12:30:00.25`). */
function sameText(a: string, b: string): boolean {
  const norm = (s: string): string => (/\.\d*$/.test(s) ? s.replace(/0+$/, '').replace(/\.$/, '') : s);
  return a === b || norm(a) === norm(b);
}

/**
 * Whether a prediction covers a value difference in its column: the data scan found such values
 * (`rows > 0`), or the problem is one the catalog alone raises, with no scan behind it (`rows`
 * absent: CHAR padding). `rows: 0` says the data holds none, so it covers nothing.
 */
function coversValues(problem: CheckProblem): boolean {
  return problem.rows === undefined || problem.rows > 0;
}

/**
 * Whether a prediction accounts for a row that did not come back, by the row's value in the
 * predicted column: the scan found such values and this is one of its samples, or the samples are
 * fewer than the rows it found and the value is not NULL.
 */
function accountsForRow(problem: CheckProblem, value: string | null): boolean {
  if (value === null || (problem.rows ?? 0) === 0) return false;
  const values = (problem.values ?? []).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
  return values.some((v) => sameText(v, value)) || problem.rows! > values.length;
}

/** Row counts of the fixture's tables in a MariaDB database or the PostgreSQL schema. */
async function countRows(
  db: EngineDriver,
  engine: 'mysql' | 'postgres',
  schema: string,
  tables: readonly string[],
): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of tables) {
    const sql =
      engine === 'mysql'
        ? `SELECT COUNT(*) AS n FROM \`${schema}\`.\`${t}\``
        : `SELECT COUNT(*) AS n FROM "${schema}"."${t}"`;
    const [row] = await db.query(sql).catch(() => [{ n: -1 }]);
    out[t] = Number(row?.['n'] ?? -1);
  }
  return out;
}

/** Foreign keys as `table(cols) -> ref(cols)`, sorted, from MariaDB's or PostgreSQL's catalog. */
async function foreignKeys(
  db: EngineDriver,
  engine: 'mysql' | 'postgres',
  schema: string,
  tables: readonly string[],
): Promise<string[]> {
  if (engine === 'mysql') {
    const rows = await db.query(
      `SELECT TABLE_NAME AS t, REFERENCED_TABLE_NAME AS r,
         GROUP_CONCAT(COLUMN_NAME ORDER BY ORDINAL_POSITION) AS c, GROUP_CONCAT(REFERENCED_COLUMN_NAME ORDER BY ORDINAL_POSITION) AS rc
       FROM information_schema.KEY_COLUMN_USAGE
       WHERE TABLE_SCHEMA = ? AND REFERENCED_TABLE_NAME IS NOT NULL AND TABLE_NAME IN (?)
       GROUP BY TABLE_NAME, CONSTRAINT_NAME, REFERENCED_TABLE_NAME`,
      [schema, tables],
    );
    return rows
      .map((r) => `${String(r['t'])}(${String(r['c'])}) -> ${String(r['r'])}(${String(r['rc'])})`)
      .sort();
  }
  const rows = await db.query(
    `SELECT c.conrelid::regclass::text AS t, c.confrelid::regclass::text AS r,
       (SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM unnest(c.conkey) WITH ORDINALITY k(attnum, ord)
          JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum) AS c,
       (SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM unnest(c.confkey) WITH ORDINALITY k(attnum, ord)
          JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum) AS rc
     FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
     WHERE c.contype = 'f' AND n.nspname = $1 AND c.conrelid::regclass::text = ANY($2)`,
    [schema, tables],
  );
  return rows
    .map((r) => `${String(r['t'])}(${String(r['c'])}) -> ${String(r['r'])}(${String(r['rc'])})`)
    .sort();
}

/**
 * The type labels the fixture must cover, from the catalog: integer types with and without
 * UNSIGNED, TINYINT(1), BIT(1) and BIT(n), DECIMAL(65,30), every text and binary type, DATETIME and
 * TIMESTAMP at each precision, TIME with and without fractions, YEAR, ENUM, SET, JSON.
 */
const REQUIRED_TYPES = [
  ...['tinyint', 'smallint', 'mediumint', 'int', 'bigint'].flatMap((t) => [t, `${t} unsigned`]),
  'tinyint(1)',
  'bit(1)',
  'bit(n)',
  'decimal',
  'decimal(65,30)',
  'float',
  'double',
  'char',
  'varchar',
  'tinytext',
  'text',
  'mediumtext',
  'longtext',
  'binary',
  'varbinary',
  'tinyblob',
  'blob',
  'mediumblob',
  'longblob',
  'date',
  ...[0, 1, 2, 3, 4, 5, 6].flatMap((n) => [`datetime(${n})`, `timestamp(${n})`]),
  'time(0)',
  'time(n)',
  'year',
  'enum',
  'set',
  'json',
];

function typeLabels(column: Record<string, unknown>, jsonColumns: ReadonlySet<string>): string[] {
  const dataType = String(column['DATA_TYPE']);
  const columnType = String(column['COLUMN_TYPE']).toLowerCase();
  const unsigned = columnType.includes('unsigned');
  if (jsonColumns.has(`${String(column['TABLE_NAME'])}.${String(column['COLUMN_NAME'])}`)) return ['json'];
  if (columnType === 'tinyint(1)') return ['tinyint(1)'];
  if (['tinyint', 'smallint', 'mediumint', 'int', 'bigint'].includes(dataType))
    return [unsigned ? `${dataType} unsigned` : dataType];
  if (dataType === 'bit') return [columnType === 'bit(1)' ? 'bit(1)' : 'bit(n)'];
  if (dataType === 'decimal') return ['decimal', columnType.replace(' unsigned', '')];
  if (dataType === 'datetime' || dataType === 'timestamp')
    return [`${dataType}(${Number(column['DATETIME_PRECISION'] ?? 0)})`];
  if (dataType === 'time') return [Number(column['DATETIME_PRECISION'] ?? 0) === 0 ? 'time(0)' : 'time(n)'];
  return [dataType];
}

describe('schema round trip MariaDB → PostgreSQL → MariaDB, end to end', () => {
  const fixture = new MysqlSchemaFixture(String(run));
  const tables = fixture.tables.map((t) => t.name);
  let mariadb: EngineDriver;
  let postgres: EngineDriver;
  /** MariaDB as root: creates dbtwin_rt and lets the apply user write there. */
  let root: EngineDriver;
  let dir: string;
  let forwardConfig: string;
  let backwardConfig: string;
  let outDir: string;
  /** FOREIGN KEY clauses of the original DDL, added to dbtwin_rt once the data is in. */
  const rtForeignKeys: string[] = [];
  const seed = fixture.seed();
  let report: { safe: boolean; problems: CheckProblem[] } | undefined;
  let translated = false;
  let roundTripped = false;

  before(async () => {
    root = await dialectFor('mysql').createDriver({
      ...LOCAL_SIDES.mariadb.connection,
      user: process.env['MARIADB_ROOT_USER'] ?? 'root',
      password: process.env['MARIADB_ROOT_PASSWORD'] ?? '',
      database: 'mysql',
    });
    await root.query(`CREATE DATABASE IF NOT EXISTS ${RT_DATABASE} CHARACTER SET utf8mb4`);
    const user = LOCAL_SIDES.mariadb.connection.user;
    await root.query(`GRANT ALL PRIVILEGES ON ${RT_DATABASE}.* TO '${user}'@'%', '${user}'@'localhost'`);
    // Opened after the grant: database privileges reach new connections.
    mariadb = await connectLocal('mariadb');
    postgres = await connectLocal('postgres');
    dir = await mkdtemp(path.join(tmpdir(), 'dbtwin-schema-rt-'));
    outDir = path.join(dir, 'schema');
    const sides = [
      localSide('mariadb', tables),
      localSide('postgres', tables),
      localSide('mariadb', tables, {
        name: 'mariadb_rt',
        schema: RT_DATABASE,
        database: RT_DATABASE,
        topicPrefix: 'mariadb_rt',
      }),
    ];
    forwardConfig = await writeSidesConfig({
      sides,
      links: [{ from: 'mariadb', to: 'postgres' }],
      groupPrefix: `e2e-rt-${run}-a`,
      dir,
      file: 'forward.yaml',
      echoTtlSeconds: 900,
    });
    backwardConfig = await writeSidesConfig({
      sides,
      links: [{ from: 'postgres', to: 'mariadb_rt' }],
      groupPrefix: `e2e-rt-${run}-b`,
      dir,
      file: 'backward.yaml',
      echoTtlSeconds: 900,
    });
  });

  after(async () => {
    if (KEEP) {
      console.log(`# kept: tables *_${run} in dbtwin, ${RT_DATABASE}, public; configs in ${dir}`);
    } else {
      await fixture
        .drop(mariadb, FIXTURE_DATABASE)
        .catch((e: unknown) => console.log(`# cleanup dbtwin: ${String(e)}`));
      await fixture
        .drop(root, RT_DATABASE)
        .catch((e: unknown) => console.log(`# cleanup ${RT_DATABASE}: ${String(e)}`));
      for (const t of [...tables].reverse())
        await postgres
          .query(`DROP TABLE IF EXISTS public."${t}" CASCADE`)
          .catch((e: unknown) => console.log(`# cleanup public.${t}: ${String(e)}`));
    }
    await mariadb.close();
    await postgres.close();
    await root.close();
  });

  it('creates the fixture in MariaDB: ≥ 8 tables, every MySQL column type, composite keys, foreign keys, AUTO_INCREMENT', async () => {
    await fixture.create(mariadb);
    // dbtwin_rt gets the original definition (CREATE TABLE … LIKE: SHOW CREATE TABLE prints ENUM
    // members in utf8mb3, so '😀' would come out as '?'), its foreign keys (which LIKE leaves out, and
    // SHOW CREATE TABLE spells) held back until the data is in: the link applies tables in parallel,
    // so a child row may arrive before its parent.
    for (const t of tables) {
      const [row] = await mariadb.query(`SHOW CREATE TABLE \`${FIXTURE_DATABASE}\`.\`${t}\``);
      for (const [, clause] of String(row?.['Create Table']).matchAll(
        /^\s*(CONSTRAINT `[^`]+` FOREIGN KEY .*?),?$/gm,
      ))
        rtForeignKeys.push(
          `ALTER TABLE \`${RT_DATABASE}\`.\`${t}\` ADD ${clause!.replace(/REFERENCES `/, `REFERENCES \`${RT_DATABASE}\`.\``)}`,
        );
      await root.query(`DROP TABLE IF EXISTS \`${RT_DATABASE}\`.\`${t}\``);
      await root.query(`CREATE TABLE \`${RT_DATABASE}\`.\`${t}\` LIKE \`${FIXTURE_DATABASE}\`.\`${t}\``);
    }
    await MysqlSchemaFixture.run(mariadb, seed);

    const columns = await mariadb.query(
      'SELECT TABLE_NAME, COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, DATETIME_PRECISION, EXTRA FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN (?)',
      [FIXTURE_DATABASE, tables],
    );
    const checks = await mariadb.query(
      'SELECT TABLE_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ? AND TABLE_NAME IN (?)',
      [FIXTURE_DATABASE, tables],
    );
    const json = new Set(
      checks.flatMap((c) => {
        const m = /^json_valid\(`([^`]+)`\)$/.exec(String(c['CHECK_CLAUSE']));
        return m ? [`${String(c['TABLE_NAME'])}.${m[1]}`] : [];
      }),
    );
    const covered = new Set(columns.flatMap((c) => typeLabels(c, json)));
    const missing = REQUIRED_TYPES.filter((t) => !covered.has(t));
    assert.deepEqual(missing, [], `column types the fixture lacks: ${missing.join(', ')}`);
    const keys = await mariadb.query(
      "SELECT TABLE_NAME AS t, COUNT(*) AS n FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN (?) AND INDEX_NAME = 'PRIMARY' GROUP BY TABLE_NAME",
      [FIXTURE_DATABASE, tables],
    );
    const composite = keys.filter((k) => Number(k['n']) > 1).map((k) => String(k['t']));
    const fks = await foreignKeys(mariadb, 'mysql', FIXTURE_DATABASE, tables);
    const autoIncrement = columns.filter((c) => String(c['EXTRA']).includes('auto_increment'));
    const counts = await countRows(mariadb, 'mysql', FIXTURE_DATABASE, tables);
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    console.log(
      `# fixture: ${tables.length} tables, ${columns.length} columns, ${covered.size} column types, ${composite.length} composite primary keys, ${fks.length} foreign keys, ${autoIncrement.length} AUTO_INCREMENT key; ${seed.length} seed statements, ${total} rows`,
    );
    for (const fk of fks) console.log(`#   foreign key ${fk}`);
    assert.ok(tables.length >= 8, 'at least 8 tables');
    assert.ok(composite.length >= 2, `composite primary keys: ${composite.join(', ')}`);
    assert.ok(
      fks.some((fk) => /\(\w+,\w+\) ->/.test(fk)),
      `a composite foreign key among ${fks.join('; ')}`,
    );
    assert.equal(autoIncrement.length, 1, 'an AUTO_INCREMENT key');
    assert.equal(rtForeignKeys.length, fks.length, 'every foreign key held back for dbtwin_rt');
  });

  it('dbtwin schema check --from mariadb --to postgres --json predicts the values that cannot round-trip', async () => {
    const result = await runCli([
      'schema',
      'check',
      '--from',
      'mariadb',
      '--to',
      'postgres',
      '--json',
      '-c',
      forwardConfig,
    ]);
    assert.ok(
      result.code === 0 || result.code === 3,
      `exit ${result.code} (0 safe, 3 not safe expected)\n${result.stderr}\n${result.stdout.slice(0, 2000)}`,
    );
    report = JSON.parse(result.stdout) as { safe: boolean; problems: CheckProblem[] };
    assert.equal(typeof report.safe, 'boolean', 'the report says whether the schema is safe');
    assert.ok(Array.isArray(report.problems), 'the report lists problems');
    assert.equal(report.safe, result.code === 0, 'exit 0 exactly when safe');
    console.log(
      `# schema check: exit ${result.code}, safe ${report.safe}, ${report.problems.length} problems`,
    );
    for (const p of report.problems)
      console.log(
        `#   ${p.severity} ${p.kind} ${lower(p.table)}${p.column ? `.${p.column}` : ''}${p.rows === undefined ? '' : ` rows=${p.rows}`}${p.values?.length ? ` values=${JSON.stringify(p.values).slice(0, 80)}` : ''}: ${p.message}`,
      );
    for (const p of report.problems)
      assert.ok(
        tables.includes(lower(p.table)),
        `problem names a table of the fixture: ${JSON.stringify(p)}`,
      );
    // The planted quirks make the schema unsafe by construction.
    assert.equal(report.safe, false, 'the quirks table holds values PostgreSQL cannot take');
  });

  it('dbtwin schema translate --apply creates every table in PostgreSQL (no foreign keys yet)', async () => {
    const result = await runCli([
      'schema',
      'translate',
      '--from',
      'mariadb',
      '--to',
      'postgres',
      '--apply',
      '--out',
      outDir,
      '-c',
      forwardConfig,
    ]);
    assert.equal(result.code, 0, `exit ${result.code}\n${result.stderr}\n${result.stdout.slice(0, 2000)}`);
    for (const suffix of ['tables.sql', 'after-data.sql', 'mapping.yaml'])
      await access(path.join(outDir, `mariadb-to-postgres.${suffix}`)).catch(() =>
        assert.fail(`schema translate wrote no ${outDir}/mariadb-to-postgres.${suffix}`),
      );
    const found = await postgres.query(
      "SELECT table_name AS t, (SELECT COUNT(*) FROM information_schema.columns c WHERE c.table_schema = 'public' AND c.table_name = t.table_name) AS n FROM information_schema.tables t WHERE table_schema = 'public' AND table_name = ANY($1)",
      [tables],
    );
    const pgColumns = new Map(found.map((r) => [String(r['t']), Number(r['n'])]));
    assert.deepEqual(
      tables.filter((t) => !pgColumns.has(t)),
      [],
      'every table exists in PostgreSQL under its own name',
    );
    const myColumns = await mariadb.query(
      'SELECT TABLE_NAME AS t, COUNT(*) AS n FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN (?) GROUP BY TABLE_NAME',
      [FIXTURE_DATABASE, tables],
    );
    for (const r of myColumns)
      assert.equal(
        pgColumns.get(String(r['t'])),
        Number(r['n']),
        `every column of ${String(r['t'])} in PostgreSQL`,
      );
    assert.deepEqual(
      await foreignKeys(postgres, 'postgres', 'public', tables),
      [],
      'foreign keys wait for after-data',
    );
    // Full before-images, so the reverse link sees whole rows on updates and deletes.
    const identity = await postgres.query(
      "SELECT c.relname AS t, c.relreplident AS r FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relname = ANY($1)",
      [tables],
    );
    const notFull = identity.filter((r) => r['r'] !== 'f').map((r) => String(r['t']));
    for (const t of notFull) await postgres.query(`ALTER TABLE public."${t}" REPLICA IDENTITY FULL`);
    const ddl = await readFile(path.join(outDir, 'mariadb-to-postgres.tables.sql'), 'utf8');
    console.log(
      `# schema translate: ${tables.length} tables applied (${ddl.split('\n').length} lines of DDL); REPLICA IDENTITY FULL ${notFull.length === 0 ? 'set by the translator' : `set by the test on ${notFull.length} tables`}`,
    );
    translated = true;
  });

  it('round trip MariaDB → PostgreSQL → MariaDB returns every value unchanged, except what schema check predicted', async () => {
    assert.ok(report, 'schema check ran');
    assert.ok(translated, 'schema translate applied the tables');
    const forward = await DbtwinProcess.start(forwardConfig, [M2P]);
    const backward = await DbtwinProcess.start(backwardConfig, [P2R]);
    try {
      const changes = fixture.changes();
      await MysqlSchemaFixture.run(mariadb, changes, 10);
      const source = await countRows(mariadb, 'mysql', FIXTURE_DATABASE, tables);

      // Until dbtwin_rt holds as many rows as dbtwin and nothing moves, or (rows that cannot land
      // never will) nothing has moved for 30 s.
      const started = Date.now();
      let last = '';
      let changedAt = Date.now();
      let outcome = 'timeout';
      let counters: Record<string, Record<string, number>> = {};
      let rt: Record<string, number> = {};
      let pg: Record<string, number> = {};
      while (Date.now() - started < CONVERGE_MS) {
        counters = {
          [M2P]: await forward.counters(M2P),
          [P2R]: await backward.counters(P2R),
        };
        rt = await countRows(mariadb, 'mysql', RT_DATABASE, tables);
        pg = await countRows(postgres, 'postgres', 'public', tables);
        const snapshot = JSON.stringify([rt, pg, counters[M2P]?.['received'], counters[P2R]?.['received']]);
        if (snapshot !== last) {
          last = snapshot;
          changedAt = Date.now();
        }
        const quiet = Date.now() - changedAt;
        const flowing = (counters[M2P]?.['received'] ?? 0) > 0 && (counters[P2R]?.['received'] ?? 0) > 0;
        if (tables.every((t) => rt[t] === source[t]) && quiet >= 8000) {
          outcome = 'converged';
          break;
        }
        if (flowing && quiet >= 30_000) {
          outcome = 'settled';
          break;
        }
        await sleep(1000);
      }
      const waited = Date.now() - started;

      // Compare table by table, row by row, column by column.
      const predicted = new Map<string, CheckProblem[]>();
      for (const p of report.problems)
        if (p.column !== undefined) {
          const id = predictionId(p.table, p.column);
          predicted.set(id, [...(predicted.get(id) ?? []), p]);
        }
      const differences: Difference[] = [];
      let cells = 0;
      let columnsCompared = 0;
      let rowsCompared = 0;
      for (const t of fixture.tables) {
        const left = await readTableText(mariadb, FIXTURE_DATABASE, t.name, t.jsonColumns);
        const right = await readTableText(mariadb, RT_DATABASE, t.name, t.jsonColumns);
        columnsCompared += left.columns.length;
        for (const [key, row] of left.rows) {
          const back = right.rows.get(key);
          if (!back) {
            const explainedBy = left.columns
              .filter((c) =>
                (predicted.get(predictionId(t.name, c)) ?? []).some((p) => accountsForRow(p, row[c] ?? null)),
              )
              .map((c) => predictionId(t.name, c));
            differences.push({
              table: t.name,
              key,
              column: '*',
              kind: 'missing',
              source: null,
              back: null,
              explainedBy,
            });
            continue;
          }
          rowsCompared++;
          for (const c of left.columns) {
            cells++;
            if (row[c] === back[c]) continue;
            const id = predictionId(t.name, c);
            differences.push({
              table: t.name,
              key,
              column: c,
              kind: 'value',
              source: row[c] ?? null,
              back: back[c] ?? null,
              explainedBy: (predicted.get(id) ?? []).some(coversValues) ? [id] : [],
            });
          }
        }
        for (const key of right.rows.keys())
          if (!left.rows.has(key))
            differences.push({
              table: t.name,
              key,
              column: '*',
              kind: 'extra',
              source: null,
              back: null,
              explainedBy: [],
            });
      }

      const sum = (r: Record<string, number>): number => Object.values(r).reduce((a, b) => a + b, 0);
      const dataPredictions = report.problems.filter(
        (p) => p.column !== undefined && ((p.rows ?? 0) > 0 || (p.values?.length ?? 0) > 0),
      );
      const shown = new Set(
        differences.flatMap((d) => (d.kind === 'value' ? [predictionId(d.table, d.column)] : d.explainedBy)),
      );
      const unshown = dataPredictions.filter((p) => !shown.has(predictionId(p.table, p.column!)));
      const unexplained = differences.filter((d) => d.explainedBy.length === 0);

      console.log(
        `# round trip: ${outcome} after ${waited} ms; rows dbtwin ${sum(source)}, postgres ${sum(pg)}, ${RT_DATABASE} ${sum(rt)}; ${changes.length} changes while the links ran`,
      );
      console.log(`# counters ${M2P} ${JSON.stringify(counters[M2P])}`);
      console.log(`# counters ${P2R} ${JSON.stringify(counters[P2R])}`);
      console.log(
        `# compared: ${fixture.tables.length} tables, ${rowsCompared} rows present on both ends, ${columnsCompared} columns, ${cells} values; ${differences.length} differences in ${new Set(differences.map((d) => `${d.table}.${d.column}`)).size} places; ${report.problems.length} problems predicted (${dataPredictions.length} found in the data); ${unexplained.length} differences not predicted; ${unshown.length} data predictions that did not show`,
      );
      for (const t of tables)
        if (source[t] !== rt[t] || source[t] !== pg[t])
          console.log(`#   rows ${t}: dbtwin ${source[t]}, postgres ${pg[t]}, ${RT_DATABASE} ${rt[t]}`);
      if (differences.length > 0) {
        console.log('# differences (table | key | column | dbtwin | dbtwin_rt | predicted by):');
        for (const d of differences.slice(0, 80))
          console.log(
            `#   ${d.table} | ${d.key.slice(0, 60)} | ${d.column} | ${d.kind === 'value' ? show(d.source) : d.kind === 'missing' ? '(row)' : '-'} | ${d.kind === 'value' ? show(d.back) : d.kind === 'missing' ? '(missing)' : '(extra row)'} | ${d.explainedBy.join(', ') || 'NOT PREDICTED'}`,
          );
        if (differences.length > 80) console.log(`#   … ${differences.length - 80} more`);
      }
      for (const p of unshown)
        console.log(`# predicted but not seen: ${p.kind} ${lower(p.table)}.${p.column}: ${p.message}`);
      for (const [link, config] of [
        [M2P, forwardConfig],
        [P2R, backwardConfig],
      ] as const) {
        if ((counters[link]?.['deadLettered'] ?? 0) === 0) continue;
        const dlq = await runCli(['dlq', 'list', '--link', link, '--limit', '40', '-c', config]);
        console.log(`# dead letters of ${link}:\n${dlq.stdout.trimEnd().replace(/^/gm, '#   ')}`);
      }

      assert.deepEqual(
        unexplained.map(
          (d) => `${d.kind} ${d.table}.${d.column} ${d.key}: ${show(d.source)} -> ${show(d.back)}`,
        ),
        [],
        'every difference is one schema check predicted',
      );
      assert.deepEqual(
        unshown.map((p) => `${p.kind} ${lower(p.table)}.${p.column}`),
        [],
        'every problem schema check found in the data shows in the round trip',
      );
      assert.notEqual(outcome, 'timeout', `the links did not settle within ${CONVERGE_MS} ms`);
      roundTripped = true;
    } catch (error) {
      console.log(`# ${M2P} log tail:\n${(await forward.logs()).slice(-3000)}`);
      console.log(`# ${P2R} log tail:\n${(await backward.logs()).slice(-3000)}`);
      throw error;
    } finally {
      await forward.stop();
      await backward.stop();
    }
  });

  it('the foreign keys apply after the data, on PostgreSQL (after-data file) and on dbtwin_rt', async () => {
    assert.ok(translated, 'schema translate applied the tables');
    const afterData = await readFile(path.join(outDir, 'mariadb-to-postgres.after-data.sql'), 'utf8');
    await postgres.query(afterData);
    const expected = await foreignKeys(mariadb, 'mysql', FIXTURE_DATABASE, tables);
    const onPostgres = await foreignKeys(postgres, 'postgres', 'public', tables);
    console.log(
      `# after-data: ${onPostgres.length} foreign keys on PostgreSQL, ${expected.length} in MariaDB`,
    );
    assert.deepEqual(onPostgres, expected, 'the same foreign keys on PostgreSQL');
    // Only after a clean round trip: a parent row missing from dbtwin_rt would fail the key, and
    // that is the round trip's failure, already reported.
    if (!roundTripped) {
      console.log(`# ${RT_DATABASE}: foreign keys not added, the round trip failed`);
      return;
    }
    for (const ddl of rtForeignKeys) await root.query(ddl);
    assert.deepEqual(
      await foreignKeys(mariadb, 'mysql', RT_DATABASE, tables),
      expected,
      `the same foreign keys on ${RT_DATABASE}`,
    );
  });
});
