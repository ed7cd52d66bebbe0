import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DbtwinError } from '../../src/core/dbtwin-error.js';
import { ErrorCode } from '../../src/core/error-codes.js';
import type { Value } from '../../src/core/values.js';
import type { ColumnInfo } from '../../src/engines/dialect.js';
import { oracleCatalogName, toColumn } from '../../src/engines/oracle/oracle-introspector.js';
import { OracleTypeCodec } from '../../src/engines/oracle/oracle-type-codec.js';

const codec = new OracleTypeCodec();

function col(dataType: string, extra: Partial<ColumnInfo> = {}): ColumnInfo {
  return { name: 'C', position: 1, dataType, columnType: dataType.toUpperCase(), nullable: true, ...extra };
}

const dec = (unscaled: bigint, scale: number): Value => ({ type: 'decimal', unscaled, scale });
const ts = (text: string): Value => {
  const [date = '', clock = '00:00:00'] = text.split('T');
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const [hms = '', frac = ''] = clock.split('.');
  const [h, mi, s] = hms.split(':').map(Number) as [number, number, number];
  const days = BigInt(Math.round(Date.UTC(y, m - 1, d) / 86_400_000));
  const nine = frac.padEnd(9, '0');
  return {
    type: 'timestamp',
    micros: days * 86_400_000_000n + BigInt((h * 3600 + mi * 60 + s) * 1_000_000) + BigInt(nine.slice(0, 6)),
    nanos: Number(nine.slice(6)),
  };
};

function doesNotFit(pattern: RegExp): (error: unknown) => boolean {
  return (error) =>
    error instanceof DbtwinError && error.code === ErrorCode.ValueDoesNotFit && pattern.test(error.message);
}

describe('OracleTypeCodec.encode: NUMBER', () => {
  const n10_2 = col('number', { precision: 10, scale: 2, columnType: 'NUMBER(10,2)' });

  it('writes exact text at the column scale, never a JS number', () => {
    assert.equal(codec.encode(dec(1234n, 2), n10_2), '12.34');
    assert.equal(codec.encode(dec(123400n, 4), n10_2), '12.34', 'trailing zeros beyond the scale are fine');
    assert.equal(codec.encode(dec(5n, 0), n10_2), '5.00');
    assert.equal(codec.encode(-5n, n10_2), '-5.00');
    assert.equal(codec.encode(0.1, n10_2), '0.10');
    assert.equal(codec.encode('99999999.99', n10_2), '99999999.99');
    assert.equal(codec.encode(dec(-5n, 2), n10_2), '-0.05');
  });

  it('refuses digits beyond the scale and values beyond the precision, naming the column', () => {
    assert.throws(
      () => codec.encode(dec(12345n, 3), n10_2),
      doesNotFit(/column C \(NUMBER\(10,2\)\): 12\.345 has more than 2 decimal places/),
    );
    assert.throws(
      () => codec.encode(dec(10_000_000_000n, 2), n10_2),
      doesNotFit(/more than 10 digits of precision/),
    );
    assert.throws(() => codec.encode('100000000', n10_2), doesNotFit(/precision/));
    assert.throws(() => codec.encode(Number.NaN, n10_2), doesNotFit(/NaN/));
    assert.throws(() => codec.encode('12abc', n10_2), doesNotFit(/not a number/));
    assert.throws(
      () => codec.encode({ type: 'date', days: 1 }, n10_2),
      doesNotFit(/cannot be stored in a number column/),
    );
  });

  it('keeps 64-bit and wider integers exact', () => {
    const n19 = col('number', { precision: 19, scale: 0 });
    assert.equal(codec.encode(9_223_372_036_854_775_807n, n19), '9223372036854775807');
    const n20 = col('number', { precision: 20, scale: 0 });
    assert.equal(codec.encode(18_446_744_073_709_551_615n, n20), '18446744073709551615');
    assert.throws(() => codec.encode(18_446_744_073_709_551_615n, n19), doesNotFit(/19 digits/));
  });

  it('handles negative scales and scale above precision as Oracle does', () => {
    const hundreds = col('number', { precision: 5, scale: -2 });
    assert.equal(codec.encode(1_234_500n, hundreds), '1234500');
    assert.throws(() => codec.encode(1_234_567n, hundreds), doesNotFit(/decimal places/));
    const tiny = col('number', { precision: 2, scale: 5 });
    assert.equal(codec.encode(dec(99n, 5), tiny), '0.00099');
    assert.throws(() => codec.encode(dec(100n, 5), tiny), doesNotFit(/precision/));
  });

  it('NUMBER without precision keeps up to 38 significant digits in range', () => {
    const number = col('number');
    assert.equal(codec.encode(dec(123_400n, 4), number), '12.34');
    assert.equal(codec.encode(BigInt('9'.repeat(38)), number), '9'.repeat(38));
    assert.throws(() => codec.encode(BigInt('9'.repeat(39)), number), doesNotFit(/39 significant digits/));
    assert.equal(codec.encode(BigInt('1' + '0'.repeat(50)), number), '1' + '0'.repeat(50));
    assert.throws(() => codec.encode(dec(1n, -126), number), doesNotFit(/range/));
    assert.equal(codec.encode(1e-7, number), '0.0000001');
  });

  it('INTEGER (NUMBER(*,0)) and FLOAT(b)', () => {
    const integer = col('number', { scale: 0, columnType: 'NUMBER(*,0)' });
    assert.equal(codec.encode(42, integer), '42');
    assert.throws(() => codec.encode(dec(15n, 1), integer), doesNotFit(/0 decimal places/));
    const float53 = col('float', { precision: 53, columnType: 'FLOAT(53)' });
    assert.equal(codec.encode(0.1, float53), '0.1');
    assert.throws(() => codec.encode(dec(12_345_678_901_234_567n, 0), float53), doesNotFit(/16/));
  });

  it('stores booleans as NUMBER(1) 1/0', () => {
    const flag = col('number', { precision: 1, scale: 0 });
    assert.equal(codec.encode(true, flag), '1');
    assert.equal(codec.encode(false, flag), '0');
  });
});

