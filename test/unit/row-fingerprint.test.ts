// Echo fingerprints (design §3.2): the canonical form of a row as the side storing it will report it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import type { Value } from '../../src/core/values.js';
import type { ColumnInfo } from '../../src/engines/dialect.js';
import {
  canonicalValue,
  DELETED_STATE,
  rowFingerprint,
  sameRow,
  withBefore,
  type ColumnValue,
} from '../../src/echo/row-fingerprint.js';

function col(
  name: string,
  dataType: string,
  columnType = dataType,
  extra: Partial<ColumnInfo> = {},
): ColumnInfo {
  return { name, position: 1, dataType, columnType, nullable: true, ...extra };
}

const decimalCol = col('amount', 'decimal', 'decimal(10,4)', { precision: 10, scale: 4 });
const doubleCol = col('ratio', 'double', 'double');
const bigintCol = col('id', 'bigint', 'bigint');
const varcharCol = col('name', 'varchar', 'varchar(100)', { length: 100 });
const textCol = col('doc', 'text', 'text');
const jsonCol = col('doc', 'json', 'json');
const jsonbCol = col('doc', 'jsonb', 'jsonb');
const tinyint1 = col('flag', 'tinyint', 'tinyint(1)');
const tinyint4 = col('flag', 'tinyint', 'tinyint(4)');
const bit1 = col('flag', 'bit', 'bit(1)');
const pgBoolean = col('flag', 'boolean', 'boolean');
const bit12 = col('mask', 'bit', 'bit(12)');

const dec = (unscaled: bigint, scale: number): Value => ({ type: 'decimal', unscaled, scale });
const ts = (micros: bigint, nanos = 0): Value => ({ type: 'timestamp', micros, nanos });
const tstz = (micros: bigint, nanos = 0): Value => ({ type: 'timestamptz', micros, nanos });
const json = (text: string): Value => ({ type: 'json', text });
const bits = (bytes: number[], length: number): Value => ({
  type: 'bits',
  bytes: Uint8Array.from(bytes),
  length,
});

describe('canonicalValue: numbers by value', () => {
  it('a double, and decimals at any scale, holding 1.5 are the same', () => {
    const n = canonicalValue(1.5, decimalCol, 'mysql');
    assert.equal(n, canonicalValue(dec(150n, 2), decimalCol, 'mysql'));
    assert.equal(n, canonicalValue(dec(1500n, 3), decimalCol, 'mysql'));
    assert.equal(n, canonicalValue(dec(15000n, 4), decimalCol, 'postgres'));
    assert.equal(n, canonicalValue(dec(15n, 1), doubleCol, 'oracle'));
    assert.notEqual(n, canonicalValue(dec(151n, 2), decimalCol, 'mysql'));
    assert.notEqual(n, canonicalValue(1.25, decimalCol, 'mysql'));
  });

  it('negative values at different scales are the same', () => {
    assert.equal(
      canonicalValue(-1.5, decimalCol, 'mysql'),
      canonicalValue(dec(-15000n, 4), decimalCol, 'mysql'),
    );
    assert.equal(
      canonicalValue(-0.05, decimalCol, 'mysql'),
      canonicalValue(dec(-5n, 2), decimalCol, 'mysql'),
    );
    assert.notEqual(canonicalValue(-1.5, decimalCol, 'mysql'), canonicalValue(1.5, decimalCol, 'mysql'));
  });

  it('bigint, number and a decimal of scale 0 (or negative scale) are the same', () => {
    assert.equal(canonicalValue(42n, bigintCol, 'mysql'), canonicalValue(dec(42n, 0), bigintCol, 'mysql'));
    assert.equal(canonicalValue(42n, bigintCol, 'mysql'), canonicalValue(42, bigintCol, 'mysql'));
    assert.equal(canonicalValue(42n, bigintCol, 'mysql'), canonicalValue(dec(42000n, 3), bigintCol, 'mysql'));
    assert.equal(
      canonicalValue(4200n, bigintCol, 'oracle'),
      canonicalValue(dec(42n, -2), bigintCol, 'oracle'),
    );
    assert.equal(
      canonicalValue(18446744073709551615n, bigintCol, 'mysql'),
      canonicalValue(dec(18446744073709551615n, 0), bigintCol, 'mysql'),
    );
    assert.notEqual(canonicalValue(42n, bigintCol, 'mysql'), canonicalValue(43n, bigintCol, 'mysql'));
  });

  it('-0 is 0', () => {
    const zero = canonicalValue(0, decimalCol, 'postgres');
    assert.equal(canonicalValue(-0, decimalCol, 'postgres'), zero);
    assert.equal(canonicalValue(dec(0n, 2), decimalCol, 'postgres'), zero);
    assert.equal(canonicalValue(0n, decimalCol, 'postgres'), zero);
  });

  it('tiny and huge doubles (exponent notation) equal the decimal of the same value', () => {
    assert.equal(
      canonicalValue(1.5e-7, decimalCol, 'mysql'),
      canonicalValue(dec(15n, 8), decimalCol, 'mysql'),
    );
    assert.equal(
      canonicalValue(1.5e-7, decimalCol, 'mysql'),
      canonicalValue(dec(150n, 9), decimalCol, 'mysql'),
    );
    assert.equal(
      canonicalValue(-1.5e-7, decimalCol, 'mysql'),
      canonicalValue(dec(-15n, 8), decimalCol, 'mysql'),
    );
    assert.equal(canonicalValue(1e-7, decimalCol, 'mysql'), canonicalValue(dec(1n, 7), decimalCol, 'mysql'));
    assert.equal(canonicalValue(1e21, decimalCol, 'mysql'), canonicalValue(10n ** 21n, decimalCol, 'mysql'));
    assert.equal(
      canonicalValue(1.5e22, decimalCol, 'mysql'),
      canonicalValue(dec(15n, -21), decimalCol, 'mysql'),
    );
    assert.notEqual(
      canonicalValue(1.5e-7, decimalCol, 'mysql'),
      canonicalValue(dec(15n, 7), decimalCol, 'mysql'),
    );
  });

  it('a number is not the same as the string of its digits', () => {
    assert.notEqual(canonicalValue(1.5, varcharCol, 'mysql'), canonicalValue('1.5', varcharCol, 'mysql'));
  });
});

