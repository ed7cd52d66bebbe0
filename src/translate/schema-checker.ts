import type { EngineName } from '../core/change-event.js';
import type { ColumnInfo, SchemaTable, TableInfo } from '../engines/dialect.js';
import { dialectFor } from '../engines/dialect-registry.js';
import type { EngineDriver } from '../engines/engine-driver.js';
import {
  columnIssues,
  identifierIssue,
  keyComparison,
  type ColumnIssue,
  type KeyComparison,
  type Probe,
  type RoundTripProblem,
  type RuleOptions,
  type Severity,
} from './round-trip-rules.js';

export type { RoundTripKind, RoundTripProblem, Severity } from './round-trip-rules.js';

/** Options of {@link checkSchema}. */
export interface CheckOptions extends RuleOptions {
  /** Count the affected rows and look for key collisions in the data; default true. */
  readonly scanData?: boolean;
  /** At most this many example values (or colliding groups) per problem; default 3. */
  readonly sampleLimit?: number;
  /** Rows per page of the key-collision scan (keyset paging by primary key); default 10 000. */
  readonly pageSize?: number;
}

/** What `dbtwin schema check` found. */
export interface CheckReport {
  /** Per table in the order given: its name, its columns in table order, then its keys. */
  readonly problems: readonly RoundTripProblem[];
  /** True when no problem is a blocker. */
  readonly safe: boolean;
  /** Tables whose rows were read, and how many rows they hold; zero without the data scan. */
  readonly scanned: { readonly tables: number; readonly rows: number };
}

const DEFAULT_SAMPLES = 3;
const DEFAULT_PAGE = 10_000;
/** Example values longer than this are cut in messages. */
const MAX_SHOWN = 60;
/** Types whose values messages show unquoted (every engine's spelling). */
const NUMERIC_TYPES = new Set([
  'tinyint',
  'smallint',
  'mediumint',
  'int',
  'integer',
  'bigint',
  'decimal',
  'numeric',
  'number',
  'float',
  'double',
  'real',
  'double precision',
  'binary_float',
  'binary_double',
]);

/**
 * Lists what cannot make the round trip from `options.from` to `options.to` and back (design §5): the
 * catalog findings of round-trip-rules.ts for every column, table and key name, and, with `scanData`
 * (the default), what the rows hold.
 *
 * The data scan reads the source through `driver`, with bound parameters only; identifiers come from
 * the catalog (`tables`) and are quoted by the source engine's compiler. Per table it makes:
 * - one aggregate query counting, for every column finding with a probe, the rows it affects (a
 *   finding with affected rows becomes a blocker, or what its `foundSeverity` says; `rows: 0` says
 *   the scan found none), then one query per affected column for a few example values;
 * - one pass over the key columns for the key-collision scan, when the target compares keys other
 *   than the source does ({@link keyComparison}): keyset pages of `pageSize` rows ordered by the
 *   primary key (one unpaged query for a table without one), holding one map entry (normalised key →
 *   first original) per row and key, so a million rows stay well within memory.
 *
 * `schema` is used for tables whose `schema` is empty. A query that fails rejects the promise.
 */
export async function checkSchema(
  driver: EngineDriver,
  schema: string,
  tables: readonly (TableInfo | SchemaTable)[],
  options: CheckOptions,
): Promise<CheckReport> {
  const sql = new SourceSql(options.from);
  const problems: RoundTripProblem[] = [];
  let scannedTables = 0;
  let scannedRows = 0;
  for (const table of tables) {
    const result = await checkTable(driver, sql, { ...table, schema: table.schema || schema }, options);
    problems.push(...result.problems);
    if (result.rows !== undefined) {
      scannedTables += 1;
      scannedRows += result.rows;
    }
  }
  return {
    problems,
    safe: problems.every((p) => p.severity !== 'blocker'),
    scanned: { tables: scannedTables, rows: scannedRows },
  };
}

interface TableResult {
  readonly problems: RoundTripProblem[];
  /** Rows read; undefined when the table was not scanned. */
  readonly rows: number | undefined;
}

