import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DbtwinError } from '../../src/core/dbtwin-error.js';
import { ErrorCode } from '../../src/core/error-codes.js';
import type { ColumnInfo, TableInfo } from '../../src/engines/dialect.js';
import { oracleDialect } from '../../src/engines/oracle/oracle-dialect.js';
import { OracleSqlCompiler } from '../../src/engines/oracle/oracle-sql-compiler.js';

function col(name: string, dataType: string, extra: Partial<ColumnInfo> = {}): ColumnInfo {
  return { name, position: 0, dataType, columnType: dataType.toUpperCase(), nullable: true, ...extra };
}

const orders: TableInfo = {
  schema: 'APP',
  name: 'ORDERS',
  columns: [
    col('ID', 'number', { precision: 19, scale: 0, nullable: false }),
    col('NAME', 'varchar2', { length: 100, lengthSemantics: 'char' }),
    col('AMOUNT', 'number', { precision: 30, scale: 10 }),
    col('SEEN_AT', 'timestamp', { fractionDigits: 6 }),
  ],
  primaryKey: ['ID'],
  uniqueKeys: [],
};

const lines: TableInfo = {
  schema: 'APP',
  name: 'ORDER_LINES',
  columns: [
    col('ORDER_ID', 'number', { precision: 19, scale: 0, nullable: false }),
    col('LINE_NO', 'number', { precision: 5, scale: 0, nullable: false }),
    col('QTY', 'number', { precision: 10, scale: 2 }),
  ],
  primaryKey: ['ORDER_ID', 'LINE_NO'],
  uniqueKeys: [],
};

const tags: TableInfo = {
  schema: 'APP',
  name: 'TAGS',
  columns: [
    col('ITEM', 'varchar2', { length: 20, lengthSemantics: 'byte' }),
    col('TAG', 'varchar2', { length: 20 }),
  ],
  primaryKey: ['ITEM', 'TAG'],
  uniqueKeys: [],
};

const compiler = new OracleSqlCompiler();