describe('canonicalValue: booleans by column', () => {
  it('MySQL TINYINT(1) 1 / BIT(1) and PostgreSQL boolean true are the same state', () => {
    const t = canonicalValue(true, pgBoolean, 'postgres');
    assert.equal(canonicalValue(1, tinyint1, 'mysql'), t);
    assert.equal(canonicalValue(1n, tinyint1, 'mysql'), t);
    assert.equal(canonicalValue(true, bit1, 'mysql'), t);
    assert.equal(canonicalValue(1, bit1, 'mysql'), t);
    assert.equal(canonicalValue('1', bit1, 'mysql'), t);
    const f = canonicalValue(false, pgBoolean, 'postgres');
    assert.equal(canonicalValue(0, tinyint1, 'mysql'), f);
    assert.equal(canonicalValue(0n, tinyint1, 'mysql'), f);
    assert.equal(canonicalValue(false, bit1, 'mysql'), f);
    assert.notEqual(t, f);
  });

  it('a TINYINT(1) holding 2 is not the same state as 1 (only 0 and 1 are truth values)', () => {
    assert.notEqual(canonicalValue(2, tinyint1, 'mysql'), canonicalValue(1, tinyint1, 'mysql'));
    assert.equal(sameRow('mysql', [{ column: tinyint1, value: 2 }], { flag: 1 }), false);
    assert.equal(sameRow('mysql', [{ column: tinyint1, value: 1 }], { flag: true }), true);
  });

  it('a wider TINYINT is a number, not a boolean', () => {
    assert.notEqual(canonicalValue(1, tinyint4, 'mysql'), canonicalValue(true, pgBoolean, 'postgres'));
    assert.equal(canonicalValue(1, tinyint4, 'mysql'), canonicalValue(1n, bigintCol, 'postgres'));
  });
});

