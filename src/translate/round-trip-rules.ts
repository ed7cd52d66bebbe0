import type { EngineName } from '../core/change-event.js';
import type { ColumnInfo } from '../engines/dialect.js';
import { translateColumnType, UnsupportedTypeError } from './type-mapping.js';

/**
 * What `dbtwin schema check` knows from the catalog alone (design §5): for one source column and a
 * target engine, which value classes cannot make the round trip, how bad that is, and which data scan
 * would tell whether the rows hold such values. The scans themselves (SQL per engine, key collisions)
 * are in schema-checker.ts; this file has no I/O, so every rule is unit-testable from a hand-built
 * {@link ColumnInfo}.
 *
 * Exports: {@link columnIssues} (the rules table, the main export), {@link identifierIssue} (the same
 * length rule for names that are not columns: tables, keys, indexes) and {@link keyComparison} (how
 * the target compares key values, for the collision scan). They are one concern, the target's rules,
 * so they live together.
 *
 * The target types are those of `translateColumnType` (type-mapping.ts, the one type mapping); only
 * what would not fit them is reported. The ones the rules depend on:
 * - `BIGINT UNSIGNED` → PostgreSQL `numeric(20,0)` / Oracle `NUMBER(20)`: fits, nothing reported.
 * - `DECIMAL(p,s)`/`numeric(p,s)`/`NUMBER(p,s)` → MySQL `DECIMAL(p,s)` when p ≤ 65 and s ≤ 30, else
 *   `DECIMAL(65,30)` (also without a precision); → Oracle `NUMBER(p,s)` when p ≤ 38, else `NUMBER`
 *   (38 significant digits, below 1e126); → PostgreSQL `numeric`, which holds every value.
 * - MySQL `TIME` → PostgreSQL `time` (00:00:00 to 24:00:00, the codec's range) and Oracle
 *   `INTERVAL DAY(2) TO SECOND` (holds ±838:59:59: nothing reported); Oracle `INTERVAL DAY TO SECOND`
 *   → MySQL `TIME`; PostgreSQL `interval` → Oracle `INTERVAL DAY(9) TO SECOND` (no months) and MySQL
 *   `VARCHAR(64)` (ISO-8601 text).
 * - Floats keep their IEEE representation (MySQL FLOAT/DOUBLE, PostgreSQL real/double precision,
 *   Oracle BINARY_FLOAT/BINARY_DOUBLE); Oracle `FLOAT(p)` (a decimal NUMBER) → MySQL `DOUBLE` does
 *   not (→ PostgreSQL `numeric` does).
 * - Instants and zoned timestamps → MySQL `DATETIME(6)` in UTC; MySQL `TINYINT(1)` → boolean.
 */

/** A class of values that cannot make the round trip. */
export type RoundTripKind =
  | 'empty-string'
  | 'zero-date'
  | 'time-range'
  | 'number-range'
  | 'number-precision'
  | 'identifier-length'
  | 'char-padding'
  | 'key-collision'
  | 'timezone'
  | 'unsupported-type'
  | 'fractional-seconds'
  | 'float-precision'
  | 'nul-character'
  | 'catalog-charset';

/** `blocker`: replication would change, lose or reject values; `warning`: check it, it may be fine. */
export type Severity = 'blocker' | 'warning';

/** One thing that cannot round-trip, named with its table, column or key. */
export interface RoundTripProblem {
  readonly kind: RoundTripKind;
  readonly severity: Severity;
  /** The source table's name as the catalog stores it. */
  readonly table: string;
  /** The column, for column-level problems (and for identifier problems of a column). */
  readonly column?: string;
  /** The key columns, for `key-collision`. */
  readonly key?: readonly string[];
  /**
   * Offending or colliding values as text (at most a few): as the source returns them; for a
   * composite key each colliding tuple as `(1, 'a')`.
   */
  readonly values?: readonly string[];
  /** Affected rows the data scan found (0: scanned, none found); undefined when not scanned. */
  readonly rows?: number;
  /** Names the table, column or key; says what happens and what to do. */
  readonly message: string;
}

/** The part of the check options the catalog rules need. */
export interface RuleOptions {
  /** The source engine (whose catalog describes the columns). */
  readonly from: EngineName;
  /** MySQL or MariaDB, when `from` is `mysql`; only changes wording. */
  readonly fromFlavor?: 'mysql' | 'mariadb';
  readonly to: EngineName;
  /** MySQL or MariaDB, when `to` is `mysql`; only changes wording. */
  readonly toFlavor?: 'mysql' | 'mariadb';
  /**
   * The collation character keys get on a MySQL target. Default: `utf8mb4_general_ci` (case- and
   * accent-insensitive, PAD SPACE), MariaDB's default. See {@link keyComparison}.
   */
  readonly targetCollation?: string;
  /** Oracle's identifier limit in bytes: 128 (12.2 and later, the default) or 30. */
  readonly oracleMaxIdentifierLength?: number;
}