describe('OracleSqlCompiler.upsert', () => {
  it('writes one MERGE … USING (SELECT … FROM dual) run with executeMany over the bind rows', () => {
    const rows = [
      ['1', 'a', '1.5000000000', '2024-01-02T03:04:05.123456'],
      ['2', null, null, null],
    ];
    const statements = compiler.upsert(orders, ['ID', 'NAME', 'AMOUNT', 'SEEN_AT'], rows);
    assert.equal(statements.length, 1);
    const [st] = statements;
    assert.equal(st?.kind, 'many');
    assert.equal(
      st?.sql,
      'MERGE INTO "APP"."ORDERS" t' +
        ` USING (SELECT TO_NUMBER(:1) AS "ID", :2 AS "NAME", TO_NUMBER(:3) AS "AMOUNT", TO_TIMESTAMP(:4, 'YYYY-MM-DD"T"HH24:MI:SS.FF6') AS "SEEN_AT" FROM dual) s` +
        ' ON (t."ID" = s."ID")' +
        ' WHEN MATCHED THEN UPDATE SET t."NAME" = s."NAME", t."AMOUNT" = s."AMOUNT", t."SEEN_AT" = s."SEEN_AT"' +
        ' WHEN NOT MATCHED THEN INSERT ("ID", "NAME", "AMOUNT", "SEEN_AT") VALUES (s."ID", s."NAME", s."AMOUNT", s."SEEN_AT")',
    );
    assert.ok(st?.kind === 'many' && st.rows === rows, 'the bind rows are passed through as they are');
  });

  it('binds only the given columns, in the given order', () => {
    const [st] = compiler.upsert(orders, ['ID', 'AMOUNT'], [['1', '2']]);
    assert.match(st!.sql, /USING \(SELECT TO_NUMBER\(:1\) AS "ID", TO_NUMBER\(:2\) AS "AMOUNT" FROM dual\)/);
    assert.match(st!.sql, /UPDATE SET t\."AMOUNT" = s\."AMOUNT" WHEN NOT MATCHED/);
  });

  it('matches on every column of a composite key and never updates key columns', () => {
    const [st] = compiler.upsert(lines, ['ORDER_ID', 'LINE_NO', 'QTY'], [['1', '1', '3.50']]);
    assert.match(st!.sql, / ON \(t\."ORDER_ID" = s\."ORDER_ID" AND t\."LINE_NO" = s\."LINE_NO"\) /);
    assert.match(st!.sql, /UPDATE SET t\."QTY" = s\."QTY" WHEN/);
  });

  it('has no WHEN MATCHED branch when every column is a key column', () => {
    const [st] = compiler.upsert(tags, ['ITEM', 'TAG'], [['a', 'b']]);
    assert.equal(
      st?.sql,
      'MERGE INTO "APP"."TAGS" t USING (SELECT :1 AS "ITEM", :2 AS "TAG" FROM dual) s' +
        ' ON (t."ITEM" = s."ITEM" AND t."TAG" = s."TAG")' +
        ' WHEN NOT MATCHED THEN INSERT ("ITEM", "TAG") VALUES (s."ITEM", s."TAG")',
    );
  });

  it('cuts a batch of more than 65535 bind values into several executeMany runs, in order', () => {
    const rows = Array.from({ length: 20_000 }, (_, i) => [String(i), 'n', null, null]);
    const statements = compiler.upsert(orders, ['ID', 'NAME', 'AMOUNT', 'SEEN_AT'], rows);
    assert.deepEqual(
      statements.map((s) => (s.kind === 'many' ? s.rows.length : -1)),
      [16_383, 3_617],
    );
    assert.equal(new Set(statements.map((s) => s.sql)).size, 1);
    assert.ok(statements[1]?.kind === 'many' && statements[1].rows[0] === rows[16_383]);
    const deletes = compiler.deleteByKeys(
      orders,
      rows.map((r) => [r[0]]),
    );
    assert.equal(deletes.length, 1, '20000 one-column keys fit one run');
  });

  it('returns nothing for no rows', () => {
    assert.deepEqual(compiler.upsert(orders, ['ID'], []), []);
  });

  it('refuses a column set without the primary key, unknown columns, wrong row widths and key-less tables', () => {
    assert.throws(
      () => compiler.upsert(lines, ['ORDER_ID', 'QTY'], [['1', '2']]),
      code(ErrorCode.InternalInvariant),
    );
    assert.throws(
      () => compiler.upsert(orders, ['ID', 'NOPE'], [['1', '2']]),
      code(ErrorCode.ColumnNotMapped),
    );
    assert.throws(() => compiler.upsert(orders, ['ID', 'NAME'], [['1']]), code(ErrorCode.InternalInvariant));
    assert.throws(
      () => compiler.upsert({ ...orders, primaryKey: [] }, ['ID'], [['1']]),
      code(ErrorCode.TargetTableUnusable),
    );
  });
});

describe('OracleSqlCompiler.deleteByKeys', () => {
  it('deletes by the whole primary key, one executeMany', () => {
    const keys = [
      ['1', '1'],
      ['1', '2'],
    ];
    const [st, ...rest] = compiler.deleteByKeys(lines, keys);
    assert.equal(rest.length, 0);
    assert.equal(st?.kind, 'many');
    assert.equal(
      st?.sql,
      'DELETE FROM "APP"."ORDER_LINES" WHERE "ORDER_ID" = TO_NUMBER(:1) AND "LINE_NO" = TO_NUMBER(:2)',
    );
    assert.ok(st?.kind === 'many' && st.rows === keys);
  });

  it('returns nothing for no keys', () => {
    assert.deepEqual(compiler.deleteByKeys(lines, []), []);
  });
});