describe('canonicalValue: strings', () => {
  it("Oracle '' is NULL, on Oracle only", () => {
    assert.equal(canonicalValue('', varcharCol, 'oracle'), null);
    assert.equal(canonicalValue('', varcharCol, 'oracle'), canonicalValue(null, varcharCol, 'oracle'));
    assert.notEqual(canonicalValue('', varcharCol, 'mysql'), null);
    assert.notEqual(canonicalValue('', varcharCol, 'postgres'), null);
    assert.equal(canonicalValue(null, varcharCol, 'postgres'), null);
  });

  it('CHAR ignores trailing spaces; VARCHAR and TEXT do not', () => {
    for (const dataType of ['char', 'character', 'bpchar', 'nchar']) {
      const c = col('code', dataType, `${dataType}(5)`, { length: 5 });
      assert.equal(canonicalValue('ab   ', c, 'postgres'), canonicalValue('ab', c, 'mysql'), dataType);
      // Leading spaces stay significant.
      assert.notEqual(canonicalValue('  ab', c, 'postgres'), canonicalValue('ab', c, 'postgres'), dataType);
    }
    assert.notEqual(
      canonicalValue('ab   ', varcharCol, 'postgres'),
      canonicalValue('ab', varcharCol, 'postgres'),
    );
    assert.notEqual(canonicalValue('ab ', textCol, 'mysql'), canonicalValue('ab', textCol, 'mysql'));
  });

  it('JSON compares by document (key order, white space) in JSON columns only', () => {
    const a = '{"b": 1, "a": [1, {"y": 2, "x": 3}]}';
    const b = '{"a":[1,{"x":3,"y":2}],"b":1}';
    assert.equal(canonicalValue(a, jsonCol, 'mysql'), canonicalValue(b, jsonbCol, 'postgres'));
    assert.equal(canonicalValue(json(a), jsonCol, 'mysql'), canonicalValue(json(b), jsonCol, 'mysql'));
    assert.equal(canonicalValue(json(a), jsonbCol, 'postgres'), canonicalValue(b, jsonbCol, 'postgres'));
    // Array order is significant.
    assert.notEqual(canonicalValue('[1,2]', jsonCol, 'mysql'), canonicalValue('[2,1]', jsonCol, 'mysql'));
    // In a text column the text is the value.
    assert.notEqual(canonicalValue(a, textCol, 'postgres'), canonicalValue(b, textCol, 'postgres'));
    assert.notEqual(
      canonicalValue(json(a), textCol, 'postgres'),
      canonicalValue(json(b), textCol, 'postgres'),
    );
    assert.equal(canonicalValue(json(a), textCol, 'postgres'), canonicalValue(a, textCol, 'postgres'));
  });
});

describe('canonicalValue: bits, bytes and temporal values', () => {
  it('bits compare by numeric value (MySQL two little-endian bytes vs PostgreSQL one byte)', () => {
    assert.equal(
      canonicalValue(bits([5, 0], 12), bit12, 'mysql'),
      canonicalValue(bits([5], 12), bit12, 'postgres'),
    );
    assert.equal(
      canonicalValue(bits([0x01, 0x02], 12), bit12, 'mysql'),
      canonicalValue(bits([0x01, 0x02], 12), bit12, 'postgres'),
    );
    assert.notEqual(
      canonicalValue(bits([0x01, 0x02], 12), bit12, 'mysql'),
      canonicalValue(bits([0x02, 0x01], 12), bit12, 'mysql'),
    );
    assert.notEqual(
      canonicalValue(bits([5, 0], 12), bit12, 'mysql'),
      canonicalValue(bits([5, 1], 12), bit12, 'mysql'),
    );
  });

  it('bytes compare by content', () => {
    const c = col('blob', 'bytea', 'bytea');
    assert.equal(
      canonicalValue(Uint8Array.from([1, 2, 255]), c, 'postgres'),
      canonicalValue(Buffer.from([1, 2, 255]), c, 'mysql'),
    );
    assert.notEqual(
      canonicalValue(Uint8Array.from([1, 2]), c, 'postgres'),
      canonicalValue(Uint8Array.from([1, 3]), c, 'postgres'),
    );
  });

  it('timestamp and timestamptz of the same instant are the same', () => {
    const c = col('at', 'timestamp', 'timestamp(6)', { fractionDigits: 6 });
    const micros = 1_700_000_000_123_456n;
    assert.equal(canonicalValue(ts(micros), c, 'postgres'), canonicalValue(tstz(micros), c, 'mysql'));
    assert.notEqual(canonicalValue(ts(micros), c, 'postgres'), canonicalValue(tstz(micros + 1n), c, 'mysql'));
    // A date is not a timestamp at midnight.
    const d = col('d', 'date', 'date');
    assert.notEqual(
      canonicalValue({ type: 'date', days: 1 }, d, 'mysql'),
      canonicalValue(ts(86_400_000_000n), d, 'mysql'),
    );
  });

  it('rounds half up to the column fractional digits', () => {
    const ms = col('at', 'datetime', 'datetime(3)', { fractionDigits: 3 });
    // 1.2345 s → 1.235 s; 1.234499 s → 1.234 s.
    assert.equal(canonicalValue(ts(1_234_500n), ms, 'mysql'), canonicalValue(ts(1_235_000n), ms, 'mysql'));
    assert.equal(canonicalValue(ts(1_234_499n), ms, 'mysql'), canonicalValue(ts(1_234_000n), ms, 'mysql'));
    assert.notEqual(canonicalValue(ts(1_234_500n), ms, 'mysql'), canonicalValue(ts(1_234_000n), ms, 'mysql'));
    // Before 1970: -1.2345 s is 58.7655 s into the previous minute, which rounds to 58.766 s (-1.234 s).
    assert.equal(canonicalValue(ts(-1_234_500n), ms, 'mysql'), canonicalValue(ts(-1_234_000n), ms, 'mysql'));
    assert.equal(canonicalValue(ts(-1_234_501n), ms, 'mysql'), canonicalValue(ts(-1_235_000n), ms, 'mysql'));
    assert.equal(
      canonicalValue(tstz(-1_234_499n), ms, 'mysql'),
      canonicalValue(tstz(-1_234_000n), ms, 'mysql'),
    );
    // 0 digits: whole seconds.
    const s = col('at', 'datetime', 'datetime', { fractionDigits: 0 });
    assert.equal(canonicalValue(ts(1_500_000n), s, 'mysql'), canonicalValue(ts(2_000_000n), s, 'mysql'));
    assert.equal(canonicalValue(ts(1_499_999n), s, 'mysql'), canonicalValue(ts(1_000_000n), s, 'mysql'));
    // Times round the same way.
    const t = col('t', 'time', 'time(3)', { fractionDigits: 3 });
    assert.equal(
      canonicalValue({ type: 'time', micros: 1_234_500n }, t, 'mysql'),
      canonicalValue({ type: 'time', micros: 1_235_000n }, t, 'mysql'),
    );
    // At 6 digits nothing is rounded.
    const us = col('at', 'timestamp', 'timestamp(6)', { fractionDigits: 6 });
    assert.notEqual(
      canonicalValue(ts(1_234_500n), us, 'postgres'),
      canonicalValue(ts(1_235_000n), us, 'postgres'),
    );
  });

  it('keeps nanoseconds where the column has more than 6 digits', () => {
    const ns = col('at', 'timestamp', 'timestamp(9)', { fractionDigits: 9 });
    assert.notEqual(canonicalValue(ts(1n, 500), ns, 'oracle'), canonicalValue(ts(1n, 0), ns, 'oracle'));
    assert.equal(canonicalValue(ts(1n, 500), ns, 'oracle'), canonicalValue(tstz(1n, 500), ns, 'oracle'));
    assert.equal(
      canonicalValue(ts(1n, 0), ns, 'oracle'),
      canonicalValue(ts(1n), col('at', 'timestamp'), 'postgres'),
    );
  });
});

