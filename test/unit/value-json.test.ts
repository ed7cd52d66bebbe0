import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import type { ChangeEvent } from '../../src/core/change-event.js';
import { eventToJson, rowToJson, valueToJson } from '../../src/core/value-json.js';

describe('valueToJson', () => {
  it('keeps plain scalars', () => {
    assert.equal(valueToJson(null), null);
    assert.equal(valueToJson(true), true);
    assert.equal(valueToJson(42), 42);
    assert.equal(valueToJson(-1.5), -1.5);
    assert.equal(valueToJson('héllo'), 'héllo');
  });

  it('writes non-finite numbers as strings', () => {
    assert.equal(valueToJson(Number.NaN), 'NaN');
    assert.equal(valueToJson(Number.POSITIVE_INFINITY), 'Infinity');
    assert.equal(valueToJson(Number.NEGATIVE_INFINITY), '-Infinity');
  });

  it('writes bigints as exact decimal strings', () => {
    assert.equal(valueToJson(18446744073709551615n), '18446744073709551615');
    assert.equal(valueToJson(-9223372036854775808n), '-9223372036854775808');
    assert.equal(valueToJson(7n), '7');
  });

  it('writes decimals as exact text at their scale', () => {
    assert.equal(valueToJson({ type: 'decimal', unscaled: 123400000000n, scale: 10 }), '12.3400000000');
    assert.equal(valueToJson({ type: 'decimal', unscaled: -5n, scale: 2 }), '-0.05');
    assert.equal(valueToJson({ type: 'decimal', unscaled: 0n, scale: 3 }), '0.000');
    assert.equal(
      valueToJson({ type: 'decimal', unscaled: 18446744073709551615n, scale: 0 }),
      '18446744073709551615',
    );
    assert.equal(valueToJson({ type: 'decimal', unscaled: 12n, scale: -2 }), '1200');
    assert.equal(
      valueToJson({ type: 'decimal', unscaled: -1234567890123456789012345678901234567890n, scale: 10 }),
      '-123456789012345678901234567890.1234567890',
    );
  });

  it('writes dates as YYYY-MM-DD, before 1970 and at the edges of 0000–9999', () => {
    assert.equal(valueToJson({ type: 'date', days: 0 }), '1970-01-01');
    assert.equal(valueToJson({ type: 'date', days: 19737 }), '2024-01-15');
    assert.equal(valueToJson({ type: 'date', days: -165 }), '1969-07-20');
    assert.equal(valueToJson({ type: 'date', days: -25567 }), '1900-01-01');
    assert.equal(valueToJson({ type: 'date', days: -719162 }), '0001-01-01');
    assert.equal(valueToJson({ type: 'date', days: 2932896 }), '9999-12-31');
    assert.equal(valueToJson({ type: 'date', days: 11017 }), '2000-03-01');
    assert.equal(valueToJson({ type: 'date', days: 11016 }), '2000-02-29');
  });

  it('does not crash on years far outside 0000–9999', () => {
    assert.equal(valueToJson({ type: 'date', days: 2932897 }), '+10000-01-01');
    assert.equal(valueToJson({ type: 'date', days: -719528 }), '0000-01-01');
    assert.equal(valueToJson({ type: 'date', days: -719529 }), '-0001-12-31');
    assert.match(String(valueToJson({ type: 'date', days: 2 ** 31 - 1 })), /^\+5881580-07-11$/);
    assert.match(String(valueToJson({ type: 'date', days: -(2 ** 31) })), /^-5877641-06-23$/);
    assert.match(
      String(valueToJson({ type: 'timestamp', micros: 9223372036854775807n, nanos: 0 })),
      /^\+294247-01-10T04:00:54\.775807$/,
    );
    assert.match(
      String(valueToJson({ type: 'timestamptz', micros: -9223372036854775808n, nanos: 0 })),
      /^-290308-12-21T19:59:05\.224192Z$/,
    );
  });

  it('writes times as HH:MM:SS.ffffff, including MySQL’s negative and >24h TIMEs', () => {
    assert.equal(valueToJson({ type: 'time', micros: 0n }), '00:00:00.000000');
    assert.equal(valueToJson({ type: 'time', micros: 45296789012n }), '12:34:56.789012');
    assert.equal(valueToJson({ type: 'time', micros: -3020399000000n }), '-838:59:59.000000');
    assert.equal(valueToJson({ type: 'time', micros: 3020399000000n }), '838:59:59.000000');
    assert.equal(valueToJson({ type: 'time', micros: -1n }), '-00:00:00.000001');
    assert.equal(valueToJson({ type: 'time', micros: 90000000000n }), '25:00:00.000000');
  });

  it('writes timestamps with microseconds, and 9 digits when nanos are set', () => {
    assert.equal(
      valueToJson({ type: 'timestamp', micros: 1710074096123456n, nanos: 0 }),
      '2024-03-10T12:34:56.123456',
    );
    assert.equal(
      valueToJson({ type: 'timestamp', micros: 1710074096123456n, nanos: 789 }),
      '2024-03-10T12:34:56.123456789',
    );
    assert.equal(
      valueToJson({ type: 'timestamp', micros: 1710074096123456n, nanos: 7 }),
      '2024-03-10T12:34:56.123456007',
    );
    assert.equal(valueToJson({ type: 'timestamp', micros: -1n, nanos: 0 }), '1969-12-31T23:59:59.999999');
    assert.equal(
      valueToJson({ type: 'timestamp', micros: -14182939876544n, nanos: 0 }),
      '1969-07-20T20:17:40.123456',
    );
    assert.equal(
      valueToJson({ type: 'timestamp', micros: -1n, nanos: 999 }),
      '1969-12-31T23:59:59.999999999',
    );
  });

  it('writes zoned timestamps in UTC with Z', () => {
    assert.equal(
      valueToJson({ type: 'timestamptz', micros: 1710054296123456n, nanos: 0 }),
      '2024-03-10T07:04:56.123456Z',
    );
    assert.equal(
      valueToJson({ type: 'timestamptz', micros: 951868799999999n, nanos: 5 }),
      '2000-02-29T23:59:59.999999005Z',
    );
  });

  it('writes bytes and bits as lowercase hex', () => {
    assert.equal(valueToJson(new Uint8Array([0xde, 0xad, 0xbe, 0xef, 0x00])), 'deadbeef00');
    assert.equal(valueToJson(Buffer.from([0x0a, 0xff])), '0aff');
    assert.equal(valueToJson(new Uint8Array([])), '');
    assert.equal(valueToJson({ type: 'bits', bytes: new Uint8Array([0x05, 0x02]), length: 10 }), '0502');
  });

  it('writes a byte view without the rest of its buffer', () => {
    const backing = new Uint8Array([1, 2, 3, 4, 5]);
    assert.equal(valueToJson(backing.subarray(1, 3)), '0203');
  });

  it('writes json as its text and intervals as ISO text or micros', () => {
    assert.equal(
      valueToJson({ type: 'json', text: '{"a": 12345678901234567890}' }),
      '{"a": 12345678901234567890}',
    );
    assert.equal(valueToJson({ type: 'interval', iso: 'P1Y2M3DT4H5M6.78S' }), 'P1Y2M3DT4H5M6.78S');
    assert.equal(valueToJson({ type: 'interval', micros: -93784000005n }), '-93784000005');
  });

  it('produces output that JSON.stringify accepts', () => {
    const row = rowToJson({
      a: 1n,
      b: { type: 'decimal', unscaled: 1n, scale: 1 },
      c: new Uint8Array([1]),
      d: { type: 'time', micros: 1n },
    });
    assert.equal(JSON.stringify(row), '{"a":"1","b":"0.1","c":"01","d":"00:00:00.000001"}');
  });
});