describe('OracleSqlCompiler.selectByKeys', () => {
  it('reads every column in table order, temporal ones through TO_CHAR, with a single-column IN list', () => {
    const [st, ...rest] = compiler.selectByKeys(orders, [['1'], ['2']]);
    assert.equal(rest.length, 0);
    assert.equal(st?.kind, 'single');
    assert.equal(
      st?.sql,
      `SELECT "ID", "NAME", "AMOUNT", TO_CHAR("SEEN_AT", 'YYYY-MM-DD"T"HH24:MI:SS.FF9') AS "SEEN_AT" FROM "APP"."ORDERS"` +
        ' WHERE "ID" IN (TO_NUMBER(:1), TO_NUMBER(:2))',
    );
    assert.deepEqual(st?.kind === 'single' && st.params, ['1', '2']);
  });

  it('uses a tuple IN list for a composite key', () => {
    const [st] = compiler.selectByKeys(lines, [
      ['1', '1'],
      ['2', '7'],
    ]);
    assert.match(
      st!.sql,
      / WHERE \("ORDER_ID", "LINE_NO"\) IN \(\(TO_NUMBER\(:1\), TO_NUMBER\(:2\)\), \(TO_NUMBER\(:3\), TO_NUMBER\(:4\)\)\)$/,
    );
    assert.deepEqual(st?.kind === 'single' && st.params, ['1', '1', '2', '7']);
  });

  it('splits IN lists at 1000 elements (ORA-01795) and ORs them in one statement', () => {
    const keys = Array.from({ length: 2500 }, (_, i) => [String(i)]);
    const statements = compiler.selectByKeys(orders, keys);
    assert.equal(statements.length, 1);
    const sql = statements[0]!.sql;
    const lists = sql.split(' OR ');
    assert.equal(lists.length, 3);
    assert.equal((lists[0]!.match(/TO_NUMBER\(:/g) ?? []).length, 1000);
    assert.equal((lists[2]!.match(/TO_NUMBER\(:/g) ?? []).length, 500);
    assert.match(lists[2]!, /TO_NUMBER\(:2500\)\)$/);
    assert.equal(statements[0]?.kind === 'single' && statements[0].params.length, 2500);
  });

  it('starts a new statement before 65535 binds', () => {
    const keys = Array.from({ length: 40_000 }, (_, i) => [String(i), '1']);
    const statements = compiler.selectByKeys(lines, keys);
    assert.equal(statements.length, 2);
    assert.equal(statements[0]?.kind === 'single' && statements[0].params.length, 65_534);
    assert.equal(statements[1]?.kind === 'single' && statements[1].params.length, 80_000 - 65_534);
    assert.match(statements[1]!.sql, /\(TO_NUMBER\(:1\), TO_NUMBER\(:2\)\)/);
  });
});

describe('OracleSqlCompiler per-type bind and read expressions', () => {
  const typed: TableInfo = {
    schema: 'APP',
    name: 'TYPED',
    columns: [
      col('ID', 'number', { precision: 10, scale: 0, nullable: false }),
      col('D', 'date'),
      col('T9', 'timestamp', { fractionDigits: 9 }),
      col('TZ', 'timestamp with time zone', { fractionDigits: 6 }),
      col('LTZ', 'timestamp with local time zone', { fractionDigits: 3 }),
      col('IV', 'interval day to second', { precision: 2, fractionDigits: 6 }),
      col('BF', 'binary_float'),
      col('BD', 'binary_double'),
      col('C', 'clob'),
      col('B', 'blob'),
      col('R', 'raw', { length: 16 }),
    ],
    primaryKey: ['ID'],
    uniqueKeys: [],
  };

  it('wraps each bind in the conversion its column needs', () => {
    const [st] = compiler.upsert(
      typed,
      typed.columns.map((c) => c.name),
      [typed.columns.map(() => null)],
    );
    const using = /USING \(SELECT (.*) FROM dual\)/.exec(st!.sql)?.[1];
    assert.equal(
      using,
      [
        'TO_NUMBER(:1) AS "ID"',
        `TO_DATE(:2, 'YYYY-MM-DD"T"HH24:MI:SS') AS "D"`,
        `TO_TIMESTAMP(:3, 'YYYY-MM-DD"T"HH24:MI:SS.FF9') AS "T9"`,
        `TO_TIMESTAMP_TZ(:4, 'YYYY-MM-DD"T"HH24:MI:SS.FF6TZH:TZM') AS "TZ"`,
        `TO_TIMESTAMP_TZ(:5, 'YYYY-MM-DD"T"HH24:MI:SS.FF6TZH:TZM') AS "LTZ"`,
        'TO_DSINTERVAL(:6) AS "IV"',
        'TO_BINARY_FLOAT(:7) AS "BF"',
        'TO_BINARY_DOUBLE(:8) AS "BD"',
        ':9 AS "C"',
        ':10 AS "B"',
        ':11 AS "R"',
      ].join(', '),
    );
  });

  it('reads DATE and timestamps as exact text (zoned ones in UTC)', () => {
    const [st] = compiler.selectByKeys(typed, [['1']]);
    assert.match(st!.sql, /TO_CHAR\("D", 'YYYY-MM-DD"T"HH24:MI:SS'\) AS "D"/);
    assert.match(st!.sql, /TO_CHAR\("T9", 'YYYY-MM-DD"T"HH24:MI:SS\.FF9'\) AS "T9"/);
    assert.match(st!.sql, /TO_CHAR\(SYS_EXTRACT_UTC\("TZ"\), 'YYYY-MM-DD"T"HH24:MI:SS\.FF9'\) AS "TZ"/);
    assert.match(st!.sql, /TO_CHAR\(SYS_EXTRACT_UTC\("LTZ"\), 'YYYY-MM-DD"T"HH24:MI:SS\.FF9'\) AS "LTZ"/);
    assert.match(st!.sql, /, "IV", "BF", "BD", "C", "B", "R" FROM/);
  });
});

describe('OracleSqlCompiler.quoteIdentifier', () => {
  it('quotes exactly as the catalog stores the name, case and spaces kept', () => {
    assert.equal(compiler.quoteIdentifier('ORDERS'), '"ORDERS"');
    assert.equal(compiler.quoteIdentifier('Mixed Case'), '"Mixed Case"');
    assert.equal(compiler.quoteIdentifier('größe'), '"größe"');
  });

  it('refuses names Oracle cannot hold: a double quote or NUL inside, empty, or over the byte limit', () => {
    assert.throws(() => compiler.quoteIdentifier('a"b'), code(ErrorCode.ConfigInvalid));
    assert.throws(() => compiler.quoteIdentifier('a\u0000b'), code(ErrorCode.ConfigInvalid));
    assert.throws(() => compiler.quoteIdentifier(''), code(ErrorCode.ConfigInvalid));
    assert.equal(compiler.quoteIdentifier('X'.repeat(128)), `"${'X'.repeat(128)}"`);
    assert.throws(
      () => compiler.quoteIdentifier('X'.repeat(129)),
      /129 bytes is longer than Oracle's 128-byte limit/,
    );
    // 64 two-byte characters = 128 bytes fit; 65 do not.
    assert.doesNotThrow(() => compiler.quoteIdentifier('é'.repeat(64)));
    assert.throws(() => compiler.quoteIdentifier('é'.repeat(65)), code(ErrorCode.ConfigInvalid));
  });

  it('uses the 30-byte limit of servers before 12.2', () => {
    const old = oracleDialect.createCompiler('12.1.0.2.0');
    assert.doesNotThrow(() => old.quoteIdentifier('X'.repeat(30)));
    assert.throws(() => old.quoteIdentifier('X'.repeat(31)), code(ErrorCode.ConfigInvalid));
    assert.doesNotThrow(() => oracleDialect.createCompiler('23.5.0.24.07').quoteIdentifier('X'.repeat(128)));
  });

  it('quotes schema and table in every statement', () => {
    const odd: TableInfo = {
      schema: 'app user',
      name: 'Order Items',
      columns: [
        col('Item Id', 'number', { precision: 9, scale: 0 }),
        col('select', 'varchar2', { length: 5 }),
      ],
      primaryKey: ['Item Id'],
      uniqueKeys: [],
    };
    const [up] = compiler.upsert(odd, ['Item Id', 'select'], [['1', 'x']]);
    assert.match(up!.sql, /^MERGE INTO "app user"\."Order Items" t /);
    assert.match(up!.sql, /UPDATE SET t\."select" = s\."select"/);
    assert.match(
      compiler.deleteByKeys(odd, [['1']])[0]!.sql,
      /^DELETE FROM "app user"\."Order Items" WHERE "Item Id" = /,
    );
  });
});

function code(expected: ErrorCode): (error: unknown) => boolean {
  return (error) => error instanceof DbtwinError && error.code === expected;
}
