import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EngineName } from '../../src/core/change-event.js';
import type { ColumnInfo, CompiledStatement, SchemaTable, TableInfo } from '../../src/engines/dialect.js';
import type { EngineDriver, EngineSession } from '../../src/engines/engine-driver.js';
import {
  columnIssues,
  keyComparison,
  type ColumnIssue,
  type RuleOptions,
} from '../../src/translate/round-trip-rules.js';
import { checkSchema, type CheckOptions } from '../../src/translate/schema-checker.js';
import { formatPlsqlErrors, plsqlSyntaxErrors } from '../support/plsql-grammar.js';

/**
 * `schema check` without a database: the catalog rules of round-trip-rules.ts from hand-built
 * columns, the key comparison of each target, and checkSchema's scans against a recording driver
 * (the Oracle scan SQL is parsed by the PL/SQL grammar, as no Oracle server runs here).
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

function issues(
  column: ColumnInfo,
  from: EngineName,
  to: EngineName,
  extra: Partial<RuleOptions> = {},
): ColumnIssue[] {
  return columnIssues(column, { from, to, ...extra });
}

function kinds(list: readonly ColumnIssue[]): string[] {
  return list.map((i) => `${i.kind}:${i.severity}${i.onlyWhenFound ? ':found' : ''}`);
}

describe('round-trip rules: empty strings into Oracle', () => {
  it("MySQL VARCHAR: '' is NULL in Oracle; a blocker when found in a NOT NULL column, a warning in a nullable one", () => {
    const [strict] = issues(col('name', 'varchar', 'varchar(50)', { nullable: false }), 'mysql', 'oracle');
    assert.equal(strict?.kind, 'empty-string');
    assert.equal(strict.severity, 'warning');
    assert.equal(strict.foundSeverity, 'blocker');
    assert.deepEqual(strict.probe, { kind: 'empty-text' });
    assert.match(strict.what, /NOT NULL/);
    const [nullable] = issues(col('nick', 'varchar', 'varchar(50)'), 'mysql', 'oracle');
    assert.equal(nullable?.foundSeverity, 'warning');
    assert.match(nullable.what, /arrives as NULL/);
  });

  it('MySQL CHAR, TEXT, ENUM, SET and blobs; PostgreSQL text and bytea, but not char(n) (read back padded)', () => {
    assert.deepEqual(kinds(issues(col('c', 'char', 'char(3)'), 'mysql', 'oracle')), [
      'empty-string:warning',
      'char-padding:warning',
    ]);
    for (const [type, declared] of [
      ['text', 'text'],
      ['enum', "enum('','a')"],
      ['set', "set('a','b')"],
    ]) {
      assert.deepEqual(
        kinds(issues(col('t', type!, declared!), 'mysql', 'oracle')),
        ['empty-string:warning'],
        type,
      );
    }
    assert.deepEqual(issues(col('b', 'blob', 'blob'), 'mysql', 'oracle')[0]?.probe, { kind: 'empty-bytes' });
    assert.deepEqual(kinds(issues(col('t', 'text', 'text'), 'postgres', 'oracle')), ['empty-string:warning']);
    assert.deepEqual(issues(col('b', 'bytea', 'bytea'), 'postgres', 'oracle')[0]?.probe, {
      kind: 'empty-bytes',
    });
    assert.deepEqual(issues(col('c', 'character', 'character(3)'), 'postgres', 'oracle'), []);
  });

  it('not for other targets, nor from Oracle', () => {
    // No empty-string finding into PostgreSQL (only NUL, reported when the data holds one).
    assert.deepEqual(kinds(issues(col('name', 'varchar', 'varchar(50)'), 'mysql', 'postgres')), [
      'nul-character:warning:found',
    ]);
    assert.deepEqual(issues(col('NAME', 'varchar2', 'VARCHAR2(50 CHAR)'), 'oracle', 'mysql'), []);
  });
});

describe('round-trip rules: values the catalog cannot show', () => {
  it('MySQL YEAR 0000 and NUL in text are reported when the data holds them; a blocker then', () => {
    const [year] = issues(col('y', 'year', 'year(4)'), 'mysql', 'postgres');
    assert.equal(year?.kind, 'zero-date');
    assert.equal(year.onlyWhenFound, true);
    assert.equal(year.foundSeverity, 'blocker');
    assert.deepEqual(year.probe, { kind: 'zero-year' });
    const nul = issues(col('t', 'text', 'text'), 'mysql', 'postgres').find((i) => i.kind === 'nul-character');
    assert.deepEqual(nul?.probe, { kind: 'nul-char' });
    assert.equal(
      issues(col('t', 'text', 'text'), 'mysql', 'oracle').filter((i) => i.kind === 'nul-character').length,
      0,
    );
  });

  it("an ENUM member shown as '?' (a 4-byte character MariaDB's catalog cannot show) is a warning, probed in the data", () => {
    const found = issues(col('e', 'enum', "enum('a','?')", { enumValues: ['a', '?'] }), 'mysql', 'postgres', {
      fromFlavor: 'mariadb',
    }).find((i) => i.kind === 'catalog-charset');
    assert.equal(found?.severity, 'warning');
    assert.equal(found.foundSeverity, 'blocker');
    assert.deepEqual(found.probe, { kind: 'four-byte-chars' });
    assert.equal(
      issues(col('e', 'enum', "enum('a','b')", { enumValues: ['a', 'b'] }), 'mysql', 'postgres').filter(
        (i) => i.kind === 'catalog-charset',
      ).length,
      0,
    );
  });
});

describe('round-trip rules: dates and times', () => {
  it('MySQL zero dates into PostgreSQL and Oracle, with a zero default a blocker', () => {
    for (const type of ['date', 'datetime', 'timestamp']) {
      for (const to of ['postgres', 'oracle'] as const) {
        const [zero] = issues(col('d', type, type), 'mysql', to, { fromFlavor: 'mariadb' });
        assert.equal(zero?.kind, 'zero-date', `${type} → ${to}`);
        assert.equal(zero.severity, 'warning');
        assert.deepEqual(zero.probe, { kind: 'zero-date' });
        assert.match(zero.what, /^MariaDB zero dates/);
      }
    }
    const withDefault = issues(
      col('d', 'datetime', 'datetime', { defaultValue: '0000-00-00 00:00:00' }),
      'mysql',
      'postgres',
    );
    assert.deepEqual(kinds(withDefault), ['zero-date:blocker']);
    assert.match(withDefault[0]!.fix, /another default/);
  });

  it('MySQL TIME into PostgreSQL time (00:00–24:00); Oracle INTERVAL DAY TO SECOND holds it', () => {
    const [time] = issues(col('t', 'time', 'time'), 'mysql', 'postgres');
    assert.equal(time?.kind, 'time-range');
    assert.deepEqual(time.probe, { kind: 'time-outside', minSeconds: 0, maxSeconds: 86_400 });
    assert.deepEqual(issues(col('t', 'time', 'time'), 'mysql', 'oracle'), []);
  });

  it('Oracle INTERVAL DAY TO SECOND into MySQL TIME (±838:59:59); YEAR TO MONTH becomes text', () => {
    const [ds] = issues(
      col('I', 'interval day to second', 'INTERVAL DAY(2) TO SECOND(6)'),
      'oracle',
      'mysql',
    );
    assert.deepEqual(ds?.probe, { kind: 'time-outside', minSeconds: -3_020_399, maxSeconds: 3_020_399 });
    assert.deepEqual(
      kinds(issues(col('I', 'interval year to month', 'INTERVAL YEAR(2) TO MONTH'), 'oracle', 'mysql')),
      ['unsupported-type:warning'],
    );
    assert.deepEqual(
      issues(col('I', 'interval day to second', 'INTERVAL DAY(2) TO SECOND(6)'), 'oracle', 'postgres'),
      [],
    );
  });

  it('PostgreSQL interval: months do not fit Oracle DAY TO SECOND; a day-to-second interval does', () => {
    const [months] = issues(col('i', 'interval', 'interval'), 'postgres', 'oracle');
    assert.deepEqual(months?.probe, { kind: 'interval-months' });
    assert.deepEqual(issues(col('i', 'interval', 'interval day to second(6)'), 'postgres', 'oracle'), []);
    assert.deepEqual(issues(col('i', 'interval', 'interval year to month'), 'postgres', 'oracle'), []);
    assert.deepEqual(kinds(issues(col('i', 'interval', 'interval'), 'postgres', 'mysql')), [
      'unsupported-type:warning',
    ]);
  });

  it('time zones a target drops: warnings', () => {
    assert.deepEqual(
      kinds(
        issues(col('t', 'timestamp with time zone', 'timestamp with time zone'), 'postgres', 'mysql'),
      ).slice(-1),
      ['timezone:warning'],
    );
    assert.ok(
      !kinds(
        issues(col('t', 'timestamp with time zone', 'timestamp with time zone'), 'postgres', 'oracle'),
      ).includes('timezone:warning'),
      'PostgreSQL timestamptz keeps its instant in Oracle',
    );
    for (const to of ['mysql', 'oracle'] as const) {
      assert.deepEqual(
        kinds(issues(col('t', 'time with time zone', 'time with time zone'), 'postgres', to)),
        ['timezone:warning'],
      );
    }
    const tz = col('T', 'timestamp with time zone', 'TIMESTAMP(6) WITH TIME ZONE', { fractionDigits: 6 });
    for (const to of ['mysql', 'postgres'] as const) {
      const found = issues(tz, 'oracle', to).find((i) => i.kind === 'timezone');
      assert.match(found?.what ?? '', /zone or offset is lost/, to);
    }
  });

  it('Oracle fractional seconds beyond 6 digits: a warning with a scan', () => {
    for (const to of ['mysql', 'postgres'] as const) {
      const found = issues(col('T', 'timestamp', 'TIMESTAMP(9)', { fractionDigits: 9 }), 'oracle', to).find(
        (i) => i.kind === 'fractional-seconds',
      );
      assert.deepEqual(found?.probe, { kind: 'sub-microsecond' }, to);
      assert.match(found.what, /keeps 9 fractional-second digits/);
    }
    assert.ok(
      !issues(col('T', 'timestamp', 'TIMESTAMP(6)', { fractionDigits: 6 }), 'oracle', 'postgres').some(
        (i) => i.kind === 'fractional-seconds',
      ),
      'TIMESTAMP(6) fits',
    );
  });

  it('PostgreSQL infinite or out-of-range dates, and Oracle BC dates into MySQL: only when the data holds them', () => {
    const [pg] = issues(col('d', 'date', 'date'), 'postgres', 'mysql');
    assert.equal(pg?.onlyWhenFound, true);
    assert.deepEqual(pg.probe, { kind: 'date-outside', min: '0001-01-01', max: '10000-01-01' });
    assert.deepEqual(issues(col('d', 'date', 'date'), 'postgres', 'oracle')[0]?.probe, {
      kind: 'date-outside',
      max: '10000-01-01',
    });
    assert.deepEqual(issues(col('D', 'date', 'DATE'), 'oracle', 'mysql')[0]?.probe, {
      kind: 'date-outside',
      min: '0001-01-01',
    });
  });
});

describe('round-trip rules: numbers', () => {
  it('Oracle NUMBER without precision into MySQL DECIMAL(65,30): integer digits and decimals', () => {
    const found = issues(col('N', 'number', 'NUMBER'), 'oracle', 'mysql');
    assert.deepEqual(
      found.map((i) => [i.kind, i.probe]),
      [
        ['number-range', { kind: 'number-above', integerDigits: 35 }],
        ['number-precision', { kind: 'number-scale', scale: 30 }],
      ],
    );
    assert.deepEqual(issues(col('N', 'number', 'NUMBER'), 'oracle', 'postgres'), []);
    assert.deepEqual(
      issues(col('N', 'number', 'NUMBER(*,0)', { scale: 0 }), 'oracle', 'mysql'),
      [],
      'NUMBER(*,0): 38 digits fit',
    );
    assert.deepEqual(
      issues(col('N', 'number', 'NUMBER(38,10)', { precision: 38, scale: 10 }), 'oracle', 'mysql'),
      [],
    );
    assert.deepEqual(
      issues(col('N', 'number', 'NUMBER(38,35)', { precision: 38, scale: 35 }), 'oracle', 'mysql').map(
        (i) => i.probe,
      ),
      [{ kind: 'number-scale', scale: 30 }],
    );
  });

  it('PostgreSQL numeric into MySQL and Oracle: range, precision, and NaN only when found', () => {
    const unconstrained = issues(col('n', 'numeric', 'numeric'), 'postgres', 'mysql');
    assert.deepEqual(kinds(unconstrained), ['number-range:warning', 'number-precision:warning']);
    assert.match(unconstrained[0]!.what, /NaN/);
    assert.deepEqual(
      kinds(issues(col('n', 'numeric', 'numeric(10,2)', { precision: 10, scale: 2 }), 'postgres', 'mysql')),
      ['number-range:warning:found'],
    );
    assert.deepEqual(
      issues(col('n', 'numeric', 'numeric(70,0)', { precision: 70, scale: 0 }), 'postgres', 'mysql').map(
        (i) => i.probe,
      ),
      [{ kind: 'number-above', integerDigits: 35 }],
    );
    assert.deepEqual(
      issues(col('n', 'numeric', 'numeric'), 'postgres', 'oracle').map((i) => i.probe),
      [
        { kind: 'number-significant', digits: 38 },
        { kind: 'number-above', integerDigits: 126 },
      ],
    );
  });

  it('MySQL DECIMAL beyond 38 digits into Oracle NUMBER; nothing into PostgreSQL numeric', () => {
    const wide = col('d', 'decimal', 'decimal(65,30)', { precision: 65, scale: 30 });
    assert.deepEqual(
      issues(wide, 'mysql', 'oracle').map((i) => [i.kind, i.probe]),
      [['number-precision', { kind: 'number-significant', digits: 38 }]],
    );
    assert.deepEqual(issues(wide, 'mysql', 'postgres'), []);
    assert.deepEqual(
      issues(col('d', 'decimal', 'decimal(38,10)', { precision: 38, scale: 10 }), 'mysql', 'oracle'),
      [],
    );
  });

  it('BIGINT UNSIGNED fits numeric(20,0) / NUMBER(20); TINYINT(1) is a boolean there', () => {
    const big = col('b', 'bigint', 'bigint(20) unsigned', { unsigned: true });
    assert.deepEqual(issues(big, 'mysql', 'postgres'), []);
    assert.deepEqual(issues(big, 'mysql', 'oracle'), []);
    for (const to of ['postgres', 'oracle'] as const) {
      assert.deepEqual(issues(col('f', 'tinyint', 'tinyint(1)'), 'mysql', to)[0]?.probe, {
        kind: 'not-boolean',
      });
    }
  });

  it('floats: only where the representation differs (Oracle FLOAT → DOUBLE) or NaN cannot be stored', () => {
    assert.deepEqual(kinds(issues(col('F', 'float', 'FLOAT(126)', { precision: 126 }), 'oracle', 'mysql')), [
      'float-precision:warning',
    ]);
    assert.deepEqual(issues(col('F', 'float', 'FLOAT(126)', { precision: 126 }), 'oracle', 'postgres'), []);
    assert.deepEqual(kinds(issues(col('r', 'real', 'real'), 'postgres', 'mysql')), [
      'float-precision:warning:found',
    ]);
    assert.deepEqual(issues(col('r', 'real', 'real'), 'postgres', 'oracle'), []);
    assert.deepEqual(kinds(issues(col('B', 'binary_double', 'BINARY_DOUBLE'), 'oracle', 'mysql')), [
      'float-precision:warning:found',
    ]);
    assert.deepEqual(issues(col('d', 'double', 'double'), 'mysql', 'postgres'), []);
    assert.deepEqual(issues(col('d', 'double', 'double'), 'mysql', 'oracle'), []);
  });
});

describe('round-trip rules: types, padding, names', () => {
  it('types without a target type are blockers', () => {
    assert.deepEqual(kinds(issues(col('g', 'geometry', 'geometry'), 'mysql', 'postgres')), [
      'unsupported-type:blocker',
    ]);
    const array = issues(col('tags', 'array', 'text[]'), 'postgres', 'mysql');
    assert.deepEqual(kinds(array), ['unsupported-type:blocker']);
    assert.match(array[0]!.what, /^text\[\] has no MySQL type \(arrays are not replicated\)/);
    assert.deepEqual(kinds(issues(col('P', 'sdo_geometry', 'SDO_GEOMETRY'), 'oracle', 'postgres')), [
      'unsupported-type:blocker',
    ]);
  });

  it('CHAR between MySQL and PostgreSQL/Oracle: padding warning; none between PostgreSQL and Oracle', () => {
    assert.deepEqual(kinds(issues(col('c', 'char', 'char(3)'), 'mysql', 'postgres')), [
      'char-padding:warning',
      'nul-character:warning:found',
    ]);
    assert.deepEqual(kinds(issues(col('c', 'character', 'character(3)'), 'postgres', 'mysql')), [
      'char-padding:warning',
    ]);
    assert.deepEqual(kinds(issues(col('C', 'char', 'CHAR(3 CHAR)'), 'oracle', 'mysql')), [
      'char-padding:warning',
    ]);
    assert.deepEqual(issues(col('C', 'char', 'CHAR(3 CHAR)'), 'oracle', 'postgres'), []);
  });

  it("identifiers over the target's limit: Oracle bytes (128, or 30), PostgreSQL 63 bytes, MySQL 64 characters", () => {
    const name40 = 'x'.repeat(40);
    assert.deepEqual(issues(col(name40, 'int', 'int'), 'mysql', 'oracle'), []);
    const [short] = issues(col(name40, 'int', 'int'), 'mysql', 'oracle', { oracleMaxIdentifierLength: 30 });
    assert.equal(short?.kind, 'identifier-length');
    assert.equal(short.severity, 'warning');
    assert.match(
      short.what,
      new RegExp(
        `^the column name '${name40}' is 40 characters long; Oracle allows 30 bytes \\(before 12\\.2\\)`,
      ),
    );
    const accented = 'é'.repeat(16); // 16 characters, 32 bytes
    assert.match(
      issues(col(accented, 'int', 'int'), 'mysql', 'oracle', { oracleMaxIdentifierLength: 30 })[0]?.what ??
        '',
      /32 bytes \(16 characters\)/,
    );
    assert.equal(
      issues(col('y'.repeat(64), 'int', 'int'), 'mysql', 'postgres')[0]?.kind,
      'identifier-length',
    );
    assert.deepEqual(issues(col('y'.repeat(63), 'int', 'int'), 'mysql', 'postgres'), []);
    assert.equal(
      issues(col('Z'.repeat(65), 'number', 'NUMBER(10,0)', { precision: 10, scale: 0 }), 'oracle', 'mysql')[0]
        ?.kind,
      'identifier-length',
    );
  });

  it('the same engine on both ends: names only', () => {
    assert.deepEqual(issues(col('d', 'date', 'date'), 'mysql', 'mysql'), []);
  });
});

describe('key comparison per target', () => {
  const text = col('email', 'character varying', 'character varying(100)', { nullable: false });
  const number = col('id', 'bigint', 'bigint', { nullable: false });

  it('MySQL default (utf8mb4_general_ci): case, accents, trailing spaces and supplementary characters fold', () => {
    const c = keyComparison({ from: 'postgres', to: 'mysql', toFlavor: 'mariadb' });
    assert.ok(c, 'a comparison');
    assert.equal(c.label, 'mariadb (case- and accent-insensitive, PAD SPACE: utf8mb4_general_ci)');
    const same = (a: string, b: string): boolean => c.tuple([a], [text]) === c.tuple([b], [text]);
    assert.ok(same('Alice@x.org', 'alice@x.org'), 'case');
    assert.ok(same('e', 'é'), 'accent');
    assert.ok(same('É', 'e'), 'case and accent');
    assert.ok(same('e\u0301', 'é'), 'decomposed and composed');
    assert.ok(same('İ', 'i'), 'dotted capital I');
    assert.ok(same('x', 'x  '), 'PAD SPACE');
    assert.ok(same('😀', '😁'), 'general_ci weighs every supplementary character alike');
    assert.ok(!same('a', 'b'), 'a and b differ');
    assert.ok(!same(' x', 'x'), 'leading spaces count');
    assert.ok(c.applies([text], true), 'c.applies([text], true)');
    assert.ok(!c.applies([number], true), 'no character column: nothing folds');
    assert.equal(c.tuple([null], [text]), undefined, 'NULLs never collide in MySQL');
    assert.equal(c.tuple(['1', 'A'], [number, text]), c.tuple(['1', 'a'], [number, text]));
  });

  it('other MySQL collations', () => {
    const fold = (collation: string) => {
      const c = keyComparison({ from: 'oracle', to: 'mysql', targetCollation: collation });
      const t = col('NAME', 'varchar2', 'VARCHAR2(20 CHAR)');
      return c && ((a: string, b: string): boolean => c.tuple([a], [t]) === c.tuple([b], [t]));
    };
    const ai = fold('utf8mb4_0900_ai_ci')!;
    assert.ok(ai('A', 'á') && !ai('a', 'a '), '0900 collations are NO PAD');
    assert.ok(!ai('😀', '😁'), '0900 weighs supplementary characters');
    const asci = fold('utf8mb4_0900_as_ci')!;
    assert.ok(asci('A', 'a') && !asci('a', 'á'), 'as_ci: case folds, accents do not');
    const bin = fold('utf8mb4_bin')!;
    assert.ok(bin('a', 'a ') && !bin('A', 'a'), 'utf8mb4_bin is PAD SPACE');
    assert.ok(!fold('utf8mb4_unicode_520_ci')!('😀', '😁'), 'unicode_520 weighs supplementary characters');
    assert.equal(fold('utf8mb4_0900_bin'), undefined);
    assert.equal(fold('binary'), undefined);
    assert.ok(fold('utf8mb4_general_nopad_ci') && !fold('utf8mb4_general_nopad_ci')!('a', 'a '), 'nopad');
  });

  it("Oracle: '' is NULL, and composite unique keys with some NULLs compare the rest", () => {
    const c = keyComparison({ from: 'mysql', to: 'oracle' });
    assert.ok(c, 'a comparison');
    const team = col('team', 'int', 'int', { nullable: false });
    const badge = col('badge', 'varchar', 'varchar(10)');
    assert.ok(c.applies([team, badge], false), 'c.applies([team, badge], false)');
    assert.ok(!c.applies([team, badge], true), 'primary-key columns are NOT NULL');
    assert.ok(!c.applies([badge], false), 'a single NULL never collides');
    assert.equal(c.tuple(['1', null], [team, badge]), c.tuple(['1', null], [team, badge]));
    assert.equal(c.tuple(['1', ''], [team, badge]), c.tuple(['1', null], [team, badge]));
    assert.equal(c.tuple([null, ''], [team, badge]), undefined, 'all NULL: distinct');
    assert.notEqual(c.tuple(['1', 'a'], [team, badge]), c.tuple(['1', 'A'], [team, badge]));
  });

  it('PostgreSQL: nothing the source holds as distinct is equal there', () => {
    assert.equal(keyComparison({ from: 'mysql', to: 'postgres' }), undefined);
    assert.equal(keyComparison({ from: 'oracle', to: 'postgres' }), undefined);
  });
});

// ---------------------------------------------------------------------------------------------------
// checkSchema against a recording driver

interface Call {
  readonly sql: string;
  readonly params: readonly unknown[];
}

/** Answers every query with `respond`, and records it. */
class FakeDriver implements EngineDriver {
  readonly calls: Call[] = [];