describe('rowToJson', () => {
  it('keeps column order and nulls', () => {
    const out = rowToJson({ z: 1, a: null, m: 'x' });
    assert.deepEqual(Object.keys(out ?? {}), ['z', 'a', 'm']);
    assert.equal(rowToJson(null), null);
  });
});

describe('eventToJson', () => {
  const event: ChangeEvent = {
    op: 'u',
    side: 'mysql',
    table: 'inventory.customers',
    key: { id: 1004 },
    before: { id: 1004, balance: { type: 'decimal', unscaled: 1234n, scale: 2 } },
    after: { id: 1004, balance: { type: 'decimal', unscaled: -1234n, scale: 2 } },
    sourceTsMs: 1465581029100,
    captureTsMs: 1465581029523,
    position: {
      engine: 'mysql',
      connector: 'mysql',
      file: 'mysql-bin.000003',
      pos: 484,
      row: 0,
      serverId: 223344,
    },
    txId: '0e4d5dcd-a33b-11ea-80f1-02010a22a99e:10',
    kafka: { topic: 'mysql.inventory.customers', partition: 0, offset: '42' },
    origin: 'mysql',
    hop: 0,
  };

  it('has the documented keys in order', () => {
    const out = eventToJson(event);
    assert.deepEqual(Object.keys(out), [
      'op',
      'table',
      'key',
      'before',
      'after',
      'source',
      'ts',
      'origin',
      'hop',
      'txId',
      'kafka',
    ]);
    assert.deepEqual(out, {
      op: 'u',
      table: 'inventory.customers',
      key: { id: 1004 },
      before: { id: 1004, balance: '12.34' },
      after: { id: 1004, balance: '-12.34' },
      source: {
        engine: 'mysql',
        connector: 'mysql',
        file: 'mysql-bin.000003',
        pos: 484,
        row: 0,
        serverId: 223344,
      },
      ts: 1465581029100,
      origin: 'mysql',
      hop: 0,
      txId: '0e4d5dcd-a33b-11ea-80f1-02010a22a99e:10',
      kafka: { topic: 'mysql.inventory.customers', partition: 0, offset: '42' },
    });
  });

  it('leaves out origin, hop, txId and kafka when absent', () => {
    const out = eventToJson({
      op: 'd',
      side: 'pg',
      table: 'public.accounts',
      key: { id: 5n },
      before: { id: 5n },
      after: null,
      sourceTsMs: 1,
      captureTsMs: 2,
      position: { engine: 'postgres', lsn: '24023128' },
    });
    assert.deepEqual(out, {
      op: 'd',
      table: 'public.accounts',
      key: { id: '5' },
      before: { id: '5' },
      after: null,
      source: { engine: 'postgres', lsn: '24023128' },
      ts: 1,
    });
  });
});