/** A column finding with the column it belongs to. */
interface ColumnFinding {
  readonly column: ColumnInfo;
  readonly issue: ColumnIssue;
}

/** A primary or unique key the target may compare differently. */
interface KeyFinding {
  readonly columns: readonly ColumnInfo[];
  readonly primary: boolean;
  /** `primary key (id)`, `unique key users_email (email)`. */
  readonly label: string;
}

/** What the data scan found for one finding. */
interface Found {
  readonly rows: number;
  readonly values: readonly string[];
}

async function checkTable(
  driver: EngineDriver,
  sql: SourceSql,
  table: TableInfo | SchemaTable,
  options: CheckOptions,
): Promise<TableResult> {
  const scan = options.scanData ?? true;
  const limit = Math.max(1, options.sampleLimit ?? DEFAULT_SAMPLES);
  const problems: RoundTripProblem[] = [];
  for (const [what, name] of otherNames(table)) {
    const issue = identifierIssue(name, what, options);
    if (issue)
      problems.push({
        kind: issue.kind,
        severity: issue.severity,
        table: table.name,
        message: `${table.name}: ${sentence(issue)}`,
      });
  }
  const findings: ColumnFinding[] = table.columns.flatMap((column) =>
    columnIssues(column, options).map((issue) => ({ column, issue })),
  );
  const comparison = keyComparison(options);
  const keys =
    comparison === undefined ? [] : keysOf(table).filter((k) => comparison.applies(k.columns, k.primary));

  let rows: number | undefined;
  const found = new Map<ColumnFinding, Found>();
  const collisions = new Map<KeyFinding, Collisions>();
  if (scan) {
    const probed = findings.filter((f) => f.issue.probe !== undefined && sql.scans(f.issue.probe, f.column));
    if (probed.length > 0) {
      const counts = await countRows(driver, sql, table, probed);
      rows = counts.rows;
      for (const [i, finding] of probed.entries()) {
        const n = counts.affected[i] ?? 0;
        const values = n > 0 ? await sampleValues(driver, sql, table, finding, limit) : [];
        found.set(finding, { rows: n, values });
      }
    }
    if (keys.length > 0 && comparison !== undefined) {
      const result = await scanKeys(
        driver,
        sql,
        table,
        keys,
        comparison,
        limit,
        options.pageSize ?? DEFAULT_PAGE,
      );
      rows ??= result.rows;
      for (const [key, c] of result.collisions) collisions.set(key, c);
    }
  }

  for (const finding of findings) {
    const problem = columnProblem(table, finding, scan ? found.get(finding) : undefined, scan);
    if (problem) problems.push(problem);
  }
  for (const key of keys) {
    if (comparison !== undefined)
      problems.push(keyProblem(table, key, comparison, collisions.get(key), scan));
  }
  return { problems, rows };
}

/** Table, key and index names the target must hold too (columns are checked with their rules). */
function otherNames(table: TableInfo | SchemaTable): [string, string][] {
  const names: [string, string][] = [['table', table.name]];
  if (!('uniqueKeyInfo' in table)) return names;
  if (table.primaryKeyName !== undefined && table.primaryKeyName !== 'PRIMARY')
    names.push(['primary key', table.primaryKeyName]);
  for (const k of table.uniqueKeyInfo) names.push(['unique key', k.name]);
  for (const f of table.foreignKeys) names.push(['foreign key', f.name]);
  for (const i of table.indexes) names.push(['index', i.name]);
  for (const c of table.checks) names.push(['check constraint', c.name]);
  return names;
}