  constructor(
    private readonly respond: (sql: string, params: readonly unknown[]) => Record<string, unknown>[],
  ) {}

  query(sql: string, params: readonly unknown[] = []): Promise<Record<string, unknown>[]> {
    this.calls.push({ sql, params });
    return Promise.resolve(this.respond(sql, params));
  }

  execute(_statement: CompiledStatement): Promise<{ rows: Record<string, unknown>[]; affected: number }> {
    return Promise.reject(new Error('not used'));
  }

  serverVersion(): Promise<string> {
    return Promise.resolve('fake');
  }

  transaction<T>(work: (tx: EngineSession) => Promise<T>): Promise<T> {
    return work(this);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** The highest placeholder number in `sql` (`:3`, `$3`) or the count of `?`. */
function placeholders(sql: string): number {
  const numbered = [...sql.matchAll(/[:$](\d+)/g)].map((m) => Number(m[1]));
  return numbered.length > 0 ? Math.max(...numbered) : (sql.match(/\?/g) ?? []).length;
}

describe('checkSchema', () => {
  const oracleTable: SchemaTable = {
    schema: 'APP',
    name: 'EVENTS',
    columns: [
      col('NAME', 'varchar2', 'VARCHAR2(40 CHAR)', { nullable: false, length: 40 }),
      col('AT', 'timestamp with time zone', 'TIMESTAMP(9) WITH TIME ZONE', {
        nullable: false,
        fractionDigits: 9,
      }),
      col('AMOUNT', 'number', 'NUMBER'),
      col('TOOK', 'interval day to second', 'INTERVAL DAY(9) TO SECOND(6)', {
        precision: 9,
        fractionDigits: 6,
      }),
      col('RATIO', 'binary_double', 'BINARY_DOUBLE'),
      col('BORN', 'date', 'DATE'),
      col('SEQ', 'number', 'NUMBER(19,0)', { precision: 19, scale: 0, nullable: false }),
      col('CODE', 'varchar2', 'VARCHAR2(10 CHAR)', { length: 10 }),
    ],
    primaryKey: ['NAME', 'AT', 'SEQ'],
    uniqueKeys: [['CODE']],
    primaryKeyName: 'EVENTS_PK',
    uniqueKeyInfo: [{ name: 'EVENTS_CODE_UK', columns: ['CODE'] }],
    foreignKeys: [],
    indexes: [{ name: `EVENTS_${'X'.repeat(60)}`, columns: [{ name: 'BORN' }] }],
    checks: [],
  };

  /** Oracle answers: counts for the aggregate (2 rows for AMOUNT's range), one example per probe, key pages. */
  function oracleDriver(pages: Record<string, unknown>[][]): FakeDriver {
    let page = 0;
    return new FakeDriver((sql) => {
      if (sql.startsWith('SELECT COUNT(*)')) {
        const sums = sql.split('SUM(CASE WHEN ').slice(1);
        const counts: Record<string, unknown> = { n: '5' };
        for (const [i, s] of sums.entries()) counts[`c${i}`] = s.startsWith('ABS("AMOUNT")') ? '2' : '0';
        return [counts];
      }
      if (sql.startsWith('SELECT DISTINCT')) return [{ v: '123456789012345678901234567890123456' }];
      return pages[page++] ?? [];
    });
  }

  it('Oracle → MySQL: every scan statement parses as Oracle SQL, with as many binds as placeholders', async () => {
    const pages = [
      [
        { k0: 'Alice', k1: '2024-01-01 00:00:00.000000001', k2: '1', k3: 'A' },
        { k0: 'Bob', k1: '2024-01-01 00:00:00.000000002', k2: '2', k3: 'a' },
      ],
      [{ k0: 'Carl', k1: '2024-01-01 00:00:00.000000003', k2: '3', k3: null }],
    ];
    const driver = oracleDriver(pages);
    const report = await checkSchema(driver, 'APP', [oracleTable], {
      from: 'oracle',
      to: 'mysql',
      oracleMaxIdentifierLength: 30,
      pageSize: 2,
    });
    for (const { sql, params } of driver.calls) {
      const errors = plsqlSyntaxErrors(sql);
      assert.deepEqual(errors, [], formatPlsqlErrors(sql, errors));
      assert.equal(placeholders(sql), params.length, sql);
    }
    const [aggregate, sample, firstPage, secondPage] = driver.calls;
    assert.match(aggregate!.sql, /^SELECT COUNT\(\*\) AS "n", SUM\(CASE WHEN /);
    assert.match(
      aggregate!.sql,
      /SUM\(CASE WHEN ABS\("AMOUNT"\) >= TO_NUMBER\(:3\) THEN 1 ELSE 0 END\) AS "c2"/,
    );
    assert.equal(aggregate!.params[2], `1${'0'.repeat(35)}`);
    assert.match(aggregate!.sql, /EXTRACT\(SECOND FROM "AT"\) <> TRUNC\(EXTRACT\(SECOND FROM "AT"\), :\d+\)/);
    assert.match(aggregate!.sql, /\("RATIO" IS NAN OR "RATIO" IS INFINITE\)/);
    assert.match(aggregate!.sql, /FROM "APP"\."EVENTS"$/);
    assert.match(
      sample!.sql,
      /^SELECT DISTINCT TO_CHAR\("AMOUNT"\) AS "v" FROM "APP"\."EVENTS" WHERE .* FETCH FIRST :2 ROWS ONLY$/,
    );
    assert.equal(firstPage!.params.length, 1, 'the first page binds only its size');
    assert.match(firstPage!.sql, /TO_CHAR\(SYS_EXTRACT_UTC\("AT"\), 'YYYY-MM-DD HH24:MI:SS\.FF9'\) AS "k1"/);
    assert.match(firstPage!.sql, /ORDER BY "NAME", SYS_EXTRACT_UTC\("AT"\), "SEQ" FETCH FIRST :1 ROWS ONLY$/);
    assert.match(
      secondPage!.sql,
      /WHERE \(\("NAME" > :1\) OR \("NAME" = :2 AND SYS_EXTRACT_UTC\("AT"\) > TO_TIMESTAMP\(:3, /,
    );
    assert.match(secondPage!.sql, /"SEQ" > TO_NUMBER\(:\d+\)\)\)/);
    assert.deepEqual(secondPage!.params.slice(0, 3), ['Bob', 'Bob', '2024-01-01 00:00:00.000000002']);
    assert.equal(driver.calls.length, 4, 'the second page is short: the scan ends');

    const amount = report.problems.find((p) => p.column === 'AMOUNT' && p.kind === 'number-range');
    assert.equal(amount?.severity, 'blocker');
    assert.equal(amount.rows, 2);
    assert.deepEqual(amount.values, ['123456789012345678901234567890123456']);
    assert.match(
      amount.message,
      /^EVENTS\.AMOUNT \(NUMBER\): NUMBER \(no precision\) allows any number of integer digits/,
    );
    const code = report.problems.find((p) => p.kind === 'key-collision' && p.key?.[0] === 'CODE');
    assert.equal(code?.severity, 'blocker');
    assert.match(
      code.message,
      /^EVENTS: unique key EVENTS_CODE_UK \(CODE\) collides on mysql .*: 'A' and 'a'; 2 rows/,
    );
    const pk = report.problems.find((p) => p.kind === 'key-collision' && p.key?.[0] === 'NAME');
    assert.equal(pk?.severity, 'warning');
    assert.equal(pk.rows, 0);
    const index = report.problems.find((p) => p.kind === 'identifier-length');
    assert.match(
      index?.message ?? '',
      /^EVENTS: the index name 'EVENTS_X{60}' is 67 characters long; MySQL allows 64 characters/,
    );
    assert.deepEqual(report.scanned, { tables: 1, rows: 5 });
    assert.equal(report.safe, false);
  });

  it('key collisions across pages: counts every row, shows at most sampleLimit groups and members', async () => {
    const table: TableInfo = {
      schema: 'public',
      name: 'users',
      columns: [col('email', 'character varying', 'character varying(100)', { nullable: false })],
      primaryKey: ['email'],
      uniqueKeys: [],
    };
    const values = ['A', 'B', 'C', 'D', 'E', 'a', 'b', 'c', 'd', 'á', 'à', 'Ä', 'x'];
    const pages: Record<string, unknown>[][] = [];
    for (let i = 0; i < values.length; i += 4) pages.push(values.slice(i, i + 4).map((v) => ({ k0: v })));
    let page = 0;
    const driver = new FakeDriver(() => pages[page++] ?? []);
    const report = await checkSchema(driver, 'public', [table], {
      from: 'postgres',
      to: 'mysql',
      pageSize: 4,
      sampleLimit: 2,
    });
    assert.equal(driver.calls.length, 4);
    assert.equal(
      driver.calls[1]!.sql,
      'SELECT "email" AS "k0" FROM "public"."users" WHERE "email" > $1 ORDER BY "email" LIMIT $2',
    );
    assert.deepEqual(driver.calls[1]!.params, ['D', 4]);
    const [problem] = report.problems;
    assert.equal(problem?.kind, 'key-collision');
    assert.equal(problem.rows, 11, 'a, á, à, Ä and A are one key; so are b/B, c/C, d/D');
    assert.deepEqual(problem.values, ['A', 'a', 'B', 'b']);
    assert.match(
      problem.message,
      /'A' and 'a'; 'B' and 'b' \(and 2 more\); 11 rows with distinct source keys share 4 keys there/,
    );
    assert.deepEqual(report.scanned, { tables: 1, rows: 13 });
  });

  it('MySQL pages bind BIGINT boundaries as integers and DECIMAL ones through a cast', async () => {
    const table: TableInfo = {
      schema: 'shop',
      name: 'ledger',
      columns: [
        col('id', 'bigint', 'bigint(20)', { nullable: false }),
        col('amount', 'decimal', 'decimal(30,10)', { nullable: false, precision: 30, scale: 10 }),
        col('team', 'int', 'int(11)', { nullable: false }),
        col('badge', 'varchar', 'varchar(10)'),
      ],
      primaryKey: ['id', 'amount'],
      uniqueKeys: [['team', 'badge']],
    };
    const pages = [[{ k0: '9007199254740993', k1: '1.5000000000', k2: 1, k3: null }]];
    let page = 0;
    const driver = new FakeDriver((sql) =>
      sql.startsWith('SELECT COUNT(*)') ? [{ n: 1, c0: '0' }] : (pages[page++] ?? []),
    );
    await checkSchema(driver, 'shop', [table], { from: 'mysql', to: 'oracle', pageSize: 1 });
    const second = driver.calls.find((c) => c.sql.includes('WHERE'));
    assert.equal(
      second?.sql,
      'SELECT `id` AS `k0`, `amount` AS `k1`, `team` AS `k2`, `badge` AS `k3` FROM `shop`.`ledger` WHERE (`id`, `amount`) > (?, CAST(? AS DECIMAL(30,10))) ORDER BY `id`, `amount` LIMIT ?',
    );
    assert.deepEqual(second.params, [9007199254740993n, '1.5000000000', 1]);
  });

  it('without the data scan: no query, catalog warnings only, rare classes left out', async () => {
    const table: TableInfo = {
      schema: 'public',
      name: 'm',
      columns: [
        col('id', 'text', 'text', { nullable: false }),
        col('n', 'numeric', 'numeric(10,2)', { precision: 10, scale: 2 }),
        col('g', 'array', 'integer[]'),
      ],
      primaryKey: ['id'],
      uniqueKeys: [],
    };
    const driver = new FakeDriver(() => assert.fail('no query without the scan'));
    const options: CheckOptions = { from: 'postgres', to: 'oracle', scanData: false };
    const report = await checkSchema(driver, 'public', [table], options);
    assert.deepEqual(
      report.problems.map((p) => [p.kind, p.severity, p.column, p.rows]),
      [
        ['empty-string', 'warning', 'id', undefined],
        ['unsupported-type', 'blocker', 'g', undefined],
      ],
    );
    assert.equal(report.safe, false);
    assert.deepEqual(report.scanned, { tables: 0, rows: 0 });
  });
});
