import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { DbtwinError } from '../../src/core/dbtwin-error.js';
import { ErrorCode } from '../../src/core/error-codes.js';
import type { Value } from '../../src/core/values.js';
import { JsonNumberText, parseExactJson } from '../../src/source/debezium-json.js';
import {
  type ConnectSchema,
  type LogicalTypeOptions,
  decodeBinaryText,
  decodeFieldValue,
  decodeUntypedValue,
} from '../../src/source/debezium-logical-types.js';
import { base64, cols, decimalBase64, variableScaleDecimal } from '../support/debezium-fixtures.js';

/** Decodes a value given as JSON text, as it would arrive inside a message. */
function decodeJson(json: string, schema: ConnectSchema, options?: LogicalTypeOptions): Value {
  return decodeFieldValue(parseExactJson(json), schema, 'after.col', options);
}

function assertFieldError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof DbtwinError, 'expected a DbtwinError');
    assert.equal(err.code, ErrorCode.FieldValueInvalid);
    assert.match(err.message, /^after\.col[.:]/);
    assert.match(err.message, pattern);
    return true;
  });
}

describe('Decimal (org.apache.kafka.connect.data.Decimal)', () => {
  const price = cols.decimal('price', 10, 2);

  it('decodes base64 big-endian unscaled bytes at the schema scale', () => {
    assert.deepEqual(decodeFieldValue('BNI=', price, 'after.price'), {
      type: 'decimal',
      unscaled: 1234n,
      scale: 2,
    });
  });

  it('decodes negative values as two’s complement', () => {
    assert.deepEqual(decodeFieldValue('+y4=', price, 'after.price'), {
      type: 'decimal',
      unscaled: -1234n,
      scale: 2,
    });
    assert.deepEqual(decodeFieldValue('/w==', price, 'after.price'), {
      type: 'decimal',
      unscaled: -1n,
      scale: 2,
    });
    assert.deepEqual(decodeFieldValue('AA==', price, 'after.price'), {
      type: 'decimal',
      unscaled: 0n,
      scale: 2,
    });
  });

  it('keeps 30+ digit decimals exact', () => {
    const big = cols.decimal('big', 65, 10);
    assert.deepEqual(decodeFieldValue('A6DJIHXA2/O4rLxfls4/CtI=', big, 'after.big'), {
      type: 'decimal',
      unscaled: 1234567890123456789012345678901234567890n,
      scale: 10,
    });
    assert.deepEqual(decodeFieldValue('/sDfJj0AB2LHHjjzTw==', big, 'after.big'), {
      type: 'decimal',
      unscaled: -98765432109876543210987654321n,
      scale: 10,
    });
  });

  it('decodes BIGINT UNSIGNED 18446744073709551615 as Decimal scale 0 (bigint.unsigned.handling.mode=precise)', () => {
    const visits = cols.decimal('visits', 20, 0);
    assert.equal(decimalBase64(18446744073709551615n), 'AP//////////');
    assert.deepEqual(decodeFieldValue('AP//////////', visits, 'after.visits'), {
      type: 'decimal',
      unscaled: 18446744073709551615n,
      scale: 0,
    });
  });

  it('round-trips fixture encodings of many values', () => {
    for (const n of [
      0n,
      1n,
      -1n,
      127n,
      128n,
      -128n,
      -129n,
      255n,
      256n,
      -(10n ** 38n) + 1n,
      10n ** 38n - 1n,
    ]) {
      assert.deepEqual(decodeFieldValue(decimalBase64(n), price, 'p'), {
        type: 'decimal',
        unscaled: n,
        scale: 2,
      });
    }
  });

  it('accepts decimal text when the schema says string (decimal.handling.mode=string)', () => {
    const asString = cols.decimal('price', 10, 4, { type: 'string' });
    assert.deepEqual(decodeJson('"12.34"', asString), { type: 'decimal', unscaled: 123400n, scale: 4 });
    assert.deepEqual(decodeJson('"-0.0001"', asString), { type: 'decimal', unscaled: -1n, scale: 4 });
  });

  it('accepts JSON numbers (decimal.format=NUMERIC or double mode) without passing through a float', () => {
    assert.deepEqual(decodeJson('12.5', price), { type: 'decimal', unscaled: 1250n, scale: 2 });
    assert.deepEqual(decodeJson('123456789012345678901234567890.12', cols.decimal('d', 32, 2)), {
      type: 'decimal',
      unscaled: 12345678901234567890123456789012n,
      scale: 2,
    });
    // More fraction digits than the schema scale: the value's own scale is kept rather than rounded.
    assert.deepEqual(decodeJson('1.125', price), { type: 'decimal', unscaled: 1125n, scale: 3 });
  });

  it('names the field when bytes are not base64 or the scale is missing', () => {
    assertFieldError(() => decodeJson('"not base64!"', price), /not valid base64/);
    assertFieldError(
      () => decodeJson('"BNI="', cols.bytes('x', { name: 'org.apache.kafka.connect.data.Decimal' })),
      /no scale/,
    );
    assertFieldError(() => decodeJson('true', price), /expected a Decimal, got the boolean true/);
  });
});