function keysOf(table: TableInfo | SchemaTable): KeyFinding[] {
  const byName = new Map(table.columns.map((c) => [c.name, c]));
  const columnsOf = (names: readonly string[]): ColumnInfo[] | undefined => {
    const cols = names.map((n) => byName.get(n)).filter((c) => c !== undefined);
    return cols.length === names.length ? cols : undefined;
  };
  const keys: KeyFinding[] = [];
  const pk = table.primaryKey.length > 0 ? columnsOf(table.primaryKey) : undefined;
  if (pk) keys.push({ columns: pk, primary: true, label: `primary key (${table.primaryKey.join(', ')})` });
  const names = 'uniqueKeyInfo' in table ? table.uniqueKeyInfo.map((k) => k.name) : [];
  for (const [i, unique] of table.uniqueKeys.entries()) {
    const cols = columnsOf(unique);
    const name = names[i];
    if (cols)
      keys.push({
        columns: cols,
        primary: false,
        label: `unique key ${name ? `${name} ` : ''}(${unique.join(', ')})`,
      });
  }
  return keys;
}

// ---------------------------------------------------------------------------------------------------
// Problems and messages

function columnProblem(
  table: TableInfo,
  { column, issue }: ColumnFinding,
  found: Found | undefined,
  scanned: boolean,
): RoundTripProblem | undefined {
  const scannedProbe = scanned && found !== undefined;
  if (issue.onlyWhenFound && !(scannedProbe && found.rows > 0)) return undefined;
  let severity: Severity = issue.severity;
  let detail = '';
  if (scannedProbe && found.rows > 0) {
    severity = worse(severity, issue.foundSeverity ?? 'blocker');
    const shown =
      found.values.length > 0 ? `, e.g. ${found.values.map((v) => shownValue(v, column)).join(', ')}` : '';
    detail = `; the data holds ${found.rows} such ${found.rows === 1 ? 'row' : 'rows'}${shown}`;
  } else if (scannedProbe) {
    detail = '; none in the data now';
  }
  const where =
    issue.kind === 'identifier-length'
      ? `${table.name}`
      : `${table.name}.${column.name} (${column.columnType})`;
  return {
    kind: issue.kind,
    severity,
    table: table.name,
    column: column.name,
    ...(scannedProbe && found.values.length > 0 ? { values: found.values } : {}),
    ...(scannedProbe ? { rows: found.rows } : {}),
    message: `${where}: ${issue.what}${detail}. ${capitalised(issue.fix)}.`,
  };
}

function keyProblem(
  table: TableInfo,
  key: KeyFinding,
  comparison: KeyComparison,
  collisions: Collisions | undefined,
  scanned: boolean,
): RoundTripProblem {
  const base = { kind: 'key-collision' as const, table: table.name, key: key.columns.map((c) => c.name) };
  if (collisions && collisions.rows > 0) {
    const groups = collisions.groups.map((g) => g.join(' and ')).join('; ');
    const more =
      collisions.groupCount > collisions.groups.length
        ? ` (and ${collisions.groupCount - collisions.groups.length} more)`
        : '';
    return {
      ...base,
      severity: 'blocker',
      values: collisions.values,
      rows: collisions.rows,
      message: `${table.name}: ${key.label} collides on ${comparison.label}: ${groups}${more}; ${collisions.rows} rows with distinct source keys share ${collisions.groupCount} ${collisions.groupCount === 1 ? 'key' : 'keys'} there, so the apply would overwrite one row with another or reject it. ${capitalised(comparison.fix)}.`,
    };
  }
  const detail = scanned ? `; none collide in the data now (${collisions?.scannedRows ?? 0} rows)` : '';
  return {
    ...base,
    severity: 'warning',
    ...(scanned ? { rows: 0 } : {}),
    message: `${table.name}: ${key.label} is compared on ${comparison.label}: ${comparison.risk}${detail}. Rows written later that differ only that way will collide: ${comparison.fix}.`,
  };
}

function sentence(issue: ColumnIssue): string {
  return `${issue.what}. ${capitalised(issue.fix)}.`;
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function worse(a: Severity, b: Severity): Severity {
  return a === 'blocker' || b === 'blocker' ? 'blocker' : 'warning';
}

/** A value of `column` for a message: numbers as they are, anything else quoted. */
function shownValue(value: string, column: ColumnInfo | undefined): string {
  return NUMERIC_TYPES.has(column?.dataType ?? '') ? value : shownText(value);
}

/** A value for a message: quoted, cut when long. */
function shownText(value: string): string {
  const cut = value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}…` : value;
  return `'${cut.replaceAll("'", "''")}'`;
}