/**
 * What the data scan counts for a column, engine-neutral; schema-checker.ts writes the predicate in
 * the source engine's SQL.
 */
export type Probe =
  /** `''` in a character column (MySQL CHAR: also all spaces, which MySQL reads back as `''`). */
  | { readonly kind: 'empty-text' }
  /** Zero-length bytes. */
  | { readonly kind: 'empty-bytes' }
  /** MySQL dates with a zero year, month or day (`0000-00-00`, `2020-00-15`, `0000-01-01`). */
  | { readonly kind: 'zero-date' }
  /** TIME or INTERVAL values below `minSeconds` or above `maxSeconds`. */
  | { readonly kind: 'time-outside'; readonly minSeconds: number; readonly maxSeconds: number }
  /** Dates/timestamps before `min` (when set), from `max` on, or infinite (`YYYY-MM-DD`). */
  | { readonly kind: 'date-outside'; readonly min?: string; readonly max?: string }
  /** |value| ≥ 10^integerDigits (PostgreSQL: NaN and ±Infinity too). */
  | { readonly kind: 'number-above'; readonly integerDigits: number }
  /** More than `scale` digits after the point. */
  | { readonly kind: 'number-scale'; readonly scale: number }
  /** More than `digits` significant digits. */
  | { readonly kind: 'number-significant'; readonly digits: number }
  /** NaN, Infinity, -Infinity. */
  | { readonly kind: 'non-finite' }
  /** PostgreSQL intervals with a year or month part. */
  | { readonly kind: 'interval-months' }
  /** Oracle timestamps/intervals with digits beyond microseconds. */
  | { readonly kind: 'sub-microsecond' }
  /** MySQL TINYINT(1) values other than 0 and 1 (the target is a boolean). */
  | { readonly kind: 'not-boolean' }
  /** MySQL YEAR 0000 (the zero year). */
  | { readonly kind: 'zero-year' }
  /** Text holding U+0000. */
  | { readonly kind: 'nul-char' }
  /** Text holding characters outside the Basic Multilingual Plane (4 bytes in UTF-8: emoji). */
  | { readonly kind: 'four-byte-chars' };

/** A catalog finding for one column, before the checker adds the table name and the scan's counts. */
export interface ColumnIssue {
  readonly kind: RoundTripKind;
  /** Severity from the catalog alone (and when the scan finds nothing). */
  readonly severity: Severity;
  /** What happens to such values on the way to the target and back. */
  readonly what: string;
  /** What to do about it. */
  readonly fix: string;
  /** The data scan that counts the affected rows, when there is one. */
  readonly probe?: Probe;
  /** Severity when the scan finds affected rows; default `blocker`. */
  readonly foundSeverity?: Severity;
  /**
   * Reported only when the scan finds rows: a rare value class (NaN, infinite dates) that would make
   * every column of a type a warning otherwise. Not reported at all without the data scan.
   */
  readonly onlyWhenFound?: boolean;
}

/** Default Oracle identifier limit in bytes (12.2 and later). */
const ORACLE_IDENTIFIER_BYTES = 128;
/** PostgreSQL's NAMEDATALEN − 1: longer names are truncated, silently but for a NOTICE. */
const POSTGRES_IDENTIFIER_BYTES = 63;
/** MySQL/MariaDB identifiers: 64 characters. */
const MYSQL_IDENTIFIER_CHARS = 64;

/** MySQL DECIMAL's limits. */
const MYSQL_DECIMAL_PRECISION = 65;
const MYSQL_DECIMAL_SCALE = 30;
/** Oracle NUMBER: 38 significant digits, magnitude below 1e126. */
const ORACLE_NUMBER_DIGITS = 38;
const ORACLE_INTEGER_DIGITS = 126;
/** MySQL TIME: ±838:59:59. */
const MYSQL_TIME_SECONDS = 838 * 3600 + 59 * 60 + 59;
const SECONDS_PER_DAY = 86_400;

const MYSQL_TEXT = new Set(['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext', 'enum', 'set']);
const MYSQL_BYTES = new Set(['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob']);
const MYSQL_DECIMAL = new Set(['decimal', 'numeric', 'dec', 'fixed']);
const MYSQL_DATES = new Set(['date', 'datetime', 'timestamp']);

const PG_TEXT = new Set(['character varying', 'varchar', 'character', 'bpchar', 'text', 'citext', 'name']);
const PG_FIXED_CHAR = new Set(['character', 'bpchar']);
const PG_DATES = new Set(['date', 'timestamp without time zone', 'timestamp with time zone']);
const PG_FLOATS = new Set(['real', 'double precision']);

const ORACLE_TEXT = new Set(['varchar2', 'varchar', 'nvarchar2', 'char', 'nchar', 'clob', 'nclob', 'long']);
const ORACLE_FIXED_CHAR = new Set(['char', 'nchar']);
const ORACLE_DECIMAL = new Set(['number', 'integer', 'int', 'smallint', 'decimal', 'numeric']);
const ORACLE_TIMESTAMPS = new Set([
  'timestamp',
  'timestamp with time zone',
  'timestamp with local time zone',
]);