describe('VariableScaleDecimal', () => {
  it('decodes {scale, value}', () => {
    const schema = cols.variableScaleDecimal('ratio');
    const raw = parseExactJson(JSON.stringify(variableScaleDecimal(-314159n, 5)));
    assert.deepEqual(decodeFieldValue(raw, schema, 'after.ratio'), {
      type: 'decimal',
      unscaled: -314159n,
      scale: 5,
    });
  });

  it('names the nested field on errors', () => {
    assertFieldError(
      () => decodeJson('{"scale":2,"value":"%%"}', cols.variableScaleDecimal('c')),
      /^after\.col\.value: /,
    );
    assertFieldError(
      () => decodeJson('"1.5"', cols.variableScaleDecimal('c')),
      /expected a \{scale, value\} struct/,
    );
  });
});

describe('dates and times', () => {
  it('decodes Date days, including before 1970', () => {
    assert.deepEqual(decodeJson('19737', cols.date('d')), { type: 'date', days: 19737 });
    assert.deepEqual(decodeJson('-165', cols.date('d')), { type: 'date', days: -165 });
    assert.deepEqual(decodeJson('-719162', cols.connectDate('d')), { type: 'date', days: -719162 });
  });

  it('decodes Time (ms), MicroTime, NanoTime and Connect Time to micros', () => {
    assert.deepEqual(decodeJson('45296789', cols.time('t')), { type: 'time', micros: 45296789000n });
    assert.deepEqual(decodeJson('45296789', cols.connectTime('t')), { type: 'time', micros: 45296789000n });
    assert.deepEqual(decodeJson('45296789012', cols.microTime('t')), { type: 'time', micros: 45296789012n });
    assert.deepEqual(decodeJson('45296789012000', cols.nanoTime('t')), {
      type: 'time',
      micros: 45296789012n,
    });
  });

  it('decodes MySQL TIME -838:59:59 and 838:59:59 as MicroTime', () => {
    assert.deepEqual(decodeJson('-3020399000000', cols.microTime('t')), {
      type: 'time',
      micros: -3020399000000n,
    });
    assert.deepEqual(decodeJson('3020399000000', cols.microTime('t')), {
      type: 'time',
      micros: 3020399000000n,
    });
  });

  it('refuses NanoTime digits below the microsecond', () => {
    assertFieldError(() => decodeJson('1001', cols.nanoTime('t')), /sub-microsecond/);
  });

  it('decodes Timestamp (ms), MicroTimestamp, NanoTimestamp and Connect Timestamp', () => {
    assert.deepEqual(decodeJson('1622534400000', cols.timestamp('t')), {
      type: 'timestamp',
      micros: 1622534400000000n,
      nanos: 0,
    });
    assert.deepEqual(decodeJson('1622534400000', cols.connectTimestamp('t')), {
      type: 'timestamp',
      micros: 1622534400000000n,
      nanos: 0,
    });
    assert.deepEqual(decodeJson('1710074096123456', cols.microTimestamp('t')), {
      type: 'timestamp',
      micros: 1710074096123456n,
      nanos: 0,
    });
    assert.deepEqual(decodeJson('1710074096123456789', cols.nanoTimestamp('t')), {
      type: 'timestamp',
      micros: 1710074096123456n,
      nanos: 789,
    });
  });

  it('decodes timestamps before 1970 with floor semantics', () => {
    assert.deepEqual(decodeJson('-14182939876544', cols.microTimestamp('t')), {
      type: 'timestamp',
      micros: -14182939876544n,
      nanos: 0,
    });
    assert.deepEqual(decodeJson('-1', cols.microTimestamp('t')), {
      type: 'timestamp',
      micros: -1n,
      nanos: 0,
    });
    // -1 ns is 1969-12-31T23:59:59.999999999: micros -1, nanos 999.
    assert.deepEqual(decodeJson('-1', cols.nanoTimestamp('t')), {
      type: 'timestamp',
      micros: -1n,
      nanos: 999,
    });
  });

  it('decodes ZonedTimestamp in UTC', () => {
    assert.deepEqual(decodeJson('"2024-03-10T12:34:56.123456Z"', cols.zonedTimestamp('t')), {
      type: 'timestamptz',
      micros: 1710074096123456n,
      nanos: 0,
    });
    assert.deepEqual(decodeJson('"2018-06-20T13:37:03Z"', cols.zonedTimestamp('t')), {
      type: 'timestamptz',
      micros: 1529501823000000n,
      nanos: 0,
    });
  });

  it('decodes ZonedTimestamp with a +05:30 offset to UTC', () => {
    assert.deepEqual(decodeJson('"2024-03-10T12:34:56.123456+05:30"', cols.zonedTimestamp('t')), {
      type: 'timestamptz',
      micros: 1710054296123456n,
      nanos: 0,
    });
    assert.deepEqual(decodeJson('"2024-03-10T01:34:56.123456-05:30"', cols.zonedTimestamp('t')), {
      type: 'timestamptz',
      micros: 1710054296123456n,
      nanos: 0,
    });
  });

  it('decodes ZonedTimestamp with 9 fraction digits and short fractions', () => {
    assert.deepEqual(decodeJson('"2024-03-10T12:34:56.123456789Z"', cols.zonedTimestamp('t')), {
      type: 'timestamptz',
      micros: 1710074096123456n,
      nanos: 789,
    });
    assert.deepEqual(decodeJson('"2023-11-14T22:13:20.5Z"', cols.zonedTimestamp('t')), {
      type: 'timestamptz',
      micros: 1700000000500000n,
      nanos: 0,
    });
  });

  it('decodes ZonedTimestamp years before 1970 and beyond 9999', () => {
    assert.deepEqual(decodeJson('"1969-07-20T20:17:40.123456Z"', cols.zonedTimestamp('t')), {
      type: 'timestamptz',
      micros: -14182939876544n,
      nanos: 0,
    });
    const far = decodeJson('"+10000-01-01T00:00:00Z"', cols.zonedTimestamp('t'));
    assert.deepEqual(far, { type: 'timestamptz', micros: 253402300800000000n, nanos: 0 });
  });

  it('refuses impossible ZonedTimestamps, naming the field', () => {
    assertFieldError(() => decodeJson('"2024-02-30T00:00:00Z"', cols.zonedTimestamp('t')), /no such date/);
    assertFieldError(
      () => decodeJson('"2024-03-10 12:34:56"', cols.zonedTimestamp('t')),
      /not an ISO-8601 timestamp/,
    );
    assertFieldError(() => decodeJson('"2024-03-10T25:00:00Z"', cols.zonedTimestamp('t')), /no such time/);
    assertFieldError(
      () => decodeJson('1710074096', cols.zonedTimestamp('t')),
      /expected an ISO-8601 timestamp/,
    );
  });

  it('decodes ZonedTime to UTC within one day', () => {
    assert.deepEqual(decodeJson('"10:15:30.5+01:00"', cols.zonedTime('t')), {
      type: 'time',
      micros: 33330500000n,
    });
    assert.deepEqual(decodeJson('"00:30:00Z"', cols.zonedTime('t')), { type: 'time', micros: 1800000000n });
    // 00:30 at +01:00 is 23:30 UTC of the day before.
    assert.deepEqual(decodeJson('"00:30:00+01:00"', cols.zonedTime('t')), {
      type: 'time',
      micros: 84600000000n,
    });
  });

  it('decodes Year, MicroDuration and Interval', () => {
    assert.equal(decodeJson('2024', cols.year('y')), 2024);
    assert.deepEqual(decodeJson('-93784000005', cols.microDuration('p')), {
      type: 'interval',
      micros: -93784000005n,
    });
    assert.deepEqual(decodeJson('"P1Y2M3DT4H5M6.78S"', cols.interval('p')), {
      type: 'interval',
      iso: 'P1Y2M3DT4H5M6.78S',
    });
    assertFieldError(() => decodeJson('"1 day"', cols.interval('p')), /not an ISO-8601 duration/);
  });
});