describe('rowFingerprint', () => {
  const id = col('id', 'bigint');
  const ID = col('ID', 'number', 'NUMBER(19)');
  const name = col('name', 'varchar', 'varchar(50)');
  const NAME = col('NAME', 'varchar2', 'VARCHAR2(50)');
  const amount = col('amount', 'numeric', 'numeric(10,2)');
  const AMOUNT = col('AMOUNT', 'number', 'NUMBER(10,4)');
  const cv = (column: ColumnInfo, value: Value): ColumnValue => ({ column, value });

  it('ignores column-name case and column order', () => {
    const a = rowFingerprint(
      'pg',
      'postgres',
      'app.accounts',
      [cv(id, 7n)],
      [cv(id, 7n), cv(name, 'ann'), cv(amount, dec(150n, 2))],
    );
    const b = rowFingerprint(
      'pg',
      'postgres',
      'APP.ACCOUNTS',
      [cv(ID, 7)],
      [cv(AMOUNT, dec(15000n, 4)), cv(NAME, 'ann'), cv(ID, dec(7n, 0))],
    );
    assert.deepEqual(a, b);
    assert.equal(typeof a.rowKey, 'string');
    assert.ok(a.rowKey.length > 0);
    assert.notEqual(a.state, DELETED_STATE);
  });

  it('a different value gives another state of the same row', () => {
    const a = rowFingerprint('pg', 'postgres', 'app.accounts', [cv(id, 7n)], [cv(id, 7n), cv(name, 'ann')]);
    const b = rowFingerprint('pg', 'postgres', 'app.accounts', [cv(id, 7n)], [cv(id, 7n), cv(name, 'bob')]);
    assert.equal(a.rowKey, b.rowKey);
    assert.notEqual(a.state, b.state);
    // A column missing is another state too.
    const c = rowFingerprint('pg', 'postgres', 'app.accounts', [cv(id, 7n)], [cv(id, 7n)]);
    assert.notEqual(a.state, c.state);
  });

  it('another side, table or key is another row', () => {
    const row = [cv(id, 7n), cv(name, 'ann')];
    const base = rowFingerprint('pg', 'postgres', 'app.accounts', [cv(id, 7n)], row);
    const otherSide = rowFingerprint('my', 'postgres', 'app.accounts', [cv(id, 7n)], row);
    const otherTable = rowFingerprint('pg', 'postgres', 'app.orders', [cv(id, 7n)], row);
    const otherKey = rowFingerprint('pg', 'postgres', 'app.accounts', [cv(id, 8n)], row);
    assert.notEqual(otherSide.rowKey, base.rowKey);
    assert.notEqual(otherTable.rowKey, base.rowKey);
    assert.notEqual(otherKey.rowKey, base.rowKey);
    // The state depends on the values only.
    assert.equal(otherSide.state, base.state);
    assert.equal(otherTable.state, base.state);
  });

  it('a delete has the deleted state and the row key of the row', () => {
    const upsert = rowFingerprint('pg', 'postgres', 'app.accounts', [cv(id, 7n)], [cv(id, 7n)]);
    const deleted = rowFingerprint('pg', 'postgres', 'app.accounts', [cv(id, 7n)], null);
    assert.equal(DELETED_STATE, '-');
    assert.equal(deleted.state, '-|', 'deleted, replacing an unknown row');
    assert.equal(deleted.rowKey, upsert.rowKey);
  });

  it('the before-image is part of the state: the same row reached from another row is another change', () => {
    const row = [cv(id, 7n), cv(name, 'b')];
    const from = (v: Value) =>
      rowFingerprint('pg', 'postgres', 'app.t', [cv(id, 7n)], row, [cv(id, 7n), cv(name, v)]);
    assert.notEqual(from('a').state, from('c').state);
    assert.equal(from('a').state.split('|')[0], from('c').state.split('|')[0], 'same row written');
    const inserted = rowFingerprint('pg', 'postgres', 'app.t', [cv(id, 7n)], row, null);
    assert.match(inserted.state, /\|-$/, 'an insert replaced no row');
    const unknown = rowFingerprint('pg', 'postgres', 'app.t', [cv(id, 7n)], row);
    assert.match(unknown.state, /\|$/, 'no before-image: the before part is empty');
    assert.equal(withBefore(unknown, 'postgres', [cv(id, 7n), cv(name, 'a')]).state, from('a').state);
  });

  it("Oracle '' and NULL are the same state on Oracle only", () => {
    const ora = (v: Value) => rowFingerprint('ora', 'oracle', 'APP.T', [cv(ID, 1)], [cv(ID, 1), cv(NAME, v)]);
    assert.equal(ora('').state, ora(null).state);
    const pg = (v: Value) => rowFingerprint('pg', 'postgres', 'app.t', [cv(id, 1)], [cv(id, 1), cv(name, v)]);
    assert.notEqual(pg('').state, pg(null).state);
  });
});