/** Character types of each source engine: the key columns a collation folds, the values that can be `''`. */
const TEXT_TYPES: Readonly<Record<EngineName, ReadonlySet<string>>> = {
  mysql: MYSQL_TEXT,
  postgres: PG_TEXT,
  oracle: ORACLE_TEXT,
};

/**
 * The catalog findings for one source column on its way to `options.to`, in a fixed order (name,
 * type support, values). Empty when every value of the column survives the round trip under the
 * documented mapping (see the file comment). A type without a target type (what
 * `translateColumnType` refuses: geometry, arrays, ROWID, …) is a blocker, and nothing else is said
 * about its values.
 */
export function columnIssues(column: ColumnInfo, options: RuleOptions): ColumnIssue[] {
  const issues: ColumnIssue[] = [];
  const name = identifierIssue(column.name, 'column', options);
  if (name) issues.push(name);
  if (options.from === options.to) return issues;
  const missing = unsupportedType(column, options);
  if (missing) return [...issues, missing];
  switch (options.from) {
    case 'mysql':
      issues.push(...fromMysql(column, options));
      break;
    case 'postgres':
      issues.push(...fromPostgres(column, options));
      break;
    case 'oracle':
      issues.push(...fromOracle(column, options));
      break;
  }
  return issues;
}

/**
 * The length finding for a name on the target, or undefined when it fits: Oracle counts bytes
 * (`oracleMaxIdentifierLength`, default 128), PostgreSQL 63 bytes (it truncates longer names), MySQL
 * 64 characters (the limits name-mapping.ts fits names to). A warning: `schema translate` shortens
 * the name and the mapping file routes by it, so no value changes; the operator may prefer to choose
 * the name. `what` says which kind of name it is (`column`, `table`, `index`).
 */
export function identifierIssue(name: string, what: string, options: RuleOptions): ColumnIssue | undefined {
  const bytes = Buffer.byteLength(name, 'utf8');
  const chars = [...name].length;
  let limit: string | undefined;
  switch (options.to) {
    case 'oracle': {
      const max = options.oracleMaxIdentifierLength ?? ORACLE_IDENTIFIER_BYTES;
      if (bytes > max)
        limit = `Oracle allows ${max} bytes${max < ORACLE_IDENTIFIER_BYTES ? ' (before 12.2)' : ''}`;
      break;
    }
    case 'postgres':
      if (bytes > POSTGRES_IDENTIFIER_BYTES)
        limit = `PostgreSQL keeps ${POSTGRES_IDENTIFIER_BYTES} bytes and truncates the rest`;
      break;
    case 'mysql':
      if (chars > MYSQL_IDENTIFIER_CHARS)
        limit = `${flavor(options.toFlavor)} allows ${MYSQL_IDENTIFIER_CHARS} characters`;
      break;
  }
  if (limit === undefined) return undefined;
  const length = chars === bytes ? `${chars} characters` : `${bytes} bytes (${chars} characters)`;
  return {
    kind: 'identifier-length',
    severity: 'warning',
    what: `the ${what} name ${quote(name)} is ${length} long; ${limit}`,
    fix: `schema translate shortens it (prefix and hash); to choose the name, give an override { target: <name> } in the mapping file, or rename it on the source`,
  };
}

/** How the target compares key values, for the collision scan. */
export interface KeyComparison {
  /** For messages: `mariadb (case- and accent-insensitive, PAD SPACE: utf8mb4_general_ci)`. */
  readonly label: string;
  /** Which source values meet there, for a message: `values that differ only in case, …`. */
  readonly risk: string;
  /** What to do about a collision. */
  readonly fix: string;
  /**
   * Whether distinct source values of this key can be equal on the target at all (so whether to
   * scan it): a key with a character column for MySQL; a composite unique key with a nullable column
   * for Oracle.
   */
  applies(columns: readonly ColumnInfo[], primary: boolean): boolean;
  /**
   * A key tuple (each value as text, as read from the source; NULL as null) in the form the target
   * compares, as one string: two tuples collide on the target when their forms are equal. Undefined
   * when the tuple cannot collide with any other (it holds a NULL the target keeps distinct).
   */
  tuple(values: readonly (string | null)[], columns: readonly ColumnInfo[]): string | undefined;
}