describe('OracleTypeCodec.encode: BINARY_FLOAT / BINARY_DOUBLE', () => {
  const bd = col('binary_double');
  it('writes the shortest round-trip text, and NaN / Inf / -0', () => {
    assert.equal(codec.encode(0.1, bd), '0.1');
    assert.equal(codec.encode(1e300, bd), '1e+300');
    assert.equal(codec.encode(Number.NaN, bd), 'NaN');
    assert.equal(codec.encode(Infinity, bd), 'Inf');
    assert.equal(codec.encode(-Infinity, col('binary_float')), '-Inf');
    assert.equal(codec.encode(-0, bd), '-0');
  });
  it('takes decimals and bigints only when a double holds them exactly', () => {
    assert.equal(codec.encode(dec(25n, 1), bd), '2.5');
    assert.equal(codec.encode(2n ** 53n, bd), '9007199254740992');
    assert.throws(() => codec.encode(2n ** 53n + 1n, bd), doesNotFit(/no exact binary floating-point form/));
  });
});

describe('OracleTypeCodec.encode: character types', () => {
  it("encodes '' as NULL on purpose (Oracle stores '' as NULL), and refuses it for NOT NULL columns", () => {
    assert.equal(codec.encode('', col('varchar2', { length: 10 })), null);
    assert.equal(codec.encode('', col('clob')), null);
    assert.equal(codec.encode('', col('char', { length: 3 })), null);
    assert.throws(
      () => codec.encode('', col('varchar2', { length: 10, nullable: false })),
      doesNotFit(/empty string is NULL in Oracle/),
    );
  });

  it('counts VARCHAR2 length in characters or UTF-8 bytes as the column says', () => {
    const chars = col('varchar2', { length: 3, lengthSemantics: 'char', columnType: 'VARCHAR2(3 CHAR)' });
    const bytes = col('varchar2', { length: 3, lengthSemantics: 'byte', columnType: 'VARCHAR2(3 BYTE)' });
    assert.equal(codec.encode('é😀x', chars), 'é😀x');
    assert.throws(() => codec.encode('é😀x', bytes), doesNotFit(/7 bytes long; the column holds 3/));
    assert.equal(codec.encode('abc', bytes), 'abc');
    assert.throws(() => codec.encode('abcd', chars), doesNotFit(/4 characters long/));
  });

  it('counts NVARCHAR2 in UTF-16 code units', () => {
    const n = col('nvarchar2', { length: 2 });
    assert.equal(codec.encode('😀', n), '😀');
    assert.throws(() => codec.encode('😀x', n), doesNotFit(/3 UTF-16 code units/));
  });

  it('blank-pads CHAR/NCHAR to the column length, as Oracle stores them', () => {
    assert.equal(codec.encode('ab', col('char', { length: 5, lengthSemantics: 'char' })), 'ab   ');
    assert.equal(codec.encode('é', col('char', { length: 4, lengthSemantics: 'byte' })), 'é  ');
    assert.equal(codec.encode('x', col('nchar', { length: 3 })), 'x  ');
  });

  it('writes CLOB text of any length and JSON as its text', () => {
    const long = 'x'.repeat(100_000);
    assert.equal(codec.encode(long, col('clob')), long);
    assert.equal(
      codec.encode({ type: 'json', text: '{"b":1,"a":[1.50]}' }, col('clob')),
      '{"b":1,"a":[1.50]}',
    );
    assert.equal(codec.encode({ type: 'json', text: '{}' }, col('varchar2', { length: 4000 })), '{}');
  });

  it('writes numbers and temporal values as their exact text, refuses booleans, bytes and broken text', () => {
    const vc = col('varchar2', { length: 40 });
    assert.equal(codec.encode(dec(1230n, 3), vc), '1.230');
    assert.equal(codec.encode(12n, vc), '12');
    assert.equal(codec.encode(ts('2024-01-02T03:04:05.5'), vc), '2024-01-02T03:04:05.500000');
    assert.throws(() => codec.encode(true, vc), doesNotFit(/boolean/));
    assert.throws(() => codec.encode(new Uint8Array([1]), vc), doesNotFit(/bytes/));
    assert.throws(() => codec.encode('a\uD800b', vc), doesNotFit(/surrogate/));
  });
});

