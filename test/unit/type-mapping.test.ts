import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { EngineName } from '../../src/core/change-event.js';
import type { ColumnInfo } from '../../src/engines/dialect.js';
import {
  type ColumnTypeMapping,
  type TypeMappingOptions,
  UnsupportedTypeError,
  translateColumnType,
} from '../../src/translate/type-mapping.js';
import { mysqlColumn, oracleColumn, postgresColumn } from '../support/representative-schema.js';

/** A PostgreSQL column from its `format_type` text (`timestamp(3) without time zone`, `integer identity`, `enum mood ('a','b')`). */
function pgColumn(text: string): ColumnInfo {
  const identity = / identity$/.test(text);
  const type = text.replace(/ identity$/, '');
  const enumType = /^enum (\w+) \((.*)\)$/.exec(type);
  if (enumType) {
    const values = [...(enumType[2] ?? '').matchAll(/'([^']*)'/g)].map((m) => m[1] ?? '');
    return postgresColumn('c', enumType[1] ?? '', enumType[1] ?? '', { enumValues: values });
  }
  const dataType = type.endsWith('[]')
    ? 'array'
    : type.startsWith('interval')
      ? 'interval'
      : type
          .replace(/\([^)]*\)/g, '')
          .replace(/\s+/g, ' ')
          .trim();
  return postgresColumn('c', dataType, type, identity ? { autoIncrement: true, nullable: false } : {});
}

/** An Oracle column from `NUMBER(19,0) identity` or `CLOB + CHECK (col IS JSON)`, with the hints its check gives. */
function oraColumn(text: string): { column: ColumnInfo; options: TypeMappingOptions } {
  const [type = '', hint = ''] = text.split(' + ');
  const identity = / identity$/.test(type);
  const column = oracleColumn(
    'C',
    type.replace(/ identity$/, ''),
    identity ? { autoIncrement: true, nullable: false } : {},
  );
  return { column, options: { booleanHint: /IN \(0, 1\)/.test(hint), jsonHint: /IS JSON/.test(hint) } };
}

function map(
  column: ColumnInfo,
  from: EngineName,
  to: EngineName,
  options?: TypeMappingOptions,
): ColumnTypeMapping {
  return translateColumnType(column, from, to, options);
}

const my = (type: string, to: EngineName, extra: Partial<ColumnInfo> = {}): ColumnTypeMapping =>
  map(mysqlColumn('c', type, extra), 'mysql', to);

// ---------------------------------------------------------------------------------------------------

