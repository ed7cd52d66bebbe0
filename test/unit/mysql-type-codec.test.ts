import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { valueToJson } from '../../src/core/value-json.js';
import type { Value } from '../../src/core/values.js';
import type { ColumnInfo } from '../../src/engines/dialect.js';
import { MysqlTypeCodec } from '../../src/engines/mysql/mysql-type-codec.js';
import { assertDoesNotFit, column } from '../support/table-fixtures.js';

const codec = new MysqlTypeCodec();
const dec = (unscaled: bigint, scale: number): Value => ({ type: 'decimal', unscaled, scale });
const ts = (micros: bigint): Value => ({ type: 'timestamp', micros, nanos: 0 });
const tstz = (micros: bigint): Value => ({ type: 'timestamptz', micros, nanos: 0 });

const rejects = (value: Value, col: ColumnInfo, why?: RegExp): void =>
  assertDoesNotFit(codec, value, col, why);

describe('MysqlTypeCodec.encode', () => {
  it('checks integer ranges, signed and unsigned', () => {
    const tiny = column('t', 'tinyint', { columnType: 'tinyint(4)' });
    const utiny = column('u', 'tinyint', { columnType: 'tinyint(3) unsigned', unsigned: true });
    const ubig = column('b', 'bigint', { columnType: 'bigint(20) unsigned', unsigned: true });
    const big = column('s', 'bigint');
    assert.equal(codec.encode(-128, tiny), -128);
    rejects(128, tiny, /out of range -128…127/);
    assert.equal(codec.encode(255n, utiny), 255);
    rejects(-1, utiny);
    assert.equal(codec.encode(18446744073709551615n, ubig), 18446744073709551615n);
    assert.equal(codec.encode(dec(18446744073709551615n, 0), ubig), 18446744073709551615n);
    rejects(18446744073709551616n, ubig);
    assert.equal(codec.encode(-9223372036854775808n, big), -9223372036854775808n);
    rejects(9223372036854775808n, big);
    assert.equal(codec.encode('42', big), 42);
    assert.equal(codec.encode(dec(4200n, 2), big), 42);
    rejects(dec(4201n, 2), big, /not an integer/);
    rejects(1.5, big);
  });

  it('writes booleans into TINYINT(1) as 1/0', () => {
    const flag = column('flag', 'tinyint', { columnType: 'tinyint(1)' });
    assert.equal(codec.encode(true, flag), 1);
    assert.equal(codec.encode(false, flag), 0);
    assert.equal(codec.encode(1, flag), 1);
  });

  it('writes decimals as exact text at the column scale, rejecting what does not fit', () => {
    const amount = column('amount', 'decimal', { columnType: 'decimal(30,10)', precision: 30, scale: 10 });
    assert.equal(
      codec.encode(dec(123456789012345678901234567890n, 10), amount),
      '12345678901234567890.1234567890',
    );
    assert.equal(codec.encode(dec(1234n, 2), amount), '12.3400000000');
    assert.equal(codec.encode(dec(15_000_000_000_000n, 13), amount), '1.5000000000');
    assert.equal(codec.encode(12n, amount), '12.0000000000');
    assert.equal(codec.encode(0.1, amount), '0.1000000000');
    assert.equal(codec.encode('-1e-10', amount), '-0.0000000001');
    rejects(dec(10n ** 20n, 0), amount, /has 21 integer digits; decimal\(30,10\) holds 20/);
    rejects(dec(1n, 11), amount, /more than 10 fraction digits/);
    rejects(Number.NaN, amount);
    rejects('abc', amount);
  });

  it('writes DATETIME(n) as wall-clock text cut to n digits, pre-1970 included', () => {
    const dt3 = column('seen', 'datetime', { columnType: 'datetime(3)', fractionDigits: 3 });
    const dt0 = column('seen0', 'datetime', { columnType: 'datetime', fractionDigits: 0 });
    assert.equal(codec.encode(ts(1_700_000_000_123_456n), dt3), '2023-11-14 22:13:20.123');
    assert.equal(codec.encode(ts(-1n), dt3), '1969-12-31 23:59:59.999');
    assert.equal(codec.encode(ts(-1n), dt0), '1969-12-31 23:59:59');
    assert.equal(codec.encode(tstz(0n), dt0), '1970-01-01 00:00:00');
    assert.equal(codec.encode({ type: 'date', days: -1 }, dt0), '1969-12-31 00:00:00');
    assert.equal(codec.encode('2020-02-29T12:00:00+02:00', dt0), '2020-02-29 10:00:00');
    rejects(ts(253_402_300_800_000_000n), dt0, /years 1…9999/);
  });

  it('writes TIMESTAMP as UTC text without a zone, within 1970-01-01 00:00:01 … 2038-01-19 03:14:07.999999', () => {
    const at = column('at', 'timestamp', { columnType: 'timestamp(6)', fractionDigits: 6 });
    assert.equal(codec.encode(tstz(1_000_000n), at), '1970-01-01 00:00:01.000000');
    assert.equal(codec.encode(tstz(2_147_483_647_999_999n), at), '2038-01-19 03:14:07.999999');
    rejects(tstz(999_999n), at, /outside timestamp\(6\)'s range/);
    rejects(tstz(2_147_483_648_000_000n), at);
    const at0 = column('at0', 'timestamp', { columnType: 'timestamp', fractionDigits: 0 });
    rejects(tstz(1_999_999n - 1_000_000n), at0);
  });

  it('writes DATE only from whole days', () => {
    const born = column('born', 'date');
    assert.equal(codec.encode({ type: 'date', days: -719162 }, born), '0001-01-01');
    assert.equal(codec.encode(ts(86_400_000_000n), born), '1970-01-02');
    rejects(ts(86_400_000_001n), born, /midnight/);
    rejects({ type: 'date', days: -719163 }, born);
  });

  it('writes TIME within ±838:59:59', () => {
    const span = column('span', 'time', { columnType: 'time(6)', fractionDigits: 6 });
    const limit = (838n * 3600n + 59n * 60n + 59n) * 1_000_000n;
    assert.equal(codec.encode({ type: 'time', micros: -limit }, span), '-838:59:59.000000');
    assert.equal(codec.encode({ type: 'time', micros: limit }, span), '838:59:59.000000');
    rejects({ type: 'time', micros: limit + 1n }, span, /range/);
    assert.equal(codec.encode('-01:02:03.5', span), '-01:02:03.500000');
  });

  it('checks YEAR, ENUM and SET values', () => {
    const year = column('y', 'year');
    assert.equal(codec.encode(2155, year), 2155);
    assert.equal(codec.encode(0, year), 0);
    rejects(1900, year);
    const e = column('e', 'enum', { columnType: "enum('a','b''c')", enumValues: ['a', "b'c"] });
    assert.equal(codec.encode("b'c", e), "b'c");
    rejects('A', e, /not a member/);
    const s = column('s', 'set', { columnType: "set('x','y')", enumValues: ['x', 'y'] });
    assert.equal(codec.encode('x,y', s), 'x,y');
    assert.equal(codec.encode('', s), '');
    rejects('x,z', s, /'z' is not a member/);
  });

  it('counts VARCHAR in characters, TEXT in bytes, and refuses non-BMP text in utf8mb3', () => {
    const v5 = column('v', 'varchar', { columnType: 'varchar(5)', length: 5, charset: 'utf8mb4' });
    assert.equal(codec.encode('🎉🎉🎉🎉🎉', v5), '🎉🎉🎉🎉🎉');
    rejects('🎉🎉🎉🎉🎉🎉', v5, /has 6 characters; varchar\(5\) holds 5/);
    const tiny = column('tt', 'tinytext', { length: 255 });
    assert.equal(codec.encode('é'.repeat(127), tiny), 'é'.repeat(127));
    rejects('é'.repeat(128), tiny, /256 bytes/);
    const old = column('o', 'varchar', { columnType: 'varchar(10)', length: 10, charset: 'utf8mb3' });
    rejects('🎉', old, /utf8mb3/);
    assert.equal(codec.encode(dec(5n, 1), v5), '0.5');
  });

  it('writes JSON text as is and refuses text that is not JSON', () => {
    const doc = column('doc', 'json');
    assert.equal(codec.encode({ type: 'json', text: '{"b": 1, "a": 2}' }, doc), '{"b": 1, "a": 2}');
    assert.equal(codec.encode('[1]', doc), '[1]');
    assert.equal(codec.encode(12345678901234567890n, doc), '12345678901234567890');
    rejects('not json', doc);
  });

  it('writes bytes as Buffers with a length check, and BIT(n) as an integer', () => {
    const vb = column('vb', 'varbinary', { columnType: 'varbinary(4)', length: 4 });
    const out = codec.encode(Uint8Array.from([0, 1, 0, 255]), vb);
    assert.ok(Buffer.isBuffer(out));
    assert.deepEqual([...out], [0, 1, 0, 255]);
    rejects(Uint8Array.from([1, 2, 3, 4, 5]), vb, /5 bytes/);
    const bits = column('bits', 'bit', { columnType: 'bit(9)', length: 9 });
    // Debezium's Bits are little-endian: 0x2c, 0x01 is 0x012c = 300.
    assert.equal(codec.encode({ type: 'bits', bytes: Uint8Array.from([0x2c, 0x01]), length: 9 }, bits), 300);
    rejects(512, bits, /more than 9 bits/);
    assert.equal(codec.encode(true, column('b1', 'bit', { length: 1 })), 1);
  });

  it('refuses NaN and out-of-range floats, and NULL into NOT NULL columns (unless AUTO_INCREMENT)', () => {
    rejects(Number.POSITIVE_INFINITY, column('d', 'double'));
    rejects(1e39, column('f', 'float'));
    rejects(3.41e38, column('f', 'float'));
    // FLT_MAX as Debezium writes it (3.4028235E38, above the exact value) rounds to FLT_MAX: it fits.
    assert.equal(codec.encode(3.4028235e38, column('f', 'float')), 3.4028234663852886e38);
    assert.equal(codec.encode(dec(1n, 1), column('d', 'double')), 0.1);
    rejects(null, column('n', 'int', { nullable: false }), /NOT NULL/);
    assert.equal(codec.encode(null, column('n', 'int', { nullable: false, autoIncrement: true })), null);
  });
});

describe('MysqlTypeCodec.decode', () => {
  it('reads mysql2 values into exact dbtwin values', () => {
    const read = (raw: unknown, col: ColumnInfo) => valueToJson(codec.decode(raw, col));
    assert.equal(
      codec.decode('18446744073709551615', column('b', 'bigint', { unsigned: true })),
      18446744073709551615n,
    );
    assert.equal(codec.decode(4294967295, column('u', 'int', { unsigned: true })), 4294967295n);
    assert.equal(codec.decode(-5, column('s', 'smallint')), -5);
    assert.equal(codec.decode(1, column('flag', 'tinyint', { columnType: 'tinyint(1)' })), 1);
    assert.deepEqual(codec.decode('12.3400000000', column('a', 'decimal', { precision: 30, scale: 10 })), {
      type: 'decimal',
      unscaled: 123400000000n,
      scale: 10,
    });
    assert.equal(read('0044-03-15', column('d', 'date')), '0044-03-15');
    assert.equal(read('1969-12-31 23:59:59.999999', column('dt', 'datetime')), '1969-12-31T23:59:59.999999');
    assert.equal(read('2038-01-19 03:14:07.5', column('ts', 'timestamp')), '2038-01-19T03:14:07.500000Z');
    assert.equal(read('-838:59:59.000000', column('t', 'time')), '-838:59:59.000000');
    assert.equal(codec.decode('0000-00-00 00:00:00', column('z', 'datetime')), null);
    assert.equal(codec.decode('0000-00-00', column('txt', 'varchar')), '0000-00-00');
    assert.deepEqual(codec.decode('{"a": 1}', column('j', 'json')), { type: 'json', text: '{"a": 1}' });
    assert.equal(read(Buffer.from([0, 255]), column('p', 'blob')), '00ff');
    assert.equal(codec.decode(Buffer.from([1]), column('b1', 'bit', { length: 1 })), true);
    assert.deepEqual(codec.decode(Buffer.from([0x01, 0x2c]), column('b9', 'bit', { length: 9 })), {
      type: 'bits',
      bytes: Uint8Array.from([0x2c, 0x01]),
      length: 9,
    });
    assert.equal(codec.decode(2024, column('y', 'year')), 2024);
    assert.equal(codec.decode(0.1, column('d', 'double')), 0.1);
    assert.equal(codec.decode(null, column('n', 'int')), null);
  });
});