describe('OracleTypeCodec.encode: BLOB / RAW', () => {
  it('binds bytes as a Buffer, empty bytes as NULL, and checks RAW length', () => {
    const raw = col('raw', { length: 2 });
    const out = codec.encode(new Uint8Array([1, 2]), raw);
    assert.ok(Buffer.isBuffer(out));
    assert.deepEqual([...out], [1, 2]);
    // Empty bytes and NULL are NULL in Oracle; they bind as zero-length bytes so the bind stays binary.
    assert.deepEqual(codec.encode(new Uint8Array([]), col('blob')), Buffer.alloc(0));
    assert.deepEqual(codec.encode(null, col('blob')), Buffer.alloc(0));
    assert.deepEqual(codec.encode(null, raw), Buffer.alloc(0));
    assert.throws(
      () => codec.encode(new Uint8Array([]), col('blob', { nullable: false })),
      doesNotFit(/NOT NULL/),
    );
    assert.throws(() => codec.encode(new Uint8Array([1, 2, 3]), raw), doesNotFit(/3 bytes do not fit in 2/));
    assert.deepEqual(codec.encode({ type: 'json', text: '{"a":1}' }, col('blob')), Buffer.from('{"a":1}'));
    assert.throws(() => codec.encode('text', col('blob')), doesNotFit(/binary column/));
  });
});

