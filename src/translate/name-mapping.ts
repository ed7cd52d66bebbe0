import { createHash } from 'node:crypto';
import type { EngineName } from '../core/change-event.js';

/** Options of {@link NameMapper}. */
export interface NameMappingOptions {
  /**
   * Oracle's identifier limit in bytes: 128 from 12.2 (default), 30 before (or with COMPATIBLE below
   * 12.2). Longer names are shortened (see {@link fitIdentifier}).
   */
  readonly oracleMaxIdentifierLength?: number;
}

/** One name and what it becomes on the target. */
export interface MappedName {
  readonly source: string;
  readonly target: string;
  /** The target name was cut to the engine's limit (prefix + hash of the source name). */
  readonly shortened: boolean;
}

/** Oracle identifiers since 12.2: 128 bytes. */
const ORACLE_MAX_IDENTIFIER_BYTES = 128;
/** PostgreSQL NAMEDATALEN - 1: longer names are silently truncated by the server, so dbtwin shortens them itself. */
const POSTGRES_MAX_IDENTIFIER_BYTES = 63;
/** MySQL identifiers: 64 characters. */
const MYSQL_MAX_IDENTIFIER_CHARS = 64;

/**
 * Maps table, column, key, index and constraint names from one engine to another (design §5).
 *
 * - Case: a name that the source would have folded (Oracle upper case, PostgreSQL lower case; every
 *   regular MySQL name, as MySQL matches column names ignoring case) becomes the target's folded form,
 *   so unquoted SQL keeps working: MySQL `order_items` → Oracle `ORDER_ITEMS`; Oracle `ORDER_ITEMS` →
 *   `order_items`. Any other name (`"Order Items"`, `"MixedCase"` in Oracle/PostgreSQL) is kept exactly
 *   and will be quoted.
 * - Length: names over the target's limit (Oracle `oracleMaxIdentifierLength` bytes, PostgreSQL 63
 *   bytes, MySQL 64 characters) are shortened deterministically by {@link fitIdentifier}.
 * - Uniqueness: {@link NameMapper.unique} hands out names unique within a namespace (case-insensitively,
 *   as MySQL compares them), adding a hash when a shortened or prefixed name collides.
 */
export class NameMapper {
  constructor(
    private readonly from: EngineName,
    private readonly to: EngineName,
    private readonly options: NameMappingOptions = {},
  ) {}

  /** A table or column name on the target (folded, then fitted to the length limit). */
  map(source: string): MappedName {
    return this.fit(source, this.fold(source));
  }

  /** The target spelling of a source name before any length limit: see {@link foldName}. */
  fold(source: string): string {
    return foldName(source, this.from, this.to);
  }

  /** `target` (an operator's override, used as given) fitted to the limit. */
  fit(source: string, target: string): MappedName {
    const fitted = fitIdentifier(target, this.to, this.options);
    return { source, target: fitted, shortened: fitted !== target };
  }

  /**
   * `candidate` (in target form, not yet fitted to the limit), or a variant of it, that `taken` does
   * not hold yet; the result is added to `taken`. Variants are deterministic: `<candidate>_2`, `_3`, …
   * fitted to the limit. `shortened` is set when the result differs from `candidate`.
   */
  unique(source: string, candidate: string, taken: Set<string>): MappedName {
    let mapped = this.fit(source, candidate);
    for (let n = 2; taken.has(mapped.target.toLowerCase()); n++) {
      const fitted = fitIdentifier(`${candidate}_${n}`, this.to, this.options, `_${n}`);
      mapped = { source, target: fitted, shortened: true };
    }
    taken.add(mapped.target.toLowerCase());
    return mapped;
  }

  /** A derived name (`orders_pk`, `orders_total_ck`) in the target's case, fitted and unique in `taken`. */
  derived(parts: readonly string[], taken: Set<string>): MappedName {
    const joined = parts.join('_');
    return this.unique(joined, foldName(joined, 'mysql', this.to), taken);
  }
}

/**
 * The target spelling of a name: the target's folded case when the source would have folded it (see
 * {@link NameMapper}); exactly the source name otherwise.
 */
