import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DbtwinError } from '../../src/core/dbtwin-error.js';
import { ErrorCode } from '../../src/core/error-codes.js';
import { valueToJson } from '../../src/core/value-json.js';
import type { Value } from '../../src/core/values.js';
import type { ColumnInfo } from '../../src/engines/dialect.js';
import { PostgresTypeCodec } from '../../src/engines/postgres/postgres-type-codec.js';
import { assertDoesNotFit, column } from '../support/table-fixtures.js';

const codec = new PostgresTypeCodec();
const DAY = 86_400_000_000n;

const rejects = (value: Value, col: ColumnInfo, why?: RegExp): void =>
  assertDoesNotFit(codec, value, col, why);

const read = (raw: unknown, col: ColumnInfo) => valueToJson(codec.decode(raw, col));

describe('PostgresTypeCodec.encode', () => {
  it('writes booleans from booleans, 0/1 and boolean text only', () => {
    const flag = column('flag', 'boolean');
    assert.equal(codec.encode(1, flag), true);
    assert.equal(codec.encode(0n, flag), false);
    assert.equal(codec.encode('t', flag), true);
    assert.equal(codec.encode({ type: 'decimal', unscaled: 10n, scale: 1 }, flag), true);
    rejects(2, flag, /not a boolean/);
    rejects('maybe', flag);
  });

  it('checks smallint/integer/bigint ranges', () => {
    rejects(32768, column('s', 'smallint'), /-32768…32767/);
    assert.equal(codec.encode(-2147483648, column('i', 'integer')), -2147483648);
    rejects(2147483648n, column('i', 'integer'));
    assert.equal(codec.encode(9223372036854775807n, column('b', 'bigint')), 9223372036854775807n);
  });

  it('writes numeric exactly: constrained at its scale, unconstrained as given, NaN and Infinity allowed', () => {
    const big = column('big', 'numeric', { columnType: 'numeric(20,0)', precision: 20, scale: 0 });
    assert.equal(codec.encode(18446744073709551615n, big), '18446744073709551615');
    rejects(10n ** 20n, big, /21 integer digits; numeric\(20,0\) holds 20/);
    rejects({ type: 'decimal', unscaled: 15n, scale: 1 }, big, /fraction digits/);
    const any = column('n', 'numeric');
    assert.equal(codec.encode({ type: 'decimal', unscaled: -123n, scale: 5 }, any), '-0.00123');
    assert.equal(codec.encode({ type: 'decimal', unscaled: 12n, scale: -3 }, any), '12000');
    assert.equal(codec.encode(Number.NaN, any), 'NaN');
    assert.equal(codec.encode(Number.NEGATIVE_INFINITY, column('d', 'double precision')), '-Infinity');
  });

  it('writes years before 1 AD with the BC suffix and instants with +00', () => {
    const born = column('born', 'date');
    assert.equal(codec.encode({ type: 'date', days: -719528 }, born), '0001-01-01 BC');
    assert.equal(codec.encode({ type: 'date', days: -735160 }, born), '0044-03-15 BC');
    const at = column('at', 'timestamp with time zone', { fractionDigits: 6 });
    assert.equal(
      codec.encode({ type: 'timestamptz', micros: 1n, nanos: 0 }, at),
      '1970-01-01 00:00:00.000001+00',
    );
    assert.equal(
      codec.encode({ type: 'timestamptz', micros: -735160n * DAY, nanos: 0 }, at),
      '0044-03-15 00:00:00.000000+00 BC',
    );
    const wall = column('w', 'timestamp without time zone', { fractionDigits: 3 });
    assert.equal(
      codec.encode({ type: 'timestamp', micros: -1n, nanos: 999 }, wall),
      '1969-12-31 23:59:59.999',
    );
    rejects({ type: 'timestamp', micros: 300_000n * 366n * DAY, nanos: 0 }, wall, /years -4712…294276/);
  });

  it('writes time within 00:00…24:00 and timetz in UTC', () => {
    const t = column('t', 'time without time zone', {
      columnType: 'time(6) without time zone',
      fractionDigits: 6,
    });
    assert.equal(codec.encode({ type: 'time', micros: DAY }, t), '24:00:00.000000');
    rejects({ type: 'time', micros: DAY + 1n }, t, /range 00:00:00.000000…24:00:00.000000/);
    rejects({ type: 'time', micros: -1n }, t);
    const tz = column('tz', 'time with time zone', { fractionDigits: 0 });
    assert.equal(codec.encode('10:30:00.9', tz), '10:30:00+00');
  });

  it('pads bit(n) to n digits and keeps the width of bit varying values', () => {
    const b5 = column('b5', 'bit', { columnType: 'bit(5)', length: 5 });
    assert.equal(codec.encode({ type: 'bits', bytes: Uint8Array.from([0b101]), length: 5 }, b5), '00101');
    assert.equal(codec.encode(true, column('b1', 'bit', { length: 1 })), '1');
    rejects('111111', b5, /more than 5 bits/);
    const vb = column('vb', 'bit varying', { columnType: 'bit varying(10)', length: 10 });
    assert.equal(codec.encode('0011', vb), '0011');
    assert.equal(
      codec.encode({ type: 'bits', bytes: Uint8Array.from([1, 0]), length: 16 }, vb),
      '0000000001',
    );
    assert.equal(codec.encode(Uint8Array.from([0x80]), vb), '10000000');
  });

  it('checks text length in characters and refuses NUL', () => {
    const v3 = column('v', 'character varying', { columnType: 'character varying(3)', length: 3 });
    assert.equal(codec.encode('日本語', v3), '日本語');
    rejects('日本語!', v3, /4 characters/);
    rejects('a\u0000b', column('t', 'text'), /NUL/);
  });

  it('writes bytea as Buffers, uuids from text or 16 bytes, enums by member, intervals as text', () => {
    assert.ok(Buffer.isBuffer(codec.encode(Uint8Array.from([0, 0]), column('p', 'bytea'))));
    const id = column('id', 'uuid');
    assert.equal(
      codec.encode(
        Uint8Array.from({ length: 16 }, (_, i) => i),
        id,
      ),
      '00010203-0405-0607-0809-0a0b0c0d0e0f',
    );
    rejects('not-a-uuid', id);
    const mood = column('mood', 'mood', { enumValues: ['sad', 'ok'] });
    assert.equal(codec.encode('ok', mood), 'ok');
    rejects('happy', mood, /not a member/);
    const span = column('span', 'interval');
    assert.equal(codec.encode({ type: 'interval', iso: 'P1Y2M' }, span), 'P1Y2M');
    assert.equal(codec.encode({ type: 'interval', micros: -5n }, span), '-5 microseconds');
    assert.equal(codec.encode({ type: 'json', text: '{"a":1}' }, column('j', 'jsonb')), '{"a":1}');
  });
});