describe('OracleTypeCodec.encode: DATE / TIMESTAMP', () => {
  const date = col('date');
  it('DATE has a time of day: a date is midnight, a timestamp keeps whole seconds only', () => {
    assert.equal(codec.encode({ type: 'date', days: 19_724 }, date), '2024-01-02T00:00:00');
    assert.equal(codec.encode(ts('2024-01-02T03:04:05'), date), '2024-01-02T03:04:05');
    assert.throws(() => codec.encode(ts('2024-01-02T03:04:05.1'), date), doesNotFit(/whole seconds/));
    assert.equal(codec.encode({ type: 'timestamptz', micros: 0n, nanos: 0 }, date), '1970-01-01T00:00:00');
  });

  it('refuses years Oracle does not have', () => {
    assert.throws(() => codec.encode({ type: 'date', days: -719_528 }, date), doesNotFit(/years 1–9999/));
    assert.throws(() => codec.encode({ type: 'date', days: 2_932_897 }, date), doesNotFit(/years 1–9999/));
    assert.equal(codec.encode({ type: 'date', days: -719_162 }, date), '0001-01-01T00:00:00');
  });

  it('TIMESTAMP(n): FF6 text for n ≤ 6, FF9 for 7–9, refusing digits the column would round away', () => {
    const t6 = col('timestamp', { fractionDigits: 6 });
    const t3 = col('timestamp', { fractionDigits: 3 });
    const t9 = col('timestamp', { fractionDigits: 9 });
    const t0 = col('timestamp', { fractionDigits: 0 });
    assert.equal(codec.encode(ts('2024-01-02T03:04:05.123456'), t6), '2024-01-02T03:04:05.123456');
    assert.equal(codec.encode(ts('2024-01-02T03:04:05.123'), t3), '2024-01-02T03:04:05.123000');
    assert.throws(
      () => codec.encode(ts('2024-01-02T03:04:05.1234'), t3),
      doesNotFit(/more than 3 fractional-second digits/),
    );
    assert.equal(codec.encode(ts('2024-01-02T03:04:05.123456789'), t9), '2024-01-02T03:04:05.123456789');
    assert.throws(() => codec.encode(ts('2024-01-02T03:04:05.123456789'), t6), doesNotFit(/6 fractional/));
    assert.equal(codec.encode(ts('2024-01-02T03:04:05'), t0), '2024-01-02T03:04:05.000000');
    assert.equal(codec.encode({ type: 'date', days: 0 }, t6), '1970-01-01T00:00:00.000000');
    assert.equal(codec.encode(ts('1969-12-31T23:59:59.999999'), t6), '1969-12-31T23:59:59.999999');
  });

  it('zoned columns get UTC text with +00:00; a wall-clock timestamp is taken as UTC', () => {
    const tz = col('timestamp with time zone', { fractionDigits: 6 });
    const ltz = col('timestamp with local time zone', { fractionDigits: 6 });
    const instant: Value = { type: 'timestamptz', micros: 1_704_164_645_123_456n, nanos: 0 };
    assert.equal(codec.encode(instant, tz), '2024-01-02T03:04:05.123456+00:00');
    assert.equal(codec.encode(instant, ltz), '2024-01-02T03:04:05.123456+00:00');
    assert.equal(codec.encode(ts('2024-01-02T03:04:05'), tz), '2024-01-02T03:04:05.000000+00:00');
    assert.throws(() => codec.encode('2024-01-02', tz), doesNotFit(/date\/time column/));
  });
});

describe('OracleTypeCodec.encode: INTERVAL DAY TO SECOND', () => {
  const iv = col('interval day to second', { precision: 2, fractionDigits: 6 });
  it('takes MySQL TIME and PostgreSQL interval micros', () => {
    assert.equal(codec.encode({ type: 'time', micros: 3_723_000_001n }, iv), '+0 01:02:03.000001');
    const maxTime = -(838n * 3600n + 59n * 60n + 59n) * 1_000_000n;
    assert.equal(codec.encode({ type: 'time', micros: maxTime }, iv), '-34 22:59:59.000000');
    assert.equal(
      codec.encode({ type: 'interval', micros: 86_400_000_000n * 3n + 1n }, iv),
      '+3 00:00:00.000001',
    );
  });
  it('takes ISO durations without years and months', () => {
    assert.equal(codec.encode({ type: 'interval', iso: 'P1DT2H3M4.5S' }, iv), '+1 02:03:04.500000');
    assert.equal(codec.encode({ type: 'interval', iso: '-PT0.000001S' }, iv), '-0 00:00:00.000001');
    assert.throws(() => codec.encode({ type: 'interval', iso: 'P1M' }, iv), doesNotFit(/years or months/));
  });
  it('checks day and fraction precision', () => {
    assert.throws(
      () => codec.encode({ type: 'interval', micros: 86_400_000_000n * 100n }, iv),
      doesNotFit(/100 days/),
    );
    const iv0 = col('interval day to second', { precision: 2, fractionDigits: 0 });
    assert.throws(() => codec.encode({ type: 'time', micros: 1n }, iv0), doesNotFit(/fractional-second/));
  });
});

describe('OracleTypeCodec.encode: NULL and unsupported types', () => {
  it('passes NULL through and refuses types dbtwin does not write', () => {
    assert.equal(codec.encode(null, col('number', { precision: 3, scale: 0 })), null);
    assert.throws(
      () => codec.encode(null, col('varchar2', { length: 3, nullable: false })),
      doesNotFit(/NULL in a NOT NULL column/),
    );
    assert.equal(
      codec.encode(null, col('number', { nullable: false, autoIncrement: true })),
      null,
      'identity columns fill NULL themselves',
    );
    assert.throws(
      () => codec.encode('x', col('xmltype', { columnType: 'XMLTYPE' })),
      doesNotFit(/cannot write Oracle XMLTYPE/),
    );
  });
});