describe('strings, bits and documents', () => {
  it('decodes Bits with their length, and BIT(1) booleans', () => {
    assert.deepEqual(decodeJson(`"${base64([0x05, 0x02])}"`, cols.bits('f', 10)), {
      type: 'bits',
      bytes: new Uint8Array([0x05, 0x02]),
      length: 10,
    });
    assert.equal(decodeJson('true', cols.bits('f', 1)), true);
    assert.equal(decodeJson('false', cols.boolean('f')), false);
  });

  it('decodes Enum, EnumSet, Uuid, Xml as strings and Json as json text', () => {
    assert.equal(decodeJson('"active"', cols.enum('s', 'new,active')), 'active');
    assert.equal(decodeJson('"a,c"', cols.enumSet('s', 'a,b,c')), 'a,c');
    assert.equal(
      decodeJson('"0e4d5dcd-a33b-11ea-80f1-02010a22a99e"', cols.uuid('u')),
      '0e4d5dcd-a33b-11ea-80f1-02010a22a99e',
    );
    assert.equal(decodeJson('"<a>1</a>"', cols.xml('x')), '<a>1</a>');
    assert.deepEqual(decodeJson('"{\\"b\\": 1, \\"a\\": 12345678901234567890}"', cols.json('j')), {
      type: 'json',
      text: '{"b": 1, "a": 12345678901234567890}',
    });
    assertFieldError(() => decodeJson('{"a":1}', cols.json('j')), /expected JSON text, got an object/);
  });
});