export function foldName(name: string, from: EngineName, to: EngineName): string {
  if (from === to) return name;
  const regular = /^[A-Za-z_][A-Za-z0-9_$#]*$/.test(name);
  const folded =
    from === 'mysql'
      ? regular
      : from === 'oracle'
        ? name === name.toUpperCase()
        : name === name.toLowerCase();
  if (!folded || !regular) return name;
  if (to === 'oracle') return name.toUpperCase();
  return name.toLowerCase();
}

/**
 * `name` within the target's identifier limit: unchanged when it fits; otherwise its longest prefix
 * that leaves room for `_` + the first 8 hex digits of SHA-256(name) (+ `suffix`), cut on a character
 * boundary. Deterministic, so translating twice gives the same names, and two long names that share
 * a prefix still differ.
 */
export function fitIdentifier(
  name: string,
  engine: EngineName,
  options: NameMappingOptions = {},
  suffix = '',
): string {
  const limit = identifierLimit(engine, options);
  const size = (s: string): number => (limit.unit === 'bytes' ? Buffer.byteLength(s, 'utf8') : [...s].length);
  if (size(name) <= limit.max) return name;
  const hex = createHash('sha256').update(name).digest('hex').slice(0, 8);
  // The hash in the name's own case, so an upper-case Oracle name stays a regular (unquoted) one.
  const tail = `_${/[a-z]/.test(name) || !/[A-Z]/.test(name) ? hex : hex.toUpperCase()}${suffix}`;
  let prefix = '';
  for (const ch of name) {
    if (size(prefix + ch + tail) > limit.max) break;
    prefix += ch;
  }
  return prefix + tail;
}

/** The identifier length limit of an engine. */
function identifierLimit(
  engine: EngineName,
  options: NameMappingOptions = {},
): { readonly max: number; readonly unit: 'bytes' | 'characters' } {
  switch (engine) {
    case 'oracle':
      return { max: options.oracleMaxIdentifierLength ?? ORACLE_MAX_IDENTIFIER_BYTES, unit: 'bytes' };
    case 'postgres':
      return { max: POSTGRES_MAX_IDENTIFIER_BYTES, unit: 'bytes' };
    case 'mysql':
      return { max: MYSQL_MAX_IDENTIFIER_CHARS, unit: 'characters' };
  }
}

/**
 * Whether a catalog name must be quoted to mean itself in the engine's SQL: it is not a regular
 * unquoted identifier (letters, digits, `_`, `$`, Oracle `#`; Oracle: starting with a letter), it is
 * not in the case the engine folds unquoted names to (Oracle upper, PostgreSQL lower), or it is a
 * reserved word.
 */
export function needsQuoting(name: string, engine: EngineName): boolean {
  switch (engine) {
    case 'oracle':
      return (
        !/^[A-Z][A-Z0-9_$#]*$/.test(name) || ORACLE_RESERVED.has(name) || PLSQL_GRAMMAR_KEYWORDS.has(name)
      );
    case 'postgres':
      return !/^[a-z_][a-z0-9_$]*$/.test(name) || POSTGRES_RESERVED.has(name);
    case 'mysql':
      // A leading digit is legal but `1e5` would read as a number.
      return !/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) || MYSQL_RESERVED.has(name.toUpperCase());
  }
}

/** Oracle SQL reserved words (SQL Language Reference, appendix "Oracle SQL Reserved Words"). */
const ORACLE_RESERVED = new Set(
  `ACCESS ADD ALL ALTER AND ANY AS ASC AUDIT BETWEEN BY CHAR CHECK CLUSTER COLUMN COLUMN_VALUE COMMENT
  COMPRESS CONNECT CREATE CURRENT DATE DECIMAL DEFAULT DELETE DESC DISTINCT DROP ELSE EXCLUSIVE EXISTS
  FILE FLOAT FOR FROM GRANT GROUP HAVING IDENTIFIED IMMEDIATE IN INCREMENT INDEX INITIAL INSERT INTEGER
  INTERSECT INTO IS LEVEL LIKE LOCK LONG MAXEXTENTS MINUS MLSLABEL MODE MODIFY NESTED_TABLE_ID NOAUDIT
  NOCOMPRESS NOT NOWAIT NULL NUMBER OF OFFLINE ON ONLINE OPTION OR ORDER PCTFREE PRIOR PRIVILEGES
  PUBLIC RAW RENAME RESOURCE REVOKE ROW ROWID ROWNUM ROWS SELECT SESSION SET SHARE SIZE SMALLINT START
  SUCCESSFUL SYNONYM SYSDATE TABLE THEN TO TRIGGER UID UNION UNIQUE UPDATE USER VALIDATE VALUES VARCHAR
  VARCHAR2 VIEW WHENEVER WHERE WITH`.split(/\s+/),
);

/**
 * Words Oracle takes unquoted but the PL/SQL grammar every generated Oracle statement is checked with
 * (antlr4ts-sql 1.1.0) does not: each token of its lexer was tried as a table, column, index and
 * constraint name. Quoting an upper-case name does not change it for Oracle.
 */
const PLSQL_GRAMMAR_KEYWORDS = new Set(
  `AUTOBACKUP BACKUPSET CANONICAL CHANGETRACKING DATAGUARDCONFIG DECODE DUMPSET ELSIF END GOTO NATURALN
  ONLINELOG PARAMETERFILE PIPE RELIES_ON SEQ TIMEZONE XDB XMLINDEX XTRANSPORT`.split(/\s+/),
);

/** PostgreSQL 15 keywords of categories R and T (`pg_get_keywords()`), the ones no column or table may be called unquoted. */
const POSTGRES_RESERVED = new Set(
  `all analyse analyze and any array as asc asymmetric authorization binary both case cast check collate
  collation column concurrently constraint create cross current_catalog current_date current_role
  current_schema current_time current_timestamp current_user default deferrable desc distinct do else
  end except false fetch for foreign freeze from full grant group having ilike in initially inner
  intersect into is isnull join lateral leading left like limit localtime localtimestamp natural not
  notnull null offset on only or order outer overlaps placing primary references returning right select
  session_user similar some symmetric table tablesample then to trailing true union unique user using
  variadic verbose when where window with`.split(/\s+/),
);

/**
 * MariaDB 10.11 words refused as an unquoted column name (each of information_schema.KEYWORDS tried),
 * plus MySQL 8's reserved words MariaDB does not reserve.
 */
const MYSQL_RESERVED = new Set(
  `ACCESSIBLE ADD ALL ALTER ANALYZE AND AS ASC ASENSITIVE BEFORE BETWEEN BIGINT BINARY BLOB BOTH BY CALL
  CASCADE CASE CHANGE CHAR CHARACTER CHECK COLLATE COLUMN CONDITION CONSTRAINT CONTINUE CONVERT CREATE
  CROSS CURRENT_DATE CURRENT_ROLE CURRENT_TIME CURRENT_TIMESTAMP CURRENT_USER CURSOR DATABASES DAY_HOUR
  DAY_MICROSECOND DAY_MINUTE DAY_SECOND DEC DECIMAL DECLARE DEFAULT DELAYED DELETE DELETE_DOMAIN_ID DESC
  DESCRIBE DETERMINISTIC DISTINCT DISTINCTROW DIV DOUBLE DO_DOMAIN_IDS DROP DUAL EACH ELSE ELSEIF
  ENCLOSED ESCAPED EXCEPT EXISTS EXIT EXPLAIN FALSE FETCH FLOAT FLOAT4 FLOAT8 FOR FORCE FOREIGN FROM
  FULLTEXT GRANT GROUP HAVING HIGH_PRIORITY HOUR_MICROSECOND HOUR_MINUTE HOUR_SECOND IF IGNORE
  IGNORE_DOMAIN_IDS INTERSECT IN INDEX INFILE INNER INOUT INSENSITIVE INSERT INT INT1 INT2 INT3 INT4
  INT8 INTEGER INTERVAL INTO IS ITERATE JOIN KEY KEYS KILL LEADING LEAVE LEFT LIKE LIMIT LINEAR LINES
  LOAD LOCALTIME LOCALTIMESTAMP LOCK LONG LONGBLOB LONGTEXT LOOP LOW_PRIORITY
  MASTER_SSL_VERIFY_SERVER_CERT MASTER_DEMOTE_TO_REPLICA MASTER_DEMOTE_TO_SLAVE MATCH MAXVALUE MEDIUMBLOB
  MEDIUMINT MEDIUMTEXT MIDDLEINT MINUTE_MICROSECOND MINUTE_SECOND MOD MODIFIES NATURAL NOT
  NO_WRITE_TO_BINLOG NULL NUMERIC OFFSET ON OPTIMIZE OPTIONALLY OR ORDER OUT OUTER OUTFILE OVER
  PAGE_CHECKSUM PARSE_VCOL_EXPR PARTITION PORTION PRECISION PRIMARY PROCEDURE PURGE RANGE READ
  READ_WRITE READS REAL RECURSIVE REFERENCES REGEXP RELEASE RENAME REPLACE REPEAT REQUIRE RESIGNAL
  RESTRICT RETURN RETURNING REVOKE RIGHT RLIKE ROWS ROW_NUMBER SCHEMAS SECOND_MICROSECOND SELECT
  SENSITIVE SEPARATOR SET SHOW SIGNAL SMALLINT SPATIAL SPECIFIC REF_SYSTEM_ID SQL SQLEXCEPTION SQLSTATE
  SQLWARNING SQL_BIG_RESULT SQL_CALC_FOUND_ROWS SQL_SMALL_RESULT SSL STARTING STATS_AUTO_RECALC
  STATS_PERSISTENT STATS_SAMPLE_PAGES STRAIGHT_JOIN TABLE TERMINATED THEN TINYBLOB TINYINT TINYTEXT TO
  TRAILING TRIGGER TRUE UNDO UNION UNIQUE UNLOCK UNSIGNED UPDATE USAGE USE USING UTC_DATE UTC_TIME
  UTC_TIMESTAMP VALUES VARBINARY VARCHAR VARCHARACTER VARYING WHEN WHERE WHILE WITH WRITE XOR YEAR_MONTH
  ZEROFILL
  CUBE CUME_DIST DATABASE DENSE_RANK EMPTY FIRST_VALUE FUNCTION GENERATED GET GROUPING GROUPS
  IO_AFTER_GTIDS IO_BEFORE_GTIDS JSON_TABLE LAG LAST_VALUE LATERAL LEAD MANUAL MASTER_BIND NTH_VALUE
  NTILE OF OPTIMIZER_COSTS PARALLEL PERCENT_RANK QUALIFY RANK ROW SCHEMA STORED SYSTEM VIRTUAL WINDOW`.split(
    /\s+/,
  ),
);