describe('OracleTypeCodec.decode', () => {
  it('reads NUMBER text exactly: integers by precision, decimals at the column scale', () => {
    assert.equal(codec.decode('7', col('number', { precision: 9, scale: 0 })), 7);
    assert.equal(
      codec.decode('9223372036854775807', col('number', { precision: 19, scale: 0 })),
      9_223_372_036_854_775_807n,
    );
    assert.deepEqual(codec.decode('12.3', col('number', { precision: 10, scale: 2 })), dec(1230n, 2));
    assert.deepEqual(codec.decode('-.05', col('number', { precision: 10, scale: 2 })), dec(-5n, 2));
    assert.deepEqual(codec.decode('1200', col('number', { precision: 5, scale: -2 })), dec(12n, -2));
    assert.deepEqual(codec.decode('12.340', col('number')), dec(1234n, 2));
    assert.deepEqual(codec.decode('1200', col('number')), dec(1200n, 0));
    assert.equal(codec.decode('5', col('number', { scale: 0 })), 5n);
    assert.equal(codec.decode(null, col('number')), null);
  });

  it('reads binary floats, text, bytes', () => {
    assert.equal(codec.decode(0.1, col('binary_double')), 0.1);
    assert.ok(Number.isNaN(codec.decode('NaN', col('binary_double'))));
    assert.equal(codec.decode('-Inf', col('binary_float')), -Infinity);
    assert.equal(
      codec.decode('ab  ', col('char', { length: 4 })),
      'ab  ',
      'CHAR keeps its padding: that is what Oracle holds',
    );
    assert.equal(codec.decode('x', col('clob')), 'x');
    assert.deepEqual(codec.decode(Buffer.from([1, 2]), col('raw', { length: 2 })), Buffer.from([1, 2]));
    assert.deepEqual(codec.decode('0A0B', col('raw', { length: 2 })), Buffer.from([10, 11]));
  });

  it('reads DATE and timestamps from their TO_CHAR text with every digit', () => {
    assert.deepEqual(codec.decode('2024-01-02T03:04:05', col('date')), ts('2024-01-02T03:04:05'));
    assert.deepEqual(
      codec.decode('2024-01-02T03:04:05.123456789', col('timestamp', { fractionDigits: 9 })),
      ts('2024-01-02T03:04:05.123456789'),
    );
    assert.deepEqual(codec.decode('1970-01-01T00:00:01.000000000', col('timestamp with time zone')), {
      type: 'timestamptz',
      micros: 1_000_000n,
      nanos: 0,
    });
    assert.throws(
      () => codec.decode(new Date(0), col('timestamp')),
      (e: unknown) => e instanceof DbtwinError && e.code === ErrorCode.InternalInvariant,
    );
  });

  it('reads node-oracledb IntervalDS objects and interval text', () => {
    const iv = col('interval day to second', { precision: 2, fractionDigits: 6 });
    assert.deepEqual(codec.decode({ days: 1, hours: 2, minutes: 3, seconds: 4, fseconds: 500_000_000 }, iv), {
      type: 'interval',
      micros: 93_784_500_000n,
    });
    assert.deepEqual(codec.decode({ days: -34, hours: -22, minutes: -59, seconds: -59, fseconds: 0 }, iv), {
      type: 'interval',
      micros: -(838n * 3600n + 59n * 60n + 59n) * 1_000_000n,
    });
    assert.deepEqual(codec.decode('-01 02:03:04.000001', iv), { type: 'interval', micros: -93_784_000_001n });
  });

  it('round-trips what it encodes', () => {
    const cases: [Value, ColumnInfo][] = [
      [dec(123_456n, 3), col('number', { precision: 12, scale: 3 })],
      [ts('2001-02-03T04:05:06.000007'), col('timestamp', { fractionDigits: 6 })],
      [ts('2001-02-03T04:05:06'), col('date')],
      [
        { type: 'timestamptz', micros: -1n, nanos: 0 },
        col('timestamp with time zone', { fractionDigits: 6 }),
      ],
      [{ type: 'interval', micros: -1n }, col('interval day to second', { precision: 2, fractionDigits: 6 })],
    ];
    for (const [value, column] of cases) {
      const bound = codec.encode(value, column) as string;
      // Zoned columns are read back in UTC without the offset (TO_CHAR(SYS_EXTRACT_UTC(…))).
      const read = bound.replace(/\+00:00$/, '');
      assert.deepEqual(codec.decode(read, column), value, `${column.dataType}: ${bound}`);
    }
  });
});

