import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ColumnInfo, CompiledStatement, TableInfo } from '../../src/engines/dialect.js';
import { ORACLE_PROBE, ORACLE_SESSION_SETUP } from '../../src/engines/oracle/oracle-driver.js';
import { COLUMNS_SQL, KEYS_SQL, TABLES_SQL } from '../../src/engines/oracle/oracle-introspector.js';
import { OracleSqlCompiler } from '../../src/engines/oracle/oracle-sql-compiler.js';
import { OracleTypeCodec } from '../../src/engines/oracle/oracle-type-codec.js';
import { formatPlsqlErrors, plsqlSyntaxErrors } from '../support/plsql-grammar.js';

/**
 * Every statement the Oracle compiler generates, for a set of representative tables, is parsed by
 * the PL/SQL grammar of antlr4ts-sql (design §8): no Oracle server runs here, so this is what stands
 * between a typo in generated SQL and ORA-00900-something in production.
 */

let position = 0;
function col(
  name: string,
  dataType: string,
  columnType: string,
  extra: Partial<ColumnInfo> = {},
): ColumnInfo {
  position += 1;
  return { name, position, dataType, columnType, nullable: true, ...extra };
}

const singleKey: TableInfo = {
  schema: 'APP',
  name: 'ORDERS',
  columns: [
    col('ID', 'number', 'NUMBER(19,0)', { precision: 19, scale: 0, nullable: false }),
    col('NAME', 'varchar2', 'VARCHAR2(100 CHAR)', { length: 100, lengthSemantics: 'char' }),
    col('AMOUNT', 'number', 'NUMBER(30,10)', { precision: 30, scale: 10 }),
  ],
  primaryKey: ['ID'],
  uniqueKeys: [],
};

const compositeKey: TableInfo = {
  schema: 'APP',
  name: 'ORDER_LINES',
  columns: [
    col('ORDER_ID', 'number', 'NUMBER(19,0)', { precision: 19, scale: 0, nullable: false }),
    col('LINE_NO', 'number', 'NUMBER(5,0)', { precision: 5, scale: 0, nullable: false }),
    col('SKU', 'char', 'CHAR(12 BYTE)', { length: 12, lengthSemantics: 'byte' }),
    col('QTY', 'number', 'NUMBER(10,2)', { precision: 10, scale: 2 }),
  ],
  primaryKey: ['ORDER_ID', 'LINE_NO'],
  uniqueKeys: [['SKU']],
};

const allKey: TableInfo = {
  schema: 'APP',
  name: 'TAGS',
  columns: [
    col('ITEM_ID', 'number', 'NUMBER(19,0)', { precision: 19, scale: 0, nullable: false }),
    col('TAG', 'varchar2', 'VARCHAR2(50 BYTE)', { length: 50, lengthSemantics: 'byte', nullable: false }),
  ],
  primaryKey: ['ITEM_ID', 'TAG'],
  uniqueKeys: [],
};

/** One column of every type the codec writes. */
const everyType: TableInfo = {
  schema: 'APP',
  name: 'EVERY_TYPE',
  columns: [
    col('ID', 'number', 'NUMBER(10,0)', { precision: 10, scale: 0, nullable: false }),
    col('N_PS', 'number', 'NUMBER(12,3)', { precision: 12, scale: 3 }),
    col('N_ANY', 'number', 'NUMBER'),
    col('N_INT', 'number', 'NUMBER(*,0)', { scale: 0 }),
    col('FLAG', 'number', 'NUMBER(1,0)', { precision: 1, scale: 0 }),
    col('FL', 'float', 'FLOAT(126)', { precision: 126 }),
    col('BF', 'binary_float', 'BINARY_FLOAT'),
    col('BD', 'binary_double', 'BINARY_DOUBLE'),
    col('VC_CHAR', 'varchar2', 'VARCHAR2(200 CHAR)', { length: 200, lengthSemantics: 'char' }),
    col('VC_BYTE', 'varchar2', 'VARCHAR2(200 BYTE)', { length: 200, lengthSemantics: 'byte' }),
    col('CH', 'char', 'CHAR(12 CHAR)', { length: 12, lengthSemantics: 'char' }),
    col('NVC', 'nvarchar2', 'NVARCHAR2(100)', { length: 100, lengthSemantics: 'char' }),
    col('NCH', 'nchar', 'NCHAR(5)', { length: 5, lengthSemantics: 'char' }),
    col('TX', 'clob', 'CLOB'),
    col('NTX', 'nclob', 'NCLOB'),
    col('JS', 'clob', 'CLOB'),
    col('BL', 'blob', 'BLOB'),
    col('RW', 'raw', 'RAW(16)', { length: 16 }),
    col('DT', 'date', 'DATE'),
    col('TS0', 'timestamp', 'TIMESTAMP(0)', { fractionDigits: 0 }),
    col('TS6', 'timestamp', 'TIMESTAMP(6)', { fractionDigits: 6 }),
    col('TS9', 'timestamp', 'TIMESTAMP(9)', { fractionDigits: 9 }),
    col('TSTZ', 'timestamp with time zone', 'TIMESTAMP(6) WITH TIME ZONE', { fractionDigits: 6 }),
    col('TSLTZ', 'timestamp with local time zone', 'TIMESTAMP(6) WITH LOCAL TIME ZONE', {
      fractionDigits: 6,
    }),
    col('IV', 'interval day to second', 'INTERVAL DAY(2) TO SECOND(6)', { precision: 2, fractionDigits: 6 }),
  ],
  primaryKey: ['ID'],
  uniqueKeys: [],
};