/**
 * How `options.to` compares key values that the source holds as distinct, or undefined when no two
 * distinct source key values can become equal there:
 *
 * - **MySQL/MariaDB target**: the character key columns get `targetCollation` (default
 *   `utf8mb4_general_ci`). `_ci` folds case (full Unicode lower case); accent-insensitive (`_ai`, and
 *   the legacy `_ci` collations without `_as`) compares NFD with combining marks removed; PAD SPACE
 *   (every collation but `_0900_`, `_nopad_` and `binary`) ignores trailing spaces; `general_ci` and
 *   `unicode_ci` weigh every character beyond the BMP the same (MySQL manual, Unicode collations). So
 *   PostgreSQL's and Oracle's distinct `'Alice'`/`'alice'`, `'e'`/`'é'`, `'a'`/`'a '` collide. An
 *   approximation of the real weights: `general_ci`'s `'ß' = 's'`, contractions and ignorable
 *   characters are not modelled.
 * - **Oracle target**: byte-wise comparison, but `''` is NULL, and a composite unique key with only
 *   some columns NULL is still unique on the others: `(1, NULL)` twice, or `(1, '')` and `(1, NULL)`,
 *   collide (MySQL and PostgreSQL let such rows be).
 * - **PostgreSQL target**: byte-wise, NULLs distinct. Nothing the source holds as distinct is equal
 *   there: MySQL's PAD SPACE and `_ci` keys are coarser than PostgreSQL's (two values equal in
 *   PostgreSQL are equal in MySQL, so the source cannot hold both), and Oracle's are byte-wise too.
 *   The differences surface in the other direction (`--from postgres --to mysql`), which is a check
 *   of its own.
 */
export function keyComparison(options: RuleOptions): KeyComparison | undefined {
  const text = TEXT_TYPES[options.from];
  const isText = (c: ColumnInfo | undefined): boolean => c !== undefined && text.has(c.dataType);
  switch (options.to) {
    case 'postgres':
      return undefined;
    case 'oracle':
      return {
        label: "oracle ('' is NULL; a unique key with some NULL columns still compares the others)",
        risk: "rows whose non-NULL columns are equal collide there ((1, NULL) twice; '' counts as NULL)",
        fix: 'make the rows distinct on the source (no NULL or empty part that leaves the rest equal), or leave this unique key out of the Oracle table',
        applies: (columns, primary) => !primary && columns.length > 1 && columns.some((c) => c.nullable),
        tuple: (values, columns) => {
          const parts = values.map((v, i) => (v === '' && isText(columns[i]) ? null : v));
          return parts.every((v) => v === null) ? undefined : JSON.stringify(parts);
        },
      };
    case 'mysql': {
      const fold = mysqlFolding(options.targetCollation ?? DEFAULT_MYSQL_COLLATION);
      if (fold === undefined) return undefined;
      return {
        label: `${flavor(options.toFlavor).toLowerCase()} (${fold.traits}: ${fold.collation})`,
        risk: `values that differ only in ${fold.differences} are equal there`,
        fix: 'make the values distinct on the source, or give the target column a collation that tells them apart (utf8mb4_bin; utf8mb4_0900_bin also keeps trailing spaces) with a type override in the mapping file',
        applies: (columns) => columns.some(isText),
        tuple: (values, columns) => {
          if (values.some((v) => v === null)) return undefined;
          return JSON.stringify(values.map((v, i) => (v !== null && isText(columns[i]) ? fold.text(v) : v)));
        },
      };
    }
  }
}

/** MariaDB's default; MySQL 8's is utf8mb4_0900_ai_ci (NO PAD). */
const DEFAULT_MYSQL_COLLATION = 'utf8mb4_general_ci';