describe('ALL_TAB_COLUMNS rows as the introspector maps them, fed to the codec', () => {
  const row = (over: Record<string, unknown>): Record<string, unknown> => ({
    COLUMN_NAME: 'C',
    COLUMN_ID: '1',
    DATA_PRECISION: null,
    DATA_SCALE: null,
    CHAR_LENGTH: '0',
    CHAR_USED: null,
    DATA_LENGTH: '22',
    NULLABLE: 'Y',
    DATA_DEFAULT: null,
    IDENTITY_COLUMN: 'NO',
    ...over,
  });

  it('maps types, sizes, semantics, nullability, defaults and identity', () => {
    assert.deepEqual(
      toColumn(
        row({
          COLUMN_NAME: 'ID',
          DATA_TYPE: 'NUMBER',
          DATA_PRECISION: '19',
          DATA_SCALE: '0',
          NULLABLE: 'N',
          DATA_DEFAULT: '"APP"."ISEQ$$_1".nextval  \n',
          IDENTITY_COLUMN: 'YES',
        }),
      ),
      {
        name: 'ID',
        position: 1,
        dataType: 'number',
        columnType: 'NUMBER(19,0)',
        nullable: false,
        defaultValue: '"APP"."ISEQ$$_1".nextval',
        autoIncrement: true,
        precision: 19,
        scale: 0,
      },
    );
    const vc = toColumn(
      row({ DATA_TYPE: 'VARCHAR2', CHAR_LENGTH: '100', CHAR_USED: 'C', DATA_LENGTH: '400' }),
    );
    assert.deepEqual(
      [vc.dataType, vc.columnType, vc.length, vc.lengthSemantics],
      ['varchar2', 'VARCHAR2(100 CHAR)', 100, 'char'],
    );
    const ts6 = toColumn(row({ DATA_TYPE: 'TIMESTAMP(6) WITH TIME ZONE', DATA_SCALE: '6' }));
    assert.deepEqual([ts6.dataType, ts6.fractionDigits], ['timestamp with time zone', 6]);
    const iv = toColumn(
      row({ DATA_TYPE: 'INTERVAL DAY(3) TO SECOND(2)', DATA_PRECISION: '3', DATA_SCALE: '2' }),
    );
    assert.deepEqual([iv.dataType, iv.precision, iv.fractionDigits], ['interval day to second', 3, 2]);
    const integer = toColumn(row({ DATA_TYPE: 'NUMBER', DATA_SCALE: '0' }));
    assert.deepEqual([integer.columnType, integer.precision, integer.scale], ['NUMBER(*,0)', undefined, 0]);
    const raw = toColumn(row({ DATA_TYPE: 'RAW', DATA_LENGTH: '16' }));
    assert.deepEqual([raw.columnType, raw.length], ['RAW(16)', 16]);
  });

  it('the mapped columns drive encode and decode', () => {
    const n = toColumn(row({ DATA_TYPE: 'NUMBER', DATA_PRECISION: '5', DATA_SCALE: '2' }));
    assert.equal(codec.encode(dec(12_345n, 2), n), '123.45');
    assert.throws(() => codec.encode(dec(123_456n, 2), n), doesNotFit(/NUMBER\(5,2\)/));
    const ch = toColumn(row({ DATA_TYPE: 'CHAR', CHAR_LENGTH: '3', CHAR_USED: 'B', DATA_LENGTH: '3' }));
    assert.equal(codec.encode('a', ch), 'a  ');
    const ts9 = toColumn(row({ DATA_TYPE: 'TIMESTAMP(9)', DATA_SCALE: '9' }));
    assert.equal(codec.encode(ts('2024-01-02T03:04:05.000000001'), ts9), '2024-01-02T03:04:05.000000001');
  });

  it('folds unquoted names to upper case and keeps quoted ones', () => {
    assert.equal(oracleCatalogName('orders'), 'ORDERS');
    assert.equal(oracleCatalogName('"Orders"'), 'Orders');
    assert.equal(oracleCatalogName('App_User'), 'APP_USER');
  });
});