describe('docs/type-mapping.md is what translateColumnType does', () => {
  const doc = readFileSync(new URL('../../docs/type-mapping.md', import.meta.url), 'utf8');
  const sections: [string, EngineName, EngineName][] = [
    ['MySQL → Oracle', 'mysql', 'oracle'],
    ['MySQL → PostgreSQL', 'mysql', 'postgres'],
    ['Oracle → MySQL', 'oracle', 'mysql'],
    ['Oracle → PostgreSQL', 'oracle', 'postgres'],
    ['PostgreSQL → MySQL', 'postgres', 'mysql'],
    ['PostgreSQL → Oracle', 'postgres', 'oracle'],
  ];

  /** The table rows under `## <title>`, as [source, target, why] with `\|` unescaped. */
  function rows(title: string): [string, string, string][] {
    const start = doc.indexOf(`\n## ${title}\n`);
    assert.ok(start >= 0, `docs/type-mapping.md has a section "${title}"`);
    const end = doc.indexOf('\n## ', start + 1);
    const lines = doc.slice(start, end < 0 ? undefined : end).split('\n');
    const table = lines.filter((l) => l.startsWith('|')).slice(2);
    return table.map((line) => {
      const cells = line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim().replaceAll('\\|', '|'));
      assert.equal(cells.length, 3, `three cells in: ${line}`);
      return cells as [string, string, string];
    });
  }

  const code = (cell: string): string | undefined => /^`([^`]+)`$/.exec(cell)?.[1];

  for (const [title, from, to] of sections) {
    it(`${title}: every row's target type and check`, () => {
      const table = rows(title);
      assert.ok(table.length >= 40, `${title} lists at least 40 types (found ${table.length})`);
      for (const [sourceCell, targetCell, why] of table) {
        const source = code(sourceCell);
        assert.ok(source, `source cell is code: ${sourceCell}`);
        const { column, options } =
          from === 'mysql'
            ? { column: mysqlColumn('c', source), options: {} }
            : from === 'oracle'
              ? oraColumn(source)
              : { column: pgColumn(source), options: {} };
        if (targetCell === 'unsupported') {
          assert.throws(
            () => map(column, from, to, options),
            UnsupportedTypeError,
            `${source} is unsupported`,
          );
          continue;
        }
        const mapping = map(column, from, to, options);
        const target = mapping.identity ? `${mapping.sqlType} ${mapping.identity}` : mapping.sqlType;
        assert.equal(target, code(targetCell), `${title}: ${source}`);
        const check = /Check: `([^`]+)`/.exec(why)?.[1];
        assert.equal(mapping.check, check, `${title}: check of ${source}`);
      }
    });
  }
});

describe('MySQL types to Oracle and PostgreSQL', () => {
  const cases: [string, string, string, string | undefined, string | undefined][] = [
    // source, Oracle, PostgreSQL, Oracle check, PostgreSQL check
    ['tinyint', 'NUMBER(3)', 'smallint', '{col} BETWEEN -128 AND 127', '{col} BETWEEN -128 AND 127'],
    ['tinyint unsigned', 'NUMBER(3)', 'smallint', '{col} BETWEEN 0 AND 255', '{col} BETWEEN 0 AND 255'],
    ['smallint', 'NUMBER(5)', 'smallint', '{col} BETWEEN -32768 AND 32767', undefined],
    ['smallint unsigned', 'NUMBER(5)', 'integer', '{col} BETWEEN 0 AND 65535', '{col} BETWEEN 0 AND 65535'],
    [
      'mediumint',
      'NUMBER(7)',
      'integer',
      '{col} BETWEEN -8388608 AND 8388607',
      '{col} BETWEEN -8388608 AND 8388607',
    ],
    [
      'mediumint unsigned',
      'NUMBER(8)',
      'integer',
      '{col} BETWEEN 0 AND 16777215',
      '{col} BETWEEN 0 AND 16777215',
    ],
    ['int', 'NUMBER(10)', 'integer', '{col} BETWEEN -2147483648 AND 2147483647', undefined],
    [
      'int unsigned',
      'NUMBER(10)',
      'bigint',
      '{col} BETWEEN 0 AND 4294967295',
      '{col} BETWEEN 0 AND 4294967295',
    ],
    [
      'bigint',
      'NUMBER(19)',
      'bigint',
      '{col} BETWEEN -9223372036854775808 AND 9223372036854775807',
      undefined,
    ],
    [
      'bigint unsigned',
      'NUMBER(20)',
      'numeric(20,0)',
      '{col} BETWEEN 0 AND 18446744073709551615',
      '{col} BETWEEN 0 AND 18446744073709551615',
    ],
    ['tinyint(1)', 'NUMBER(1)', 'boolean', '{col} IN (0, 1)', undefined],
    ['bit(1)', 'NUMBER(1)', 'boolean', '{col} IN (0, 1)', undefined],
    ['bit(12)', 'RAW(2)', 'bit(12)', undefined, undefined],
    ['decimal(10,2)', 'NUMBER(10,2)', 'numeric(10,2)', undefined, undefined],
    [
      'decimal(65,30)',
      'NUMBER',
      'numeric(65,30)',
      '{col} = ROUND({col}, 30) AND ABS({col}) < 1E35',
      undefined,
    ],
    ['float', 'BINARY_FLOAT', 'real', undefined, undefined],
    ['double', 'BINARY_DOUBLE', 'double precision', undefined, undefined],
    ['char(12)', 'CHAR(12 CHAR)', 'char(12)', undefined, undefined],
    ['varchar(200)', 'VARCHAR2(200 CHAR)', 'varchar(200)', undefined, undefined],
    ['varchar(1000)', 'VARCHAR2(1000 CHAR)', 'varchar(1000)', undefined, undefined],
    ['varchar(1001)', 'CLOB', 'varchar(1001)', undefined, undefined],
    ['tinytext', 'VARCHAR2(255 CHAR)', 'text', undefined, undefined],
    ['text', 'CLOB', 'text', undefined, undefined],
    ['mediumtext', 'CLOB', 'text', undefined, undefined],
    ['longtext', 'CLOB', 'text', undefined, undefined],
    ['binary(16)', 'RAW(16)', 'bytea', undefined, 'octet_length({col}) = 16'],
    ['varbinary(300)', 'RAW(300)', 'bytea', undefined, 'octet_length({col}) <= 300'],
    ['varbinary(3000)', 'BLOB', 'bytea', undefined, 'octet_length({col}) <= 3000'],
    ['tinyblob', 'RAW(255)', 'bytea', undefined, undefined],
    ['blob', 'BLOB', 'bytea', undefined, undefined],
    ['mediumblob', 'BLOB', 'bytea', undefined, undefined],
    ['longblob', 'BLOB', 'bytea', undefined, undefined],
    ['date', 'DATE', 'date', '{col} = TRUNC({col})', undefined],
    [
      'year',
      'NUMBER(4)',
      'smallint',
      '{col} = 0 OR {col} BETWEEN 1901 AND 2155',
      '{col} = 0 OR {col} BETWEEN 1901 AND 2155',
    ],
    [
      "enum('a','b''c')",
      'VARCHAR2(3 CHAR)',
      'varchar(3)',
      "{col} IN ('a', 'b''c')",
      "{col} IN ('a', 'b''c')",
    ],
    [
      "set('x','y.z')",
      'VARCHAR2(5 CHAR)',
      'varchar(5)',
      "REGEXP_LIKE({col}, '^((x|y\\.z)(,(x|y\\.z))*)?$')",
      "{col} ~ '^((x|y\\.z)(,(x|y\\.z))*)?$'",
    ],
    ['json', 'CLOB', 'jsonb', "{col} IS NULL OR JSON_EXISTS({col}, '$')", undefined],
  ];
  for (const [source, oracle, postgres, oracleCheck, postgresCheck] of cases) {
    it(`${source} → ${oracle} / ${postgres}`, () => {
      const o = my(source, 'oracle');
      const p = my(source, 'postgres');
      assert.equal(o.sqlType, oracle);
      assert.equal(p.sqlType, postgres);
      assert.equal(o.check, oracleCheck);
      assert.equal(p.check, postgresCheck);
      assert.ok(o.reason.length > 0 && p.reason.length > 0);
    });
  }

  for (const n of [0, 1, 2, 3, 4, 5, 6]) {
    it(`datetime(${n}) and timestamp(${n})`, () => {
      assert.equal(my(`datetime(${n})`, 'oracle').sqlType, `TIMESTAMP(${n})`);
      assert.equal(my(`datetime(${n})`, 'postgres').sqlType, `timestamp(${n})`);
      const tsOracle = my(`timestamp(${n})`, 'oracle');
      assert.equal(tsOracle.sqlType, `TIMESTAMP(${n}) WITH TIME ZONE`);
      assert.match(
        tsOracle.check ?? '',
        /TIMESTAMP '1970-01-01 00:00:01 \+00:00' AND TIMESTAMP '2038-01-19 03:14:07\.999999 \+00:00'/,
      );
      const tsPostgres = my(`timestamp(${n})`, 'postgres');
      assert.equal(tsPostgres.sqlType, `timestamptz(${n})`);
      assert.match(tsPostgres.check ?? '', /'1970-01-01 00:00:01\+00' AND '2038-01-19 03:14:07\.999999\+00'/);
    });
  }

  for (const n of [0, 3, 6]) {
    it(`time(${n}): Oracle interval of ±838:59:59, PostgreSQL time with a range note`, () => {
      const o = my(`time(${n})`, 'oracle');
      assert.equal(o.sqlType, `INTERVAL DAY(2) TO SECOND(${n})`);
      assert.equal(
        o.check,
        "{col} BETWEEN INTERVAL '-34 22:59:59' DAY TO SECOND AND INTERVAL '34 22:59:59' DAY TO SECOND",
      );
      const p = my(`time(${n})`, 'postgres');
      assert.equal(p.sqlType, `time(${n})`);
      assert.ok(p.conversions.some((c) => /838:59:59/.test(c)));
    });
  }

  it('AUTO_INCREMENT: Oracle BY DEFAULT ON NULL (never ALWAYS), PostgreSQL BY DEFAULT on an integer type', () => {
    const o = my('bigint unsigned auto_increment', 'oracle');
    assert.equal(o.sqlType, 'NUMBER(20)');
    assert.equal(o.identity, 'GENERATED BY DEFAULT ON NULL AS IDENTITY');
    const p = my('bigint unsigned auto_increment', 'postgres');
    assert.equal(p.sqlType, 'bigint', 'a PostgreSQL identity must be an integer type, not numeric(20,0)');
    assert.equal(p.identity, 'GENERATED BY DEFAULT AS IDENTITY');
    assert.equal(p.check, '{col} BETWEEN 0 AND 9223372036854775807');
    assert.ok(p.conversions.some((c) => /9223372036854775807/.test(c)));
    assert.equal(my('int auto_increment', 'postgres').sqlType, 'integer');
  });

  it('unsigned DECIMAL/DOUBLE keep their sign with a check', () => {
    assert.equal(my('decimal(10,2) unsigned', 'oracle').check, '{col} >= 0');
    assert.equal(my('double unsigned', 'postgres').check, '{col} >= 0');
  });

  it("Oracle character columns note '' = NULL, stronger on NOT NULL columns", () => {
    assert.ok(my('varchar(10)', 'oracle').conversions.some((c) => /becomes NULL/.test(c)));
    assert.ok(
      my('varchar(10)', 'oracle', { nullable: false }).conversions.some((c) => /cannot be stored/.test(c)),
    );
    assert.ok(!my('varchar(10)', 'postgres').conversions.some((c) => /NULL/.test(c)));
  });

  it('VARCHAR size limit follows the character set and MAX_STRING_SIZE', () => {
    assert.equal(my('varchar(1333)', 'oracle', { charset: 'utf8mb3' }).sqlType, 'VARCHAR2(1333 CHAR)');
    assert.equal(my('varchar(1334)', 'oracle', { charset: 'utf8mb3' }).sqlType, 'CLOB');
    assert.equal(my('varchar(4000)', 'oracle', { charset: 'ascii' }).sqlType, 'VARCHAR2(4000 CHAR)');
    const extended = (type: string): string =>
      translateColumnType(mysqlColumn('c', type), 'mysql', 'oracle', { maxStringSize: 'extended' }).sqlType;
    assert.equal(extended('varchar(8191)'), 'VARCHAR2(8191 CHAR)');
    assert.equal(extended('varchar(8192)'), 'CLOB');
    assert.equal(extended('varbinary(32767)'), 'RAW(32767)');
    assert.equal(extended('char(255)'), 'CHAR(255 CHAR)');
  });

  it('spatial types are reported, not guessed', () => {
    for (const type of ['geometry', 'point', 'polygon', 'multipolygon']) {
      for (const to of ['oracle', 'postgres'] as const) {
        assert.throws(
          () => my(type, to),
          (e: unknown) => e instanceof UnsupportedTypeError && /spatial/.test(e.message),
        );
      }
    }
  });

  it('the same engine on both sides keeps the declaration', () => {
    const m = map(mysqlColumn('c', 'timestamp(3)'), 'mysql', 'mysql');
    assert.equal(m.sqlType, 'timestamp(3)');
    assert.deepEqual(m.conversions, []);
    assert.equal(map(mysqlColumn('c', 'int auto_increment'), 'mysql', 'mysql').identity, 'AUTO_INCREMENT');
  });
});

describe('Oracle types to MySQL and PostgreSQL', () => {
  const cases: [string, string, string][] = [
    ['NUMBER', 'DECIMAL(65,30)', 'numeric'],
    ['NUMBER(1,0)', 'TINYINT', 'smallint'],
    ['NUMBER(2,0)', 'TINYINT', 'smallint'],
    ['NUMBER(4,0)', 'SMALLINT', 'smallint'],
    ['NUMBER(6,0)', 'MEDIUMINT', 'integer'],
    ['NUMBER(9,0)', 'INT', 'integer'],
    ['NUMBER(18,0)', 'BIGINT', 'bigint'],
    ['NUMBER(19,0)', 'DECIMAL(19,0)', 'numeric(19,0)'],
    ['NUMBER(*,0)', 'DECIMAL(38,0)', 'numeric(38,0)'],
    ['NUMBER(12,4)', 'DECIMAL(12,4)', 'numeric(12,4)'],
    ['NUMBER(5,-2)', 'DECIMAL(7,0)', 'numeric(5,-2)'],
    ['FLOAT(126)', 'DOUBLE', 'numeric'],
    ['BINARY_FLOAT', 'FLOAT', 'real'],
    ['BINARY_DOUBLE', 'DOUBLE', 'double precision'],
    ['VARCHAR2(100 CHAR)', 'VARCHAR(100)', 'varchar(100)'],
    ['VARCHAR2(100 BYTE)', 'VARCHAR(100)', 'varchar(100)'],
    ['NVARCHAR2(50)', 'VARCHAR(50)', 'varchar(50)'],
    ['CHAR(3 BYTE)', 'CHAR(3)', 'char(3)'],
    ['CLOB', 'LONGTEXT', 'text'],
    ['NCLOB', 'LONGTEXT', 'text'],
    ['BLOB', 'LONGBLOB', 'bytea'],
    ['RAW(16)', 'VARBINARY(16)', 'bytea'],
    ['DATE', 'DATETIME(0)', 'timestamp(0)'],
    ['TIMESTAMP(6)', 'DATETIME(6)', 'timestamp(6)'],
    ['TIMESTAMP(9)', 'DATETIME(6)', 'timestamp(6)'],
    ['TIMESTAMP(6) WITH TIME ZONE', 'DATETIME(6)', 'timestamptz(6)'],
    ['TIMESTAMP(3) WITH LOCAL TIME ZONE', 'DATETIME(3)', 'timestamptz(3)'],
    ['INTERVAL DAY(2) TO SECOND(6)', 'TIME(6)', 'interval day to second(6)'],
    ['INTERVAL YEAR(2) TO MONTH', 'VARCHAR(64)', 'interval year to month'],
  ];
  for (const [source, mysql, postgres] of cases) {
    it(`${source} → ${mysql} / ${postgres}`, () => {
      assert.equal(map(oracleColumn('C', source), 'oracle', 'mysql').sqlType, mysql);
      assert.equal(map(oracleColumn('C', source), 'oracle', 'postgres').sqlType, postgres);
    });
  }

  it('NUMBER(p,0) gets the smallest integer type and a check for its exact digits', () => {
    assert.equal(
      map(oracleColumn('C', 'NUMBER(3,0)'), 'oracle', 'mysql').check,
      '{col} BETWEEN -999 AND 999',
    );
    assert.equal(map(oracleColumn('C', 'NUMBER(38,0)'), 'oracle', 'mysql').check, undefined);
  });

  it('VARCHAR2 BYTE lengths keep their byte limit by a check', () => {
    assert.equal(map(oracleColumn('C', 'VARCHAR2(30 BYTE)'), 'oracle', 'mysql').check, 'LENGTH({col}) <= 30');
    assert.equal(
      map(oracleColumn('C', 'VARCHAR2(30 BYTE)'), 'oracle', 'postgres').check,
      'octet_length({col}) <= 30',
    );
    assert.equal(map(oracleColumn('C', 'VARCHAR2(30 CHAR)'), 'oracle', 'mysql').check, undefined);
  });

  it('zones: TIMESTAMP WITH TIME ZONE keeps the instant, loses the zone', () => {
    const m = map(oracleColumn('C', 'TIMESTAMP(6) WITH TIME ZONE'), 'oracle', 'mysql');
    assert.ok(m.conversions.some((c) => /zone or offset/.test(c)));
    assert.ok(m.conversions.some((c) => /UTC/.test(c)));
  });

  it('NUMBER(1) with a 0/1 check is a boolean; a CLOB with IS JSON is JSON', () => {
    const bool = oracleColumn('C', 'NUMBER(1,0)');
    assert.equal(map(bool, 'oracle', 'mysql', { booleanHint: true }).sqlType, 'TINYINT(1)');
    assert.equal(map(bool, 'oracle', 'postgres', { booleanHint: true }).sqlType, 'boolean');
    const doc = oracleColumn('C', 'CLOB');
    assert.equal(map(doc, 'oracle', 'mysql', { jsonHint: true }).sqlType, 'JSON');
    assert.equal(map(doc, 'oracle', 'postgres', { jsonHint: true }).sqlType, 'jsonb');
  });

  it('identity NUMBER becomes an integer identity', () => {
    const id = oracleColumn('C', 'NUMBER', { autoIncrement: true });
    assert.equal(map(id, 'oracle', 'mysql').sqlType, 'BIGINT');
    assert.equal(map(id, 'oracle', 'mysql').identity, 'AUTO_INCREMENT');
    assert.equal(map(id, 'oracle', 'postgres').sqlType, 'bigint');
  });

  it('ROWID, BFILE, XMLTYPE and SDO_GEOMETRY are reported', () => {
    for (const type of ['ROWID', 'UROWID', 'BFILE', 'XMLTYPE', 'SDO_GEOMETRY']) {
      assert.throws(() => map(oracleColumn('C', type), 'oracle', 'postgres'), UnsupportedTypeError);
    }
  });
});

describe('PostgreSQL types to MySQL and Oracle', () => {
  const cases: [string, string, string][] = [
    ['smallint', 'SMALLINT', 'NUMBER(5)'],
    ['integer', 'INT', 'NUMBER(10)'],
    ['bigint', 'BIGINT', 'NUMBER(19)'],
    ['numeric(12,3)', 'DECIMAL(12,3)', 'NUMBER(12,3)'],
    ['numeric', 'DECIMAL(65,30)', 'NUMBER'],
    ['real', 'FLOAT', 'BINARY_FLOAT'],
    ['double precision', 'DOUBLE', 'BINARY_DOUBLE'],
    ['boolean', 'TINYINT(1)', 'NUMBER(1)'],
    ['character varying(40)', 'VARCHAR(40)', 'VARCHAR2(40 CHAR)'],
    ['character varying', 'LONGTEXT', 'CLOB'],
    ['character(5)', 'CHAR(5)', 'CHAR(5 CHAR)'],
    ['text', 'LONGTEXT', 'CLOB'],
    ['bytea', 'LONGBLOB', 'BLOB'],
    ['date', 'DATE', 'DATE'],
    ['timestamp(3) without time zone', 'DATETIME(3)', 'TIMESTAMP(3)'],
    ['timestamp(6) with time zone', 'DATETIME(6)', 'TIMESTAMP(6) WITH TIME ZONE'],
    ['time(6) without time zone', 'TIME(6)', 'INTERVAL DAY(1) TO SECOND(6)'],
    ['interval day to second(3)', 'TIME(3)', 'INTERVAL DAY(9) TO SECOND(3)'],
    ['interval year to month', 'VARCHAR(64)', 'INTERVAL YEAR(9) TO MONTH'],
    ['json', 'JSON', 'CLOB'],
    ['jsonb', 'JSON', 'CLOB'],
    ['uuid', 'CHAR(36)', 'CHAR(36 BYTE)'],
    ['bit(4)', 'BIT(4)', 'RAW(1)'],
    ["enum mood ('ok','tired')", "ENUM('ok', 'tired')", 'VARCHAR2(5 CHAR)'],
  ];
  for (const [source, mysql, oracle] of cases) {
    it(`${source} → ${mysql} / ${oracle}`, () => {
      assert.equal(map(pgColumn(source), 'postgres', 'mysql').sqlType, mysql);
      assert.equal(map(pgColumn(source), 'postgres', 'oracle').sqlType, oracle);
    });
  }

  it('boolean keeps 0/1 on both, uuid keeps its text pattern', () => {
    assert.equal(map(pgColumn('boolean'), 'postgres', 'mysql').check, '{col} IN (0, 1)');
    assert.equal(map(pgColumn('boolean'), 'postgres', 'oracle').check, '{col} IN (0, 1)');
    assert.match(
      map(pgColumn('uuid'), 'postgres', 'mysql').check ?? '',
      /^\{col\} REGEXP '\^\[0-9a-f\]\{8\}-/,
    );
  });

  it('timestamptz goes to MySQL DATETIME in UTC, not TIMESTAMP (1970–2038)', () => {
    const m = map(pgColumn('timestamp(6) with time zone'), 'postgres', 'mysql');
    assert.equal(m.sqlType, 'DATETIME(6)');
    assert.match(m.reason, /2038/);
  });

  it('arrays and other types without a counterpart are reported', () => {
    for (const type of ['integer[]', 'point', 'hstore', 'tsvector', 'int4range']) {
      assert.throws(() => map(pgColumn(type), 'postgres', 'mysql'), UnsupportedTypeError, type);
    }
  });
});