// ---------------------------------------------------------------------------------------------------
// Column scans

async function countRows(
  driver: EngineDriver,
  sql: SourceSql,
  table: TableInfo,
  probed: readonly ColumnFinding[],
): Promise<{ rows: number; affected: number[] }> {
  const binds = new Binds(sql.engine);
  const sums = probed.map((f, i) => {
    const predicate = sql.predicate(f.issue.probe!, f.column, binds)!;
    return `SUM(CASE WHEN ${predicate} THEN 1 ELSE 0 END) AS ${sql.quote(`c${i}`)}`;
  });
  const [row] = await driver.query(
    `SELECT COUNT(*) AS ${sql.quote('n')}, ${sums.join(', ')} FROM ${sql.table(table)}`,
    binds.params,
  );
  const count = (name: string): number => Number(row?.[name] ?? 0);
  return { rows: count('n'), affected: probed.map((_, i) => count(`c${i}`)) };
}

async function sampleValues(
  driver: EngineDriver,
  sql: SourceSql,
  table: TableInfo,
  { column, issue }: ColumnFinding,
  limit: number,
): Promise<string[]> {
  const probe = issue.probe!;
  // Every affected value is the same empty one.
  if (probe.kind === 'empty-text') return [''];
  if (probe.kind === 'empty-bytes') return [];
  const binds = new Binds(sql.engine);
  const value = sql.text(column);
  const predicate = sql.predicate(probe, column, binds)!;
  const rows = await driver.query(
    `SELECT DISTINCT ${value} AS ${sql.quote('v')} FROM ${sql.table(table)} WHERE ${predicate} ${sql.limit(binds, limit)}`,
    binds.params,
  );
  return rows.map((r) => keyText(r['v']) ?? 'NULL');
}

// ---------------------------------------------------------------------------------------------------
// Key collisions

/** Colliding groups of one key. */
interface Collisions {
  /** Rows in colliding groups (every member, the first one included). */
  readonly rows: number;
  readonly groupCount: number;
  /** The first few groups, each as the first few of its original values, for a message (`'Alice'`, `(1, 'a')`). */
  readonly groups: readonly (readonly string[])[];
  /** The same values as text: as read for a one-column key, as shown for a composite one. */
  readonly values: readonly string[];
  /** Rows the scan read. */
  readonly scannedRows: number;
}

/**
 * Tracks one key over the stream of rows: normalised tuple → the first original tuple's text, or
 * null when the original is the normalised form itself (most keys: no second string kept).
 */
class KeyTracker {
  private readonly seen = new Map<string, string | null>();
  private readonly collided = new Set<string>();
  private readonly groups = new Map<string, string[]>();
  private rows = 0;
  private scanned = 0;

  constructor(
    readonly key: KeyFinding,
    private readonly comparison: KeyComparison,
    private readonly limit: number,
  ) {}

  add(values: readonly (string | null)[]): void {
    this.scanned += 1;
    const normal = this.comparison.tuple(values, this.key.columns);
    if (normal === undefined) return;
    const original = JSON.stringify(values);
    const first = this.seen.get(normal);
    if (first === undefined) {
      this.seen.set(normal, original === normal ? null : original);
      return;
    }
    if (!this.collided.has(normal)) {
      this.collided.add(normal);
      this.rows += 2;
      if (this.groups.size < this.limit) this.groups.set(normal, [first ?? normal, original]);
    } else {
      this.rows += 1;
      const group = this.groups.get(normal);
      if (group && group.length < this.limit) group.push(original);
    }
  }

  result(): Collisions {
    const groups = [...this.groups.values()].map((g) => g.map((t) => JSON.parse(t) as (string | null)[]));
    const single = this.key.columns.length === 1;
    return {
      rows: this.rows,
      groupCount: this.collided.size,
      groups: groups.map((g) => g.map((t) => this.shown(t))),
      values: groups.flat().map((t) => (single ? (t[0] ?? 'NULL') : this.shown(t))),
      scannedRows: this.scanned,
    };
  }