describe('PostgresTypeCodec.decode', () => {
  it('reads the server text of every family into exact values', () => {
    assert.equal(codec.decode('t', column('f', 'boolean')), true);
    assert.equal(codec.decode('f', column('f', 'boolean')), false);
    assert.equal(codec.decode('-9223372036854775808', column('b', 'bigint')), -9223372036854775808n);
    assert.equal(codec.decode('32767', column('s', 'smallint')), 32767);
    assert.equal(
      read('18446744073709551615', column('n', 'numeric', { precision: 20, scale: 0 })),
      '18446744073709551615',
    );
    assert.equal(read('1.5', column('n', 'numeric', { precision: 5, scale: 3 })), '1.500');
    assert.ok(Number.isNaN(codec.decode('NaN', column('n', 'numeric'))));
    assert.equal(codec.decode('-Infinity', column('d', 'double precision')), Number.NEGATIVE_INFINITY);
    assert.equal(codec.decode('1e+300', column('d', 'double precision')), 1e300);
    assert.equal(read('0044-03-15 BC', column('d', 'date')), '-0043-03-15');
    assert.equal(
      read('2020-01-02 03:04:05.5', column('w', 'timestamp without time zone')),
      '2020-01-02T03:04:05.500000',
    );
    assert.equal(
      read('2020-01-02 03:04:05+02', column('a', 'timestamp with time zone')),
      '2020-01-02T01:04:05.000000Z',
    );
    assert.equal(
      read('0001-01-01 00:00:00+00 BC', column('a', 'timestamp with time zone')),
      '0000-01-01T00:00:00.000000Z',
    );
    assert.equal(read('24:00:00', column('t', 'time without time zone')), '24:00:00.000000');
    assert.equal(read('01:00:00-02', column('t', 'time with time zone')), '03:00:00.000000');
    assert.equal(read('\\x00ff00', column('p', 'bytea')), '00ff00');
    assert.equal(codec.decode('1', column('b1', 'bit', { length: 1 })), true);
    assert.deepEqual(codec.decode('0100000001', column('vb', 'bit varying', { length: 16 })), {
      type: 'bits',
      bytes: Uint8Array.from([1, 1]),
      length: 10,
    });
    assert.deepEqual(codec.decode('{"a": 1}', column('j', 'jsonb')), { type: 'json', text: '{"a": 1}' });
    assert.deepEqual(codec.decode('P1Y2M3DT4H', column('i', 'interval')), {
      type: 'interval',
      iso: 'P1Y2M3DT4H',
    });
    assert.equal(codec.decode('{1,2}', column('arr', 'array')), '{1,2}');
  });

  it('refuses infinity, which has no dbtwin value', () => {
    assert.throws(
      () => codec.decode('infinity', column('born', 'date')),
      (e: unknown) =>
        e instanceof DbtwinError && e.code === ErrorCode.ValueDoesNotFit && e.message.startsWith('born: '),
    );
  });
});