describe('plain Connect types', () => {
  it('decodes int8/16/32 as numbers and checks their range', () => {
    assert.equal(decodeJson('-128', { type: 'int8' }), -128);
    assert.equal(decodeJson('32767', cols.int16('i')), 32767);
    assert.equal(decodeJson('-2147483648', cols.int32('i')), -2147483648);
    assertFieldError(() => decodeJson('128', { type: 'int8' }), /128 is outside the range of an int8/);
    assertFieldError(() => decodeJson('2147483648', cols.int32('i')), /outside the range of an int32/);
    assertFieldError(() => decodeJson('1.5', cols.int32('i')), /expected an int32, got the number 1.5/);
    assertFieldError(() => decodeJson('"7"', cols.int32('i')), /expected an int32, got the string "7"/);
  });

  it('decodes int64 always as bigint, exactly', () => {
    assert.equal(decodeJson('42', cols.int64('i')), 42n);
    assert.equal(decodeJson('9223372036854775807', cols.int64('i')), 9223372036854775807n);
    assert.equal(decodeJson('-9223372036854775808', cols.int64('i')), -9223372036854775808n);
    // A BIGINT UNSIGNED beyond 2^63-1 written as an int64 number keeps its digits.
    assert.equal(decodeJson('18446744073709551615', cols.int64('i')), 18446744073709551615n);
    assertFieldError(
      () => decodeJson('18446744073709551616', cols.int64('i')),
      /outside the 64-bit integer range/,
    );
  });

  it('decodes floats, including Jackson’s non-finite strings', () => {
    assert.equal(decodeJson('3.14', cols.float32('f')), 3.14);
    assert.equal(decodeJson('0.30000000000000004', cols.float64('f')), 0.30000000000000004);
    assert.equal(decodeJson('1.7976931348623157E308', cols.float64('f')), Number.MAX_VALUE);
    assert.ok(Number.isNaN(decodeJson('"NaN"', cols.float64('f'))));
    assert.equal(decodeJson('"-Infinity"', cols.float64('f')), Number.NEGATIVE_INFINITY);
    assertFieldError(() => decodeJson('"3.14"', cols.float64('f')), /expected a floating-point number/);
  });

  it('checks booleans and strings', () => {
    assertFieldError(() => decodeJson('1', cols.boolean('b')), /expected a boolean, got the number 1/);
    assertFieldError(() => decodeJson('12', cols.string('s')), /expected a string, got the number 12/);
  });

  it('decodes bytes (binary.handling.mode=bytes) from standard base64', () => {
    assert.deepEqual(
      decodeJson('"3q2+7//+"', cols.bytes('b')),
      new Uint8Array([0xde, 0xad, 0xbe, 0xef, 0xff, 0xfe]),
    );
    assert.deepEqual(decodeJson('""', cols.bytes('b')), new Uint8Array([]));
    assertFieldError(() => decodeJson('"3q2-7__-"', cols.bytes('b')), /not valid base64/);
  });

  it('decodes string-declared binary columns in hex, base64 and base64-url-safe modes', () => {
    const expected = new Uint8Array([0xde, 0xad, 0xbe, 0xef, 0xff, 0xfe]);
    const viaSourceType = cols.string('b', { parameters: { '__debezium.source.column.type': 'VARBINARY' } });
    assert.deepEqual(decodeJson('"DEADBEEFFFFE"', viaSourceType, { binaryHandlingMode: 'hex' }), expected);
    assert.deepEqual(
      decodeJson('"deadbeeffffe"', cols.string('b'), { binaryHandlingMode: 'hex', binary: true }),
      expected,
    );
    assert.deepEqual(
      decodeJson('"3q2+7//+"', cols.string('b'), { binaryHandlingMode: 'base64', binary: true }),
      expected,
    );
    assert.deepEqual(
      decodeJson('"3q2-7__-"', cols.string('b'), { binaryHandlingMode: 'base64-url-safe', binary: true }),
      expected,
    );
    // Without a hint a string column stays a string, whatever the mode.
    assert.equal(decodeJson('"deadbeef"', cols.string('b'), { binaryHandlingMode: 'hex' }), 'deadbeef');
    // In bytes mode the hint does not apply: such columns are declared bytes.
    assert.equal(decodeJson('"deadbeef"', viaSourceType), 'deadbeef');
    assertFieldError(
      () => decodeJson('"xyz"', viaSourceType, { binaryHandlingMode: 'hex' }),
      /not valid hex/,
    );
    assertFieldError(
      () =>
        decodeJson('"3q2+7//+"', cols.string('b'), { binaryHandlingMode: 'base64-url-safe', binary: true }),
      /not valid URL-safe base64/,
    );
  });

  it('falls back to the plain type for unknown logical names', () => {
    assert.equal(decodeJson('"a.b.c"', cols.string('l', { name: 'io.debezium.data.Ltree' })), 'a.b.c');
    assert.equal(decodeJson('7', cols.int32('x', { name: 'com.example.Custom' })), 7);
  });

  it('keeps structs and arrays without a dbtwin type as exact json text', () => {
    const geometry = { type: 'struct', name: 'io.debezium.data.geometry.Point' };
    assert.deepEqual(decodeJson('{"x":1.5,"y":12345678901234567890,"wkb":"AQE="}', geometry), {
      type: 'json',
      text: '{"x":1.5,"y":12345678901234567890,"wkb":"AQE="}',
    });
    assert.deepEqual(decodeJson('[1,2,3]', { type: 'array', items: { type: 'int32' } }), {
      type: 'json',
      text: '[1,2,3]',
    });
  });

  it('accepts null for any type', () => {
    assert.equal(decodeJson('null', cols.decimal('d', 10, 2)), null);
    assert.equal(decodeJson('null', cols.int64('i')), null);
  });
});

describe('decodeUntypedValue (no schema)', () => {
  it('keeps scalars as parsed, exactly', () => {
    assert.equal(decodeUntypedValue(parseExactJson('18446744073709551615')), 18446744073709551615n);
    assert.equal(decodeUntypedValue(parseExactJson('1004')), 1004);
    assert.equal(decodeUntypedValue(parseExactJson('"BNI="')), 'BNI=');
  });

  it('turns numbers a double cannot hold into decimals and objects into json', () => {
    assert.deepEqual(decodeUntypedValue(new JsonNumberText('0.12345678901234567890')), {
      type: 'decimal',
      unscaled: 12345678901234567890n,
      scale: 20,
    });
    assert.deepEqual(decodeUntypedValue(parseExactJson('{"scale":2,"value":"BNI="}')), {
      type: 'json',
      text: '{"scale":2,"value":"BNI="}',
    });
  });
});

describe('decodeBinaryText', () => {
  it('names the path in errors', () => {
    assert.throws(() => decodeBinaryText('abc', 'hex', 'key.id'), /^DbtwinError: key\.id: not valid hex/);
  });
});