/** Names that only parse quoted: lower and mixed case, spaces, reserved words, symbols, non-ASCII, 128 bytes. */
const quotedNames: TableInfo = {
  schema: 'app user',
  name: 'Order Items',
  columns: [
    col('select', 'number', 'NUMBER(9,0)', { precision: 9, scale: 0, nullable: false }),
    col('Line No', 'number', 'NUMBER(5,0)', { precision: 5, scale: 0, nullable: false }),
    col('from', 'varchar2', 'VARCHAR2(10 CHAR)', { length: 10, lengthSemantics: 'char' }),
    col('größe %', 'timestamp', 'TIMESTAMP(6)', { fractionDigits: 6 }),
    col('a-b.c', 'date', 'DATE'),
    col('X'.repeat(128), 'number', 'NUMBER(3,0)', { precision: 3, scale: 0 }),
  ],
  primaryKey: ['select', 'Line No'],
  uniqueKeys: [],
};

const TABLES = [singleKey, compositeKey, allKey, everyType, quotedNames];

/**
 * Every statement the compiler makes for a table: full and key-only upserts, deletes, small and split
 * selects, the first and a later keyset page (all columns and key only), and the row count.
 */
function statementsFor(table: TableInfo): CompiledStatement[] {
  const compiler = new OracleSqlCompiler();
  const all = table.columns.map((c) => c.name);
  const keyOf = (i: number): string[] => table.primaryKey.map(() => String(i));
  const nonKey = table.columns.filter((c) => !table.primaryKey.includes(c.name)).slice(0, 1);
  const some = table.columns
    .filter((c) => table.primaryKey.includes(c.name) || nonKey.includes(c))
    .map((c) => c.name);
  return [
    ...compiler.upsert(table, all, [all.map(() => null)]),
    ...compiler.upsert(table, some, [some.map(() => null)]),
    ...compiler.upsert(table, table.primaryKey, [keyOf(1)]),
    ...compiler.deleteByKeys(table, [keyOf(1), keyOf(2)]),
    ...compiler.selectByKeys(table, [keyOf(1)]),
    ...compiler.selectByKeys(
      table,
      Array.from({ length: 1001 }, (_, i) => keyOf(i)),
    ),
    compiler.selectPage(table, { limit: 500 }),
    compiler.selectPage(table, { limit: 500, after: keyOf(1) }),
    compiler.selectPage(table, { limit: 500, after: keyOf(1), keyOnly: true }),
    compiler.countRows(table),
  ];
}

function assertParses(sql: string): void {
  const errors = plsqlSyntaxErrors(sql);
  assert.equal(errors.length, 0, formatPlsqlErrors(sql, errors));
}