  /** `'Alice'` for one column, `('Alice', 1)` for several: numbers unquoted. */
  private shown(tuple: readonly (string | null)[]): string {
    const parts = tuple.map((v, i) => (v === null ? 'NULL' : shownValue(v, this.key.columns[i])));
    return parts.length === 1 ? parts[0]! : `(${parts.join(', ')})`;
  }
}

async function scanKeys(
  driver: EngineDriver,
  sql: SourceSql,
  table: TableInfo,
  keys: readonly KeyFinding[],
  comparison: KeyComparison,
  limit: number,
  pageSize: number,
): Promise<{ rows: number; collisions: Map<KeyFinding, Collisions> }> {
  const byName = new Map(table.columns.map((c) => [c.name, c]));
  const pk = table.primaryKey.map((n) => byName.get(n)).filter((c): c is ColumnInfo => c !== undefined);
  const paged = pk.length > 0 && pk.length === table.primaryKey.length;
  // The columns read: the primary key (for paging) and every scanned key's, each once.
  const read: ColumnInfo[] = [];
  for (const c of [...(paged ? pk : []), ...keys.flatMap((k) => k.columns)])
    if (!read.includes(c)) read.push(c);
  const alias = (c: ColumnInfo): string => `k${read.indexOf(c)}`;
  const trackers = keys.map((k) => new KeyTracker(k, comparison, limit));
  let rows = 0;
  let after: unknown[] | undefined;
  for (;;) {
    const binds = new Binds(sql.engine);
    const select = read.map((c) => `${sql.keyRead(c)} AS ${sql.quote(alias(c))}`).join(', ');
    let text = `SELECT ${select} FROM ${sql.table(table)}`;
    if (paged) {
      if (after !== undefined) text += ` WHERE ${sql.after(pk, after, binds)}`;
      text += ` ORDER BY ${pk.map((c) => sql.keyCompare(c)).join(', ')} ${sql.limit(binds, pageSize)}`;
    }
    const page = await driver.query(text, binds.params);
    for (const row of page) {
      for (const tracker of trackers) tracker.add(tracker.key.columns.map((c) => keyText(row[alias(c)])));
    }
    rows += page.length;
    const last = page.at(-1);
    if (!paged || page.length < pageSize || last === undefined) break;
    after = pk.map((c) => last[alias(c)]);
  }
  return { rows, collisions: new Map(trackers.map((t) => [t.key, t.result()])) };
}