describe('sameRow', () => {
  const id = col('id', 'bigint');
  const amount = col('amount', 'numeric', 'numeric(10,4)');
  const flag = col('flag', 'tinyint', 'tinyint(1)');
  const code = col('code', 'char', 'char(5)');
  const note = col('note', 'varchar2', 'VARCHAR2(20)');

  it('is true when every incoming value equals the current one as the target stores it', () => {
    const incoming: ColumnValue[] = [
      { column: id, value: 7 },
      { column: amount, value: 1.5 },
      { column: flag, value: true },
      { column: code, value: 'ab' },
    ];
    const current = { id: 7n, amount: dec(15000n, 4), flag: 1, code: 'ab   ', other: 'not compared' };
    assert.equal(sameRow('mysql', incoming, current), true);
  });

  it('is false when a value differs', () => {
    const incoming: ColumnValue[] = [
      { column: id, value: 7 },
      { column: amount, value: 1.5 },
    ];
    assert.equal(sameRow('mysql', incoming, { id: 7n, amount: dec(15001n, 4) }), false);
    assert.equal(sameRow('mysql', incoming, { id: 7n, amount: null }), false);
  });

  it('is false when the current row lacks a column', () => {
    assert.equal(sameRow('postgres', [{ column: amount, value: 1.5 }], { id: 7n }), false);
  });

  it("treats Oracle '' as NULL on Oracle only", () => {
    assert.equal(sameRow('oracle', [{ column: note, value: '' }], { note: null }), true);
    assert.equal(sameRow('postgres', [{ column: note, value: '' }], { note: null }), false);
  });

  it('is true for no columns at all', () => {
    assert.equal(sameRow('mysql', [], {}), true);
  });
});
