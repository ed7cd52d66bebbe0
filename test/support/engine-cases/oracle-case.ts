import type { Value } from '../../../src/core/values.js';
import type { ConnectionOptions } from '../../../src/engines/engine-driver.js';
import { oracleDialect } from '../../../src/engines/oracle/oracle-dialect.js';
import type { EngineCase, TableShape } from '../engine-contract.js';

/** Shown by the contract suite when no Oracle server is configured (none runs on these machines). */
export const ORACLE_SKIP_REASON =
  'ORACLE_URL not set: no Oracle server on this machine (set ORACLE_URL=oracle://user:pw@host:port/service to run)';

/**
 * Where the live Oracle suite connects: `ORACLE_URL=oracle://user:pw@host:1521/FREEPDB1` (the path is
 * the service name), or why it is skipped. The test schema is `ORACLE_SCHEMA`, else the user's own.
 */
export function oracleConnectionFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): { connection: ConnectionOptions; schema: string } | { skip: string } {
  const raw = env['ORACLE_URL'];
  if (raw === undefined || raw.trim() === '') return { skip: ORACLE_SKIP_REASON };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { skip: 'ORACLE_URL is set but is not a URL (expected oracle://user:pw@host:port/service)' };
  }
  const service = decodeURIComponent(url.pathname.replace(/^\//, ''));
  const user = decodeURIComponent(url.username);
  if (url.protocol !== 'oracle:' || url.hostname === '' || user === '' || service === '') {
    return { skip: 'ORACLE_URL is set but malformed (expected oracle://user:pw@host:port/service)' };
  }
  const schema = env['ORACLE_SCHEMA']?.trim() || user.toUpperCase();
  return {
    connection: {
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port === '' ? 1521 : Number(url.port),
      user,
      password: decodeURIComponent(url.password),
      database: service,
    },
    schema,
  };
}

const target = oracleConnectionFromEnv();
const schema = 'schema' in target ? target.schema : 'DBTWIN';
/** The schema quoted for DDL; table names stay unquoted, so Oracle folds them to upper case. */
const owner = `"${schema}"`;

function createTable(table: string, shape: TableShape): string[] {
  if (shape === 'composite') {
    return [
      `CREATE TABLE ${owner}.${table} (tenant VARCHAR2(20 CHAR) NOT NULL, seq NUMBER(10,0) NOT NULL,` +
        ` label VARCHAR2(50 CHAR), CONSTRAINT ${table}_pk PRIMARY KEY (tenant, seq))`,
    ];
  }
  return [
    `CREATE TABLE ${owner}.${table} (` +
      [
        'id NUMBER(19,0) NOT NULL',
        'name VARCHAR2(100 CHAR) NOT NULL',
        'code VARCHAR2(20 CHAR)',
        'amount NUMBER(30,10)',
        'big NUMBER(20,0)',
        'ratio BINARY_DOUBLE',
        'flag NUMBER(1,0)',
        'born DATE',
        'seen_at TIMESTAMP(6)',
        'at_tz TIMESTAMP(6) WITH TIME ZONE',
        'span INTERVAL DAY(2) TO SECOND(6)',
        'doc CLOB',
        'payload BLOB',
        `CONSTRAINT ${table}_pk PRIMARY KEY (id)`,
        `CONSTRAINT ${table}_uk UNIQUE (code)`,
      ].join(', ') +
      ')',
  ];
}

function dropTable(table: string): string[] {
  // No DROP TABLE IF EXISTS before 23ai: ignore ORA-00942 (table or view does not exist) only.
  return [
    `BEGIN EXECUTE IMMEDIATE 'DROP TABLE ${owner}.${table} PURGE';` +
      ' EXCEPTION WHEN OTHERS THEN IF SQLCODE != -942 THEN RAISE; END IF; END;',
  ];
}

const MICROS_PER_DAY = 86_400_000_000n;

/**
 * What Oracle holds for a written value where that differs in form but not in meaning: `''` and empty
 * bytes are NULL; booleans are NUMBER(1) 1/0; DATE has a time of day (a date reads back as midnight);
 * a MySQL TIME is an INTERVAL DAY TO SECOND; NUMBER(10,0) integers read back as bigints.
 */
function canonical(column: string, value: Value): Value {
  if (value === '' || (value instanceof Uint8Array && value.length === 0)) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (column === 'seq' && typeof value === 'number') return BigInt(value);
  if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array)) {
    if (value.type === 'date')
      return { type: 'timestamp', micros: BigInt(value.days) * MICROS_PER_DAY, nanos: 0 };
    if (value.type === 'time') return { type: 'interval', micros: value.micros };
  }
  return value;
}

/** Oracle Database through node-oracledb Thin, for the shared engine contract (test/support/engine-contract.ts). */
export const oracleCase: EngineCase = {
  name: 'oracle (ORACLE_URL)',
  dialect: oracleDialect,
  connection: 'connection' in target ? target.connection : { skip: target.skip },
  schema,
  createTable,
  dropTable,
  param: (n) => `:${n}`,
  dataTypes: {
    id: 'number',
    name: 'varchar2',
    code: 'varchar2',
    amount: 'number',
    big: 'number',
    ratio: 'binary_double',
    flag: 'number',
    born: 'date',
    seen_at: 'timestamp',
    at_tz: 'timestamp with time zone',
    span: 'interval day to second',
    doc: 'clob',
    payload: 'blob',
  },
  vendorCodes: { duplicate: 'ORA-00001', deadlock: 'ORA-00060' },
  canonical,
};