/** A key value as text: strings as read, numbers spelled out, bytes as hex, NULL as null. */
function keyText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return String(value);
  if (value instanceof Uint8Array)
    return `0x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value) ?? '';
}

// ---------------------------------------------------------------------------------------------------
// SQL per source engine

/** Bound parameters in order, with the engine's placeholder for each. */
class Binds {
  readonly params: unknown[] = [];

  constructor(private readonly engine: EngineName) {}

  /** The placeholder for `value`, in the order the SQL text uses them. */
  add(value: unknown): string {
    this.params.push(value);
    const n = this.params.length;
    return this.engine === 'mysql' ? '?' : this.engine === 'postgres' ? `$${n}` : `:${n}`;
  }
}

/** Oracle format masks: fixed SQL text, never input. */
const ORACLE_DATE_MASK = `'YYYY-MM-DD HH24:MI:SS'`;
const ORACLE_TIMESTAMP_MASK = `'YYYY-MM-DD HH24:MI:SS.FF9'`;

/**
 * The scans' SQL in the source engine's dialect. Values (thresholds, the empty string, page
 * boundaries, limits) are always bound; only identifiers from the catalog (quoted by the engine's
 * compiler), function names and fixed constants of the SQL itself (format masks, `'.'`) are text.
 */
class SourceSql {
  readonly quote: (name: string) => string;

  constructor(readonly engine: EngineName) {
    const compiler = dialectFor(engine).createCompiler();
    this.quote = (name) => compiler.quoteIdentifier(name);
  }

  table(table: TableInfo): string {
    return `${this.quote(table.schema)}.${this.quote(table.name)}`;
  }

  /** `LIMIT n`, or Oracle's `FETCH FIRST n ROWS ONLY`. */
  limit(binds: Binds, n: number): string {
    return this.engine === 'oracle' ? `FETCH FIRST ${binds.add(n)} ROWS ONLY` : `LIMIT ${binds.add(n)}`;
  }

  /** A column's value as text, for example values. */
  text(column: ColumnInfo): string {
    const q = this.quote(column.name);
    switch (this.engine) {
      case 'mysql':
        return `CAST(${q} AS CHAR)`;
      case 'postgres':
        return `${q}::text`;
      case 'oracle':
        if (column.dataType === 'date') return `TO_CHAR(${q}, ${ORACLE_DATE_MASK})`;
        if (column.dataType.startsWith('timestamp')) {
          return column.dataType === 'timestamp'
            ? `TO_CHAR(${q}, ${ORACLE_TIMESTAMP_MASK})`
            : `TO_CHAR(${q}, 'YYYY-MM-DD HH24:MI:SS.FF9 TZH:TZM')`;
        }
        return `TO_CHAR(${q})`;
    }
  }

  /** Whether the engine can hold the values `probe` looks for (so there is a condition to count). */
  scans(probe: Probe, column: ColumnInfo): boolean {
    return this.predicate(probe, column, new Binds(this.engine)) !== undefined;
  }

  /**
   * The condition that holds for the rows `probe` counts, or undefined when the engine cannot hold
   * such values (the rules never ask for those).
   */
  predicate(probe: Probe, column: ColumnInfo, b: Binds): string | undefined {
    const q = this.quote(column.name);
    const { engine } = this;
    switch (probe.kind) {
      case 'empty-text':
        // MySQL returns a CHAR of spaces as '' (CHAR_LENGTH 0). PostgreSQL: as text, so enums compare too.
        if (engine === 'mysql') return `CHAR_LENGTH(${q}) = ${b.add(0)}`;
        return engine === 'postgres' ? `${q}::text = ${b.add('')}` : undefined;
      case 'empty-bytes':
        if (engine === 'mysql') return `LENGTH(${q}) = ${b.add(0)}`;
        return engine === 'postgres' ? `octet_length(${q}) = ${b.add(0)}` : undefined;
      case 'zero-date': {
        if (engine !== 'mysql') return undefined;
        // Read as text: comparisons with '0000-00-00' depend on sql_mode (NO_ZERO_DATE, strict),
        // which the driver's sessions set; CAST(… AS CHAR) gives 'YYYY-MM-DD…' whatever the mode.
        const text = `CAST(${q} AS CHAR)`;
        return `(LEFT(${text}, 4) = ${b.add('0000')} OR SUBSTRING(${text}, 6, 2) = ${b.add('00')} OR SUBSTRING(${text}, 9, 2) = ${b.add('00')})`;
      }
      case 'time-outside': {
        const seconds =
          engine === 'mysql'
            ? `TIME_TO_SEC(${q})`
            : engine === 'postgres'
              ? `extract(epoch from ${q})`
              : `(EXTRACT(DAY FROM ${q}) * 86400 + EXTRACT(HOUR FROM ${q}) * 3600 + EXTRACT(MINUTE FROM ${q}) * 60 + EXTRACT(SECOND FROM ${q}))`;
        return `(${seconds} < ${b.add(probe.minSeconds)} OR ${seconds} > ${b.add(probe.maxSeconds)})`;
      }
      case 'date-outside': {
        const parts: string[] = engine === 'postgres' ? [`NOT isfinite(${q})`] : [];
        const date = (p: string): string =>
          engine === 'postgres'
            ? `${p}::date`
            : engine === 'oracle'
              ? `TO_DATE(${p}, 'YYYY-MM-DD')`
              : `CAST(${p} AS DATE)`;
        if (probe.min !== undefined) parts.push(`${q} < ${date(b.add(probe.min))}`);
        if (probe.max !== undefined) parts.push(`${q} >= ${date(b.add(probe.max))}`);
        return `(${parts.join(' OR ')})`;
      }
      case 'number-above': {
        const threshold = `1${'0'.repeat(probe.integerDigits)}`;
        if (engine === 'mysql') return `ABS(${q}) >= CAST(${b.add(threshold)} AS DECIMAL(65,0))`;
        // PostgreSQL sorts NaN above every number, so NaN and ±Infinity count here too.
        if (engine === 'postgres') return `abs(${q}) >= ${b.add(threshold)}::numeric`;
        return `ABS(${q}) >= TO_NUMBER(${b.add(threshold)})`;
      }
      case 'number-scale':
        if (engine === 'postgres') return `${q} <> round(${q}, ${b.add(probe.scale)}::int)`;
        return `${q} <> ROUND(${q}, ${b.add(probe.scale)})`;
      case 'number-significant': {
        // Significant digits: the digits without the point, leading and trailing zeros.
        if (engine === 'mysql')
          return `CHAR_LENGTH(TRIM(BOTH '0' FROM REPLACE(CAST(ABS(${q}) AS CHAR), '.', ''))) > ${b.add(probe.digits)}`;
        if (engine === 'postgres')
          return `length(btrim(replace(abs(${q})::text, '.', ''), '0')) > ${b.add(probe.digits)}::int`;
        return `LENGTH(TRIM(BOTH '0' FROM REPLACE(TO_CHAR(ABS(${q})), '.'))) > ${b.add(probe.digits)}`;
      }
      case 'non-finite':
        // As text: PostgreSQL before 14 cannot read 'Infinity' as numeric.
        if (engine === 'postgres')
          return `${q}::text IN (${b.add('NaN')}, ${b.add('Infinity')}, ${b.add('-Infinity')})`;
        return engine === 'oracle' ? `(${q} IS NAN OR ${q} IS INFINITE)` : undefined;
      case 'interval-months':
        return engine === 'postgres'
          ? `(extract(year from ${q}) <> ${b.add(0)} OR extract(month from ${q}) <> ${b.add(0)})`
          : undefined;
      case 'sub-microsecond':
        return engine === 'oracle'
          ? `EXTRACT(SECOND FROM ${q}) <> TRUNC(EXTRACT(SECOND FROM ${q}), ${b.add(6)})`
          : undefined;
      case 'not-boolean':
        return engine === 'mysql' ? `${q} NOT IN (${b.add(0)}, ${b.add(1)})` : undefined;
      case 'zero-year':
        return engine === 'mysql' ? `${q} = ${b.add(0)}` : undefined;
      case 'nul-char':
        if (engine === 'mysql') return `LOCATE(CHAR(0), ${q}) > ${b.add(0)}`;
        return engine === 'oracle' ? `INSTR(${q}, CHR(0)) > ${b.add(0)}` : undefined;
      case 'four-byte-chars':
        // Through utf8mb3, a 4-byte character becomes '?': the bytes differ exactly then.
        return engine === 'mysql'
          ? `CAST(CONVERT(${q} USING utf8mb3) AS BINARY) <> CAST(${q} AS BINARY)`
          : undefined;
    }
  }

  /**
   * A key column as the collision scan reads it. Oracle dates and timestamps as exact text (the
   * driver would make them JS Dates with milliseconds), zoned ones in UTC; everything else as the
   * driver returns it (MySQL and PostgreSQL drivers return temporal and decimal values as text).
   */
  keyRead(column: ColumnInfo): string {
    const q = this.quote(column.name);
    if (this.engine !== 'oracle') return q;
    switch (oracleKeyKind(column)) {
      case 'date':
        return `TO_CHAR(${q}, ${ORACLE_DATE_MASK})`;
      case 'timestamp':
        return `TO_CHAR(${q}, ${ORACLE_TIMESTAMP_MASK})`;
      case 'zoned':
        return `TO_CHAR(SYS_EXTRACT_UTC(${q}), ${ORACLE_TIMESTAMP_MASK})`;
      default:
        return q;
    }
  }

  /**
   * A primary-key column as paging orders and compares it: the same expression on both sides, so
   * the order and the `>` agree. MySQL sorts ENUM/SET by member number but compares them with a
   * string as text, hence their text; Oracle zoned timestamps by their UTC instant. Oracle text keys
   * assume the session's NLS_SORT is BINARY (node-oracledb's default AMERICAN settings), as the
   * comparison is.
   */
  keyCompare(column: ColumnInfo): string {
    const q = this.quote(column.name);
    if (this.engine === 'mysql' && (column.dataType === 'enum' || column.dataType === 'set')) {
      return `CAST(${q} AS CHAR)`;
    }
    return this.engine === 'oracle' && oracleKeyKind(column) === 'zoned' ? `SYS_EXTRACT_UTC(${q})` : q;
  }

  /**
   * Rows after `values` (as {@link keyRead} returned them) in primary-key order: a row comparison on
   * MySQL and PostgreSQL (an index range on both), the expanded form on Oracle, which has none.
   */
  after(pk: readonly ColumnInfo[], values: readonly unknown[], b: Binds): string {
    const cols = pk.map((c) => this.keyCompare(c));
    if (this.engine === 'postgres') {
      // Parameters take the types of the columns they are compared with: exact for every type.
      const binds = values.map((v) => b.add(v));
      return cols.length === 1 ? `${cols[0]} > ${binds[0]}` : `(${cols.join(', ')}) > (${binds.join(', ')})`;
    }
    if (this.engine === 'mysql') {
      const binds = values.map((v, i) => mysqlBind(pk[i]!, v, b));
      return cols.length === 1 ? `${cols[0]} > ${binds[0]}` : `(${cols.join(', ')}) > (${binds.join(', ')})`;
    }
    const bound = (i: number): string => oracleBind(pk[i]!, b.add(values[i]));
    const branches = cols.map((_, i) => {
      const equal = cols.slice(0, i).map((c, j) => `${c} = ${bound(j)}`);
      return `(${[...equal, `${cols[i]} > ${bound(i)}`].join(' AND ')})`;
    });
    return branches.length === 1 ? branches[0]! : `(${branches.join(' OR ')})`;
  }
}

/**
 * A MySQL page boundary in its column's type. MySQL compares a number column with a string as
 * doubles, which cannot tell 64-bit keys above 2^53 apart: BIGINT values (text from the driver) go
 * back as integers, DECIMAL ones through a DECIMAL cast. Temporal and text values compare exactly as
 * strings.
 */
function mysqlBind(column: ColumnInfo, value: unknown, b: Binds): string {
  if (typeof value === 'string' && MYSQL_INTEGERS.has(column.dataType) && /^-?\d+$/.test(value)) {
    return b.add(BigInt(value));
  }
  if (column.dataType === 'decimal' || column.dataType === 'numeric') {
    return `CAST(${b.add(value)} AS DECIMAL(${column.precision ?? 65},${column.scale ?? 30}))`;
  }
  return b.add(value);
}

const MYSQL_INTEGERS = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint']);

function oracleKeyKind(column: ColumnInfo): 'date' | 'timestamp' | 'zoned' | 'number' | 'other' {
  const type = column.dataType;
  if (type === 'date') return 'date';
  if (type === 'timestamp') return 'timestamp';
  if (type === 'timestamp with time zone' || type === 'timestamp with local time zone') return 'zoned';
  if (['number', 'float', 'integer', 'int', 'smallint', 'decimal', 'numeric'].includes(type)) return 'number';
  return 'other';
}

/** An Oracle bind in the column's type, from the text {@link SourceSql.keyRead} returned. */
function oracleBind(column: ColumnInfo, placeholder: string): string {
  switch (oracleKeyKind(column)) {
    case 'date':
      return `TO_DATE(${placeholder}, ${ORACLE_DATE_MASK})`;
    case 'timestamp':
    case 'zoned':
      return `TO_TIMESTAMP(${placeholder}, ${ORACLE_TIMESTAMP_MASK})`;
    case 'number':
      return `TO_NUMBER(${placeholder})`;
    case 'other':
      return placeholder;
  }
}