describe('generated Oracle SQL parses with the PL/SQL grammar', () => {
  for (const table of TABLES) {
    it(`${table.schema}.${table.name}: every upsert, delete, select, page and count`, () => {
      const statements = statementsFor(table);
      assert.ok(statements.length >= 10);
      for (const statement of statements) assertParses(statement.sql);
    });
  }

  it('all-key tables get a MERGE without WHEN MATCHED, and that parses', () => {
    const [merge] = new OracleSqlCompiler().upsert(allKey, ['ITEM_ID', 'TAG'], [['1', 'a']]);
    assert.doesNotMatch(merge!.sql, /WHEN MATCHED/);
    assertParses(merge!.sql);
  });

  it('the IN list split at 1000 keys really is in the parsed select', () => {
    const [select] = new OracleSqlCompiler().selectByKeys(
      compositeKey,
      Array.from({ length: 1001 }, (_, i) => [String(i), '1']),
    );
    assert.match(
      select!.sql,
      / OR \("ORDER_ID", "LINE_NO"\) IN \(\(TO_NUMBER\(:2001\), TO_NUMBER\(:2002\)\)\)$/,
    );
    assertParses(select!.sql);
  });

  it('the probe and the catalog queries parse too', () => {
    for (const sql of [ORACLE_PROBE, COLUMNS_SQL, KEYS_SQL, TABLES_SQL]) assertParses(sql);
  });

  it('(the grammar cannot check ALTER SESSION: its parameter_value is an identifier, never a string literal)', () => {
    // grammars-v4 PlSqlParser.g4: `alter_session_set_clause: parameter_name '=' parameter_value` with
    // `parameter_value: regular_id`, so even Oracle's documented `ALTER SESSION SET NLS_DATE_FORMAT =
    // 'YYYY MM DD'` is rejected. The session setup is pinned by this assertion instead.
    assert.ok(plsqlSyntaxErrors(`ALTER SESSION SET NLS_DATE_FORMAT = 'YYYY MM DD'`).length > 0);
    assert.match(
      ORACLE_SESSION_SETUP,
      /^ALTER SESSION SET TIME_ZONE = '\+00:00' NLS_DATE_FORMAT = '[^']+' NLS_TIMESTAMP_FORMAT = '[^']+' NLS_TIMESTAMP_TZ_FORMAT = '[^']+' NLS_NUMERIC_CHARACTERS = '\.,'$/,
    );
  });

  it('every column type of the representative table is one the codec writes', () => {
    const codec = new OracleTypeCodec();
    for (const column of everyType.columns) {
      assert.doesNotThrow(() => codec.encode(null, { ...column, nullable: true }));
      assert.throws(
        () => codec.encode({ type: 'bits', bytes: new Uint8Array([1]), length: 1 }, column),
        /cannot be stored|no text form|cannot write/,
        column.name,
      );
    }
  });
});

describe('the grammar check bites', () => {
  const good = new OracleSqlCompiler().upsert(singleKey, ['ID', 'NAME'], [['1', 'a']])[0]!.sql;

  it('accepts the good MERGE it is compared against', () => {
    assertParses(good);
  });

  it('reports a MERGE whose ON condition lacks its parentheses', () => {
    const broken = good.replace('ON (t."ID" = s."ID")', 'ON t."ID" = s."ID"');
    assert.notEqual(broken, good);
    assert.ok(plsqlSyntaxErrors(broken).length > 0, broken);
  });

  it('reports a MERGE with a missing THEN and a dangling SET', () => {
    const broken = good.replace(
      'WHEN MATCHED THEN UPDATE SET t."NAME" = s."NAME"',
      'WHEN MATCHED UPDATE SET t."NAME" =',
    );
    const errors = plsqlSyntaxErrors(broken);
    assert.ok(errors.length > 0, broken);
    assert.ok(errors.every((e) => e.line === 1 && e.near.length > 0));
  });

  it('reports MySQL and PostgreSQL upsert syntax, an unquoted bad identifier, and two statements', () => {
    assert.ok(
      plsqlSyntaxErrors('INSERT INTO t (a) VALUES (:1) ON DUPLICATE KEY UPDATE a = VALUES(a)').length > 0,
    );
    assert.ok(plsqlSyntaxErrors('INSERT INTO t (a) VALUES (:1) ON CONFLICT (a) DO NOTHING').length > 0);
    assert.ok(plsqlSyntaxErrors('SELECT 1 FROM order items').length > 0);
    assert.ok(plsqlSyntaxErrors('SELECT 1 FROM dual; SELECT 2 FROM dual').length > 0);
  });
});