/** How a MySQL collation folds text, or undefined when it compares byte for byte without padding. */
function mysqlFolding(
  name: string,
): { collation: string; traits: string; differences: string; text: (v: string) => string } | undefined {
  const collation = name.toLowerCase();
  const binary = collation === 'binary' || collation.endsWith('_bin');
  const caseInsensitive = collation.endsWith('_ci');
  const accentInsensitive = /_ai(_|$)/.test(collation) || (caseInsensitive && !/_as(_|$)/.test(collation));
  const padSpace = collation !== 'binary' && !/_0900_|_nopad_/.test(collation);
  // The general and UCA 4.0.0 collations give every character beyond the BMP the weight of U+FFFD.
  const flatSupplementary = !binary && /_general_|_unicode_ci$|_unicode_(?!520|1400)/.test(collation);
  if (!caseInsensitive && !accentInsensitive && !padSpace && !flatSupplementary) return undefined;
  const sensitivity =
    caseInsensitive && accentInsensitive
      ? 'case- and accent-insensitive'
      : caseInsensitive
        ? 'case-insensitive'
        : accentInsensitive
          ? 'accent-insensitive'
          : 'case- and accent-sensitive';
  const differences = [
    ...(caseInsensitive ? ['case'] : []),
    ...(accentInsensitive ? ['accents'] : []),
    ...(padSpace ? ['trailing spaces'] : []),
    ...(flatSupplementary ? ['characters beyond the BMP (emoji)'] : []),
  ];
  return {
    collation,
    traits: `${sensitivity}, ${padSpace ? 'PAD SPACE' : 'NO PAD'}`,
    differences: differences.join(', ').replace(/, ([^,]*)$/, ' or $1'),
    text: (value) => {
      let v = value;
      if (flatSupplementary) v = v.replace(/[\u{10000}-\u{10FFFF}]/gu, '\uFFFD');
      // Lower case before removing accents: 'İ' lower-cases to 'i' + U+0307, a mark that goes too.
      if (caseInsensitive) v = v.toLowerCase();
      if (accentInsensitive) v = v.normalize('NFD').replace(/\p{M}/gu, '');
      if (padSpace) v = v.replace(/ +$/, '');
      return v;
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Per source engine

function fromMysql(column: ColumnInfo, options: RuleOptions): ColumnIssue[] {
  const type = column.dataType;
  const { to } = options;
  const source = flavor(options.fromFlavor);
  const target = targetName(options);
  const issues: ColumnIssue[] = [];
  if (to === 'oracle') {
    if (MYSQL_TEXT.has(type)) issues.push(emptyString(column, type === 'char' ? 'text-char' : 'text'));
    if (MYSQL_BYTES.has(type)) issues.push(emptyString(column, 'bytes'));
  }
  if (type === 'char') issues.push(charPadding(source, target));
  // TINYINT(1), not TINYINT(1) UNSIGNED: what translateColumnType maps to a boolean.
  if (type === 'tinyint' && /^tinyint\(1\)$/i.test(column.columnType.trim())) {
    issues.push({
      kind: 'number-range',
      severity: 'warning',
      what: `${column.columnType} is mapped to ${to === 'postgres' ? 'boolean' : 'NUMBER(1) checked to 0 and 1'}; values other than 0 and 1 are rejected`,
      fix: 'keep the column to 0 and 1 on the source (a boolean), or map it to a small integer with a type override in the mapping file',
      probe: { kind: 'not-boolean' },
    });
  }
  if (MYSQL_DATES.has(type)) {
    const defaultZero = /^'?0000-00-00/.test(column.defaultValue ?? '');
    issues.push({
      kind: 'zero-date',
      severity: defaultZero ? 'blocker' : 'warning',
      what: `${source} zero dates ('0000-00-00', a zero month or day, year 0) have no ${target} value: they arrive as NULL, or are rejected in a NOT NULL column${defaultZero ? `, and the column's default ${column.defaultValue ?? ''} is one` : ''}`,
      fix: `replace them on the source (NULL, or a real date) and keep sql_mode NO_ZERO_DATE,NO_ZERO_IN_DATE so no new ones appear${defaultZero ? '; give the column another default' : ''}`,
      probe: { kind: 'zero-date' },
    });
  }
  if (type === 'year') {
    issues.push({
      kind: 'zero-date',
      severity: 'warning',
      what: `${source} YEAR 0000 (the zero year) has no ${target} value: Debezium reports it as 1900 and the target's check (0 or 1901–2155) rejects it`,
      fix: 'replace YEAR 0000 on the source with NULL or a real year',
      foundSeverity: 'blocker',
      onlyWhenFound: true,
      probe: { kind: 'zero-year' },
    });
  }
  if (to === 'postgres' && MYSQL_TEXT.has(type)) {
    issues.push({
      kind: 'nul-character',
      severity: 'warning',
      what: `PostgreSQL text cannot hold the character U+0000 (NUL), which ${source} text can: such rows are dead-lettered`,
      fix: 'remove NUL characters on the source (REPLACE(col, CHAR(0), ...)), or map the column to bytea with a type override in the mapping file',
      foundSeverity: 'blocker',
      onlyWhenFound: true,
      probe: { kind: 'nul-char' },
    });
  }
  if ((type === 'enum' || type === 'set') && (column.enumValues ?? []).some((m) => m.includes('?'))) {
    issues.push({
      kind: 'catalog-charset',
      severity: 'warning',
      what: `a member of ${column.columnType} shows '?': ${source}'s catalog (utf8mb3) cannot show 4-byte characters such as emoji, so the translated check may not list the real member; rows holding it would be rejected`,
      fix: "check the members on the source (SHOW CREATE TABLE shows the same '?'), and write the right check or type as an override in the mapping file",
      foundSeverity: 'blocker',
      probe: { kind: 'four-byte-chars' },
    });
  }
  if (type === 'time' && to === 'postgres') {
    issues.push({
      kind: 'time-range',
      severity: 'warning',
      what: `${source} TIME holds -838:59:59 to 838:59:59; PostgreSQL time holds 00:00:00 to 24:00:00, so negative and longer durations are rejected`,
      fix: 'keep the values within a day, or map the column to PostgreSQL interval with a type override in the mapping file',
      probe: { kind: 'time-outside', minSeconds: 0, maxSeconds: SECONDS_PER_DAY },
    });
  }
  if (MYSQL_DECIMAL.has(type)) issues.push(...decimalIssues(column, options));
  return issues;
}

function fromPostgres(column: ColumnInfo, options: RuleOptions): ColumnIssue[] {
  const type = column.dataType;
  const { to } = options;
  const target = targetName(options);
  const issues: ColumnIssue[] = [];
  if (to === 'oracle') {
    // char(n) reads back padded to n spaces, never as '': only varying text can be empty.
    if ((PG_TEXT.has(type) && !PG_FIXED_CHAR.has(type)) || column.enumValues !== undefined) {
      issues.push(emptyString(column, 'text'));
    }
    if (type === 'bytea') issues.push(emptyString(column, 'bytes'));
  }
  if (PG_FIXED_CHAR.has(type) && to === 'mysql') issues.push(charPadding(target, 'PostgreSQL'));
  if (type === 'numeric' || type === 'decimal') issues.push(...decimalIssues(column, options));
  if (PG_FLOATS.has(type) && to === 'mysql') issues.push(nonFinite('float-precision', target));
  if (PG_DATES.has(type)) {
    const min = to === 'mysql' ? '0001-01-01' : undefined;
    issues.push({
      kind: 'time-range',
      severity: 'warning',
      what: `infinite dates and dates ${min === undefined ? 'after' : 'BC or after'} year 9999 have no ${target} value`,
      fix: 'replace them on the source (NULL, or a sentinel date the applications agree on)',
      probe: { kind: 'date-outside', ...(min === undefined ? {} : { min }), max: '10000-01-01' },
      onlyWhenFound: true,
    });
  }
  if (type === 'timestamp with time zone' && to === 'mysql') issues.push(utcDatetime(target, false));
  if (type === 'time with time zone') {
    issues.push({
      kind: 'timezone',
      severity: 'warning',
      what: `${target} has no time of day with a zone: the value is written in UTC and its offset is lost`,
      fix: 'store the time in UTC (time without time zone) on the source, or keep the offset in a column of its own',
    });
  }
  if (type === 'interval') {
    const fields = /^interval\s+(year|month|day|hour|minute|second)(?:\s+to\s+(\w+))?/.exec(
      column.columnType.toLowerCase(),
    );
    if (to === 'mysql') issues.push(intervalAsText(column));
    else if (fields === null) {
      issues.push({
        kind: 'time-range',
        severity: 'warning',
        what: 'a PostgreSQL interval mixes months with days and seconds; Oracle INTERVAL DAY TO SECOND has no months (a month is not a fixed number of days), so values with months are rejected',
        fix: 'keep months out of the values, or split the column into year-to-month and day-to-second parts',
        probe: { kind: 'interval-months' },
      });
    }
  }
  return issues;
}

function fromOracle(column: ColumnInfo, options: RuleOptions): ColumnIssue[] {
  const type = column.dataType;
  const { to } = options;
  const target = targetName(options);
  const issues: ColumnIssue[] = [];
  if (ORACLE_FIXED_CHAR.has(type) && to === 'mysql') issues.push(charPadding(target, 'Oracle'));
  if (ORACLE_DECIMAL.has(type)) issues.push(...decimalIssues(column, options));
  if (to === 'mysql') {
    if (type === 'float' || type === 'real' || type === 'double precision') {
      issues.push({
        kind: 'float-precision',
        severity: 'warning',
        what: `Oracle ${column.columnType} is a decimal number of up to 38 digits; MySQL DOUBLE keeps 15 to 17 and no exact decimal fractions (0.1): values may come back rounded`,
        fix: 'map the column to DECIMAL with a type override in the mapping file if the values must come back identical',
      });
    }
    if (type === 'binary_float' || type === 'binary_double')
      issues.push(nonFinite('float-precision', target));
    if (type === 'date' || ORACLE_TIMESTAMPS.has(type)) {
      issues.push({
        kind: 'time-range',
        severity: 'warning',
        what: `Oracle dates before year 1 (BC) have no ${target} value`,
        fix: 'replace them on the source',
        probe: { kind: 'date-outside', min: '0001-01-01' },
        onlyWhenFound: true,
      });
    }
    if (type === 'interval day to second') {
      issues.push({
        kind: 'time-range',
        severity: 'warning',
        what: `MySQL TIME holds -838:59:59 to 838:59:59 (34 days 22:59:59); longer Oracle ${column.columnType} values are rejected`,
        fix: 'keep the values within ±838:59:59, or map the column to text or a number of microseconds with a type override in the mapping file',
        probe: { kind: 'time-outside', minSeconds: -MYSQL_TIME_SECONDS, maxSeconds: MYSQL_TIME_SECONDS },
      });
    }
    if (type === 'interval year to month') issues.push(intervalAsText(column));
    if (type === 'timestamp with local time zone') issues.push(utcDatetime(target, false));
  }
  if (type === 'timestamp with time zone') issues.push(utcDatetime(target, true));
  const fraction = column.fractionDigits ?? 6;
  if ((ORACLE_TIMESTAMPS.has(type) || type === 'interval day to second') && fraction > 6) {
    issues.push({
      kind: 'fractional-seconds',
      severity: 'warning',
      what: `Oracle ${column.columnType} keeps ${fraction} fractional-second digits; ${target} keeps 6, so digits below the microsecond are cut`,
      fix: 'keep the values to microseconds on the source (TIMESTAMP(6)), or accept the truncation',
      probe: { kind: 'sub-microsecond' },
    });
  }
  return issues;
}

// ---------------------------------------------------------------------------------------------------
// Shared rules

/**
 * The column's type has no target type in `translateColumnType` (the one type mapping), so the column
 * would not be replicated at all.
 */
function unsupportedType(column: ColumnInfo, options: RuleOptions): ColumnIssue | undefined {
  try {
    translateColumnType(column, options.from, options.to);
    return undefined;
  } catch (error) {
    if (!(error instanceof UnsupportedTypeError)) throw error;
    return {
      kind: 'unsupported-type',
      severity: 'blocker',
      what: `${column.columnType} has no ${targetName(options)} type (${/: no \w+ type \((.*)\)$/s.exec(error.message)?.[1] ?? error.message}): schema translate leaves the column out`,
      fix: 'leave the column out of the replicated tables, convert it on the source to a type dbtwin maps (text, JSON), or give its target type with an override { type: … } in the mapping file',
    };
  }
}

/**
 * Exact numbers against the target type `translateColumnType` picks: MySQL `DECIMAL(p,s)` when
 * p ≤ 65 and s ≤ 30, else `DECIMAL(65,30)`; Oracle `NUMBER(p,s)` when p ≤ 38, else `NUMBER` (38
 * significant digits, below 1e126); PostgreSQL `numeric`, which holds every source value. Where the
 * source type allows more than the target holds, a scan counts the values that need it.
 */
function decimalIssues(column: ColumnInfo, options: RuleOptions): ColumnIssue[] {
  const { from, to } = options;
  if (to === 'postgres') return [];
  const unconstrained = column.precision === undefined && column.scale === undefined;
  // Oracle NUMBER(*,s): 38 digits of precision with scale s.
  const precision = column.precision ?? (unconstrained ? Infinity : ORACLE_NUMBER_DIGITS);
  const scale = column.scale ?? (unconstrained ? Infinity : 0);
  // A negative scale (Oracle NUMBER(5,-2)) adds integer digits.
  const integerDigits = unconstrained ? Infinity : precision - scale;
  const declared = unconstrained ? `${column.columnType} (no precision)` : column.columnType;
  const nanToo = from === 'postgres' ? ' (and NaN, ±Infinity)' : '';
  const target = targetName(options);
  const issues: ColumnIssue[] = [];
  if (to === 'mysql') {
    const fits = precision <= MYSQL_DECIMAL_PRECISION && scale <= MYSQL_DECIMAL_SCALE;
    if (fits) return from === 'postgres' ? [nonFinite('number-range', target)] : [];
    const targetIntegers = MYSQL_DECIMAL_PRECISION - MYSQL_DECIMAL_SCALE;
    if (integerDigits > targetIntegers) {
      issues.push({
        kind: 'number-range',
        severity: 'warning',
        what: `${declared} allows ${unconstrained ? 'any number of' : integerDigits} integer digits${nanToo}; it becomes DECIMAL(${MYSQL_DECIMAL_PRECISION},${MYSQL_DECIMAL_SCALE}), which holds ${targetIntegers}: larger values are rejected`,
        fix: 'keep the values within range on the source, or map the column to VARCHAR with a type override in the mapping file',
        probe: { kind: 'number-above', integerDigits: targetIntegers },
      });
    } else if (from === 'postgres') {
      issues.push(nonFinite('number-range', target));
    }
    if (scale > MYSQL_DECIMAL_SCALE) {
      issues.push({
        kind: 'number-precision',
        severity: 'warning',
        what: `${declared} allows ${unconstrained ? 'any number of' : scale} digits after the point; MySQL DECIMAL keeps ${MYSQL_DECIMAL_SCALE}: values with more are rejected or rounded`,
        fix: `round the values to ${MYSQL_DECIMAL_SCALE} decimals on the source, or map the column to VARCHAR with a type override in the mapping file`,
        probe: { kind: 'number-scale', scale: MYSQL_DECIMAL_SCALE },
      });
    }
    return issues;
  }
  // to === 'oracle'
  if (precision > ORACLE_NUMBER_DIGITS) {
    issues.push({
      kind: 'number-precision',
      severity: 'warning',
      what: `${declared} allows ${unconstrained ? 'any number of' : precision} digits; it becomes Oracle NUMBER, which keeps ${ORACLE_NUMBER_DIGITS} significant digits: values with more are rejected`,
      fix: `keep the values to ${ORACLE_NUMBER_DIGITS} significant digits on the source, or map the column to VARCHAR2 with a type override in the mapping file`,
      probe: { kind: 'number-significant', digits: ORACLE_NUMBER_DIGITS },
    });
  }
  if (integerDigits > ORACLE_INTEGER_DIGITS) {
    issues.push({
      kind: 'number-range',
      severity: 'warning',
      what: `${declared} allows values of 1e${ORACLE_INTEGER_DIGITS} and more${nanToo}; Oracle NUMBER does not hold them`,
      fix: 'keep the values within range on the source',
      probe: { kind: 'number-above', integerDigits: ORACLE_INTEGER_DIGITS },
    });
  } else if (from === 'postgres') {
    issues.push(nonFinite('number-range', target));
  }
  return issues;
}

/** `''` (or empty bytes) on the way to Oracle, which stores it as NULL. */
function emptyString(column: ColumnInfo, what: 'text' | 'text-char' | 'bytes'): ColumnIssue {
  const value = what === 'bytes' ? 'empty bytes' : "''";
  const alsoSpaces = what === 'text-char' ? " (a CHAR of spaces reads as '')" : '';
  const probe: Probe = { kind: what === 'bytes' ? 'empty-bytes' : 'empty-text' };
  return column.nullable
    ? {
        kind: 'empty-string',
        severity: 'warning',
        what: `Oracle stores ${value} as NULL: ${value}${alsoSpaces} ${what === 'bytes' ? 'arrive' : 'arrives'} as NULL and ${what === 'bytes' ? 'come' : 'comes'} back as NULL`,
        fix: `harmless if ${value} and NULL mean the same here; otherwise store NULL (or a real value) instead of ${value} on the source`,
        probe,
        foundSeverity: 'warning',
      }
    : {
        kind: 'empty-string',
        severity: 'warning',
        what: `Oracle stores ${value} as NULL and the column is NOT NULL: a row with ${value}${alsoSpaces} cannot be written there`,
        fix: `replace ${value} with a real value on the source, or make the Oracle column nullable with an override in the mapping file`,
        probe,
        foundSeverity: 'blocker',
      };
}

/**
 * CHAR between MySQL (which strips a CHAR's trailing spaces when it reads it) and PostgreSQL/Oracle
 * (which return it padded to its length). The values compare equal on both engines, so nothing is
 * rejected; what applications read differs.
 */
function charPadding(mysql: string, other: string): ColumnIssue {
  return {
    kind: 'char-padding',
    severity: 'warning',
    what: `${mysql} returns a CHAR without its trailing spaces, ${other} pads it to the declared length: 'ab' reads as 'ab   ' on ${other} and trailing spaces are gone on ${mysql} (length, concatenation and application comparisons see the difference)`,
    fix: 'harmless when applications ignore trailing spaces in CHAR values (SQL comparisons on both engines do); otherwise use VARCHAR on both sides',
  };
}

function nonFinite(kind: 'number-range' | 'float-precision', target: string): ColumnIssue {
  return {
    kind,
    severity: 'warning',
    what: `NaN and ±Infinity have no ${target} ${kind === 'number-range' ? 'DECIMAL/NUMBER' : 'FLOAT/DOUBLE'} value: such rows are rejected`,
    fix: 'replace them on the source (NULL, or a sentinel value the applications agree on)',
    probe: { kind: 'non-finite' },
    onlyWhenFound: true,
  };
}

/** An instant (or zoned timestamp) that becomes a MySQL DATETIME in UTC, or a zoned one that keeps only its instant. */
function utcDatetime(target: string, zoned: boolean): ColumnIssue {
  const zone = zoned ? ', and each value’s time zone or offset is lost (it comes back as UTC)' : '';
  return {
    kind: 'timezone',
    severity: 'warning',
    what:
      target === 'PostgreSQL'
        ? `PostgreSQL timestamp with time zone keeps the instant, not the zone${zone}`
        : `${target} has no type with a time zone: the instant is kept as a DATETIME in UTC${zone}`,
    fix:
      target === 'PostgreSQL'
        ? 'store instants in UTC on the source, or keep the zone in a column of its own'
        : `make sure applications read the ${target} column as UTC, not as local time${zoned ? '; keep the zone in a column of its own if it matters' : ''}`,
  };
}

/** Intervals with months, which MySQL keeps as ISO-8601 text (`translateColumnType`: VARCHAR(64)). */
function intervalAsText(column: ColumnInfo): ColumnIssue {
  return {
    kind: 'unsupported-type',
    severity: 'warning',
    what: `MySQL has no interval type for ${column.columnType}: it is kept as ISO-8601 text (P1Y2M3DT4H) in a VARCHAR, without interval arithmetic on the MySQL side`,
    fix: 'check that applications on the MySQL side can read the text form, or override the type in the mapping file',
  };
}

/** `MySQL`, `MariaDB`, `PostgreSQL` or `Oracle`, for the target. */
function targetName(options: RuleOptions): string {
  return options.to === 'mysql'
    ? flavor(options.toFlavor)
    : options.to === 'postgres'
      ? 'PostgreSQL'
      : 'Oracle';
}

function flavor(which: 'mysql' | 'mariadb' | undefined): string {
  return which === 'mariadb' ? 'MariaDB' : 'MySQL';
}

function quote(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
