import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import type { ChangeEvent, KafkaCoordinates } from '../../src/core/change-event.js';
import { DbtwinError } from '../../src/core/dbtwin-error.js';
import { ErrorCode } from '../../src/core/error-codes.js';
import { eventToJson } from '../../src/core/value-json.js';
import {
  type DecodeContext,
  type DecodeResult,
  decodeDebeziumMessage,
} from '../../src/source/debezium-decoder.js';
import {
  JsonNumberText,
  exactJsonText,
  parseDecimalText,
  parseExactJson,
} from '../../src/source/debezium-json.js';
import {
  type FixtureObject,
  MARIADB_CUSTOMERS,
  MYSQL_CUSTOMERS,
  ORACLE_CUSTOMERS,
  POSTGRES_ACCOUNTS,
  RawNumber,
  type TableFixture,
  base64,
  changeKey,
  changeValue,
  cols,
  decimalBase64,
  heartbeatValue,
  jsonText,
  schemaChangeValue,
  topicOf,
  transactionKey,
  transactionValue,
  variableScaleDecimal,
} from '../support/debezium-fixtures.js';

function coords(t: TableFixture, offset = '42'): KafkaCoordinates {
  return { topic: topicOf(t), partition: 0, offset };
}

function contextFor(t: TableFixture, extra: Partial<DecodeContext> = {}): DecodeContext {
  return { side: t.connector === 'postgresql' ? 'pg' : t.connector, kafka: coords(t), ...extra };
}

function eventOf(result: DecodeResult): ChangeEvent {
  assert.equal(result.kind, 'event', `expected an event, got ${result.kind}`);
  return (result as { event: ChangeEvent }).event;
}

function assertDecodeError(fn: () => unknown, code: ErrorCode, ...patterns: RegExp[]): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof DbtwinError, `expected a DbtwinError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    for (const p of patterns) assert.match(err.message, p);
    return true;
  });
}

/** A MySQL row with every column of MYSQL_CUSTOMERS, as the connector writes it. */
const MYSQL_ROW: FixtureObject = {
  id: 1004,
  first_name: 'Anne',
  email: 'annek@noanswer.org',
  balance: decimalBase64(-1234n),
  visits: decimalBase64(18446744073709551615n),
  big_counter: 9223372036854775807n,
  birth_date: -165,
  daily_slot: -3020399000000,
  created_at: -14182939876544,
  updated_at: 1622534400000,
  seen_at: '2024-03-10T12:34:56.123456Z',
  since: 2024,
  flags: base64([0x05, 0x02]),
  active: true,
  status: 'active',
  tags: 'a,c',
  doc: '{"k": [1, 2]}',
  avatar: base64([0xde, 0xad, 0xbe, 0xef]),
};

describe('MySQL connector, with schemas', () => {
  const t = MYSQL_CUSTOMERS;

  it('decodes a create with every logical type exact', () => {
    const value = changeValue(t, { op: 'c', after: MYSQL_ROW, source: { query: 'INSERT INTO customers …' } });
    const event = eventOf(decodeDebeziumMessage(changeKey(t, MYSQL_ROW), value, contextFor(t)));
    assert.equal(event.op, 'c');
    assert.equal(event.side, 'mysql');
    assert.equal(event.table, 'inventory.customers');
    assert.deepEqual(event.key, { id: 1004 });
    assert.equal(event.before, null);
    assert.deepEqual(event.after, {
      id: 1004,
      first_name: 'Anne',
      email: 'annek@noanswer.org',
      balance: { type: 'decimal', unscaled: -1234n, scale: 2 },
      visits: { type: 'decimal', unscaled: 18446744073709551615n, scale: 0 },
      big_counter: 9223372036854775807n,
      birth_date: { type: 'date', days: -165 },
      daily_slot: { type: 'time', micros: -3020399000000n },
      created_at: { type: 'timestamp', micros: -14182939876544n, nanos: 0 },
      updated_at: { type: 'timestamp', micros: 1622534400000000n, nanos: 0 },
      seen_at: { type: 'timestamptz', micros: 1710074096123456n, nanos: 0 },
      since: 2024,
      flags: { type: 'bits', bytes: new Uint8Array([0x05, 0x02]), length: 10 },
      active: true,
      status: 'active',
      tags: 'a,c',
      doc: { type: 'json', text: '{"k": [1, 2]}' },
      avatar: new Uint8Array([0xde, 0xad, 0xbe, 0xef]),
    });
    assert.deepEqual(event.position, {
      engine: 'mysql',
      connector: 'mysql',
      file: 'mysql-bin.000003',
      pos: 154,
      row: 0,
      serverId: 223344,
      gtid: '3e11fa47-71ca-11e1-9e33-c80aa9429562:23',
      query: 'INSERT INTO customers …',
    });
    assert.equal(event.sourceTsMs, 1710074096123);
    assert.equal(event.captureTsMs, 1710074096373);
    assert.deepEqual(event.kafka, coords(t));
    assert.equal(event.txId, undefined);
  });

  it('keeps the table’s column order', () => {
    const value = changeValue(t, { op: 'c', after: MYSQL_ROW });
    const event = eventOf(decodeDebeziumMessage(changeKey(t, MYSQL_ROW), value, contextFor(t)));
    assert.deepEqual(
      Object.keys(event.after ?? {}),
      t.columns.map((c) => c.field),
    );
  });

  it('decodes an update with before and after, and the transaction id', () => {
    const before = { ...MYSQL_ROW, first_name: 'Anne', balance: decimalBase64(1234n) };
    const after = { ...MYSQL_ROW, first_name: 'Anne Marie', balance: decimalBase64(-1234n) };
    const value = changeValue(t, {
      op: 'u',
      before,
      after,
      transaction: {
        id: '3e11fa47-71ca-11e1-9e33-c80aa9429562:23',
        total_order: 1,
        data_collection_order: 1,
      },
      source: { pos: 484, row: 1 },
    });
    const event = eventOf(decodeDebeziumMessage(changeKey(t, after), value, contextFor(t)));
    assert.equal(event.op, 'u');
    assert.equal(event.before?.['first_name'], 'Anne');
    assert.deepEqual(event.before?.['balance'], { type: 'decimal', unscaled: 1234n, scale: 2 });
    assert.equal(event.after?.['first_name'], 'Anne Marie');
    assert.deepEqual(event.after?.['balance'], { type: 'decimal', unscaled: -1234n, scale: 2 });
    assert.equal(event.txId, '3e11fa47-71ca-11e1-9e33-c80aa9429562:23');
    assert.deepEqual(event.position, {
      engine: 'mysql',
      connector: 'mysql',
      file: 'mysql-bin.000003',
      pos: 484,
      row: 1,
      serverId: 223344,
      gtid: '3e11fa47-71ca-11e1-9e33-c80aa9429562:23',
    });
  });

  it('decodes a delete from its before image', () => {
    const value = changeValue(t, { op: 'd', before: MYSQL_ROW });
    const event = eventOf(decodeDebeziumMessage(changeKey(t, MYSQL_ROW), value, contextFor(t)));
    assert.equal(event.op, 'd');
    assert.equal(event.after, null);
    assert.deepEqual(event.key, { id: 1004 });
    assert.equal(event.before?.['email'], 'annek@noanswer.org');
  });

  it('decodes a snapshot read', () => {
    const value = changeValue(t, { op: 'r', after: MYSQL_ROW, source: { snapshot: 'true' } });
    assert.equal(eventOf(decodeDebeziumMessage(changeKey(t, MYSQL_ROW), value, contextFor(t))).op, 'r');
  });

  it('returns a tombstone for a null value, with the key', () => {
    const result = decodeDebeziumMessage(changeKey(t, MYSQL_ROW), null, contextFor(t));
    assert.deepEqual(result, { kind: 'tombstone', key: { id: 1004 }, kafka: coords(t) });
    assert.deepEqual(decodeDebeziumMessage(null, null, { side: 'mysql' }), { kind: 'tombstone', key: null });
  });

  it('treats a JSON null value (or null payload) as a tombstone', () => {
    assert.deepEqual(decodeDebeziumMessage(null, 'null', { side: 'mysql' }), {
      kind: 'tombstone',
      key: null,
    });
    assert.deepEqual(decodeDebeziumMessage(null, '{"schema":null,"payload":null}', { side: 'mysql' }), {
      kind: 'tombstone',
      key: null,
    });
  });

  it('skips transaction BEGIN and END records', () => {
    const ctx = { side: 'mysql', kafka: { topic: 'mysql.transaction', partition: 0, offset: '7' } };
    const id = '3e11fa47-71ca-11e1-9e33-c80aa9429562:23';
    assert.deepEqual(decodeDebeziumMessage(transactionKey(id), transactionValue('BEGIN', id), ctx), {
      kind: 'skip',
      reason: 'transaction-metadata',
      detail: `transaction ${id} BEGIN`,
      kafka: ctx.kafka,
    });
    const end = decodeDebeziumMessage(
      transactionKey(id),
      transactionValue('END', id, { dataCollections: { 'inventory.customers': 2 } }),
      ctx,
    );
    assert.equal(end.kind, 'skip');
    assert.equal(end.kind === 'skip' && end.reason, 'transaction-metadata');
  });

  it('skips heartbeats and schema changes', () => {
    const hb = decodeDebeziumMessage('{"serverName":"mysql"}', heartbeatValue(), {
      side: 'mysql',
      kafka: { topic: '__debezium-heartbeat.mysql', partition: 0, offset: '1' },
    });
    assert.equal(hb.kind === 'skip' && hb.reason, 'heartbeat');
    const ddl = decodeDebeziumMessage(
      '{"databaseName":"inventory"}',
      schemaChangeValue(t, 'ALTER TABLE customers ADD x INT'),
      {
        side: 'mysql',
      },
    );
    assert.equal(ddl.kind === 'skip' && ddl.reason, 'schema-change');
  });

  it('takes origin and hop from the headers, bytes or text', () => {
    const value = changeValue(t, { op: 'c', after: MYSQL_ROW });
    const event = eventOf(
      decodeDebeziumMessage(
        changeKey(t, MYSQL_ROW),
        Buffer.from(value),
        contextFor(t, { side: 'link-default', originHeader: Buffer.from('oracle'), hopHeader: '1' }),
      ),
    );
    assert.equal(event.side, 'oracle');
    assert.equal(event.origin, 'oracle');
    assert.equal(event.hop, 1);
    const plain = eventOf(decodeDebeziumMessage(changeKey(t, MYSQL_ROW), value, { side: 'mysql' }));
    assert.equal(plain.origin, undefined);
    assert.equal(plain.hop, undefined);
    assert.equal(plain.kafka, undefined);
  });

  it('refuses a dbtwin-hop header that is not a count', () => {
    const value = changeValue(t, { op: 'c', after: MYSQL_ROW });
    assertDecodeError(
      () => decodeDebeziumMessage(null, value, contextFor(t, { hopHeader: 'two', keyColumns: ['id'] })),
      ErrorCode.EnvelopeInvalid,
      /dbtwin-hop "two"/,
    );
  });

  it('prints as dbtwin decode output', () => {
    const value = changeValue(t, { op: 'c', after: MYSQL_ROW });
    const out = eventToJson(eventOf(decodeDebeziumMessage(changeKey(t, MYSQL_ROW), value, contextFor(t))));
    assert.equal(out.after?.['visits'], '18446744073709551615');
    assert.equal(out.after?.['balance'], '-12.34');
    assert.equal(out.after?.['daily_slot'], '-838:59:59.000000');
    assert.equal(out.after?.['created_at'], '1969-07-20T20:17:40.123456');
    assert.equal(out.after?.['birth_date'], '1969-07-20');
    assert.equal(out.after?.['seen_at'], '2024-03-10T12:34:56.123456Z');
    assert.equal(out.after?.['avatar'], 'deadbeef');
    assert.equal(out.after?.['big_counter'], '9223372036854775807');
    assert.deepEqual(out.kafka, coords(t));
  });
});

describe('MySQL connector, without schemas', () => {
  const t = MYSQL_CUSTOMERS;

  it('keeps values as parsed, exactly', () => {
    const after = { ...MYSQL_ROW, big_counter: new RawNumber('18446744073709551615') };
    const value = changeValue(t, { op: 'c', after, schemas: false });
    const event = eventOf(decodeDebeziumMessage(changeKey(t, after, false), value, contextFor(t)));
    assert.deepEqual(event.key, { id: 1004 });
    assert.equal(event.after?.['big_counter'], 18446744073709551615n);
    assert.equal(event.after?.['balance'], decimalBase64(-1234n));
    assert.equal(event.after?.['seen_at'], '2024-03-10T12:34:56.123456Z');
    assert.equal(event.after?.['daily_slot'], -3020399000000);
    assert.equal(event.after?.['active'], true);
    assert.equal(event.table, 'inventory.customers');
    assert.equal(event.position.engine, 'mysql');
  });

  it('skips transaction records and heartbeats without schemas', () => {
    const begin = decodeDebeziumMessage(
      transactionKey('x:1', false),
      transactionValue('BEGIN', 'x:1', { schemas: false }),
      {
        side: 'mysql',
      },
    );
    assert.equal(begin.kind === 'skip' && begin.reason, 'transaction-metadata');
    const hb = decodeDebeziumMessage(null, heartbeatValue(1, false), { side: 'mysql' });
    assert.equal(hb.kind === 'skip' && hb.reason, 'heartbeat');
    const ddl = decodeDebeziumMessage(null, schemaChangeValue(t, 'DROP TABLE x', false), { side: 'mysql' });
    assert.equal(ddl.kind === 'skip' && ddl.reason, 'schema-change');
  });
});

describe('MariaDB connector', () => {
  it('fills a mariadb position with its GTID', () => {
    const t = MARIADB_CUSTOMERS;
    const value = changeValue(t, { op: 'c', after: MYSQL_ROW });
    const event = eventOf(decodeDebeziumMessage(changeKey(t, MYSQL_ROW), value, contextFor(t)));
    assert.equal(event.table, 'inventory.customers');
    assert.deepEqual(event.position, {
      engine: 'mysql',
      connector: 'mariadb',
      file: 'mariadb-bin.000002',
      pos: 1089,
      row: 0,
      serverId: 1,
      gtid: '0-1-5',
    });
    assert.deepEqual(event.after?.['visits'], { type: 'decimal', unscaled: 18446744073709551615n, scale: 0 });
  });
});

describe('PostgreSQL connector (pgoutput)', () => {
  const t = POSTGRES_ACCOUNTS;
  const row: FixtureObject = {
    id: 9007199254740993n,
    amount: decimalBase64(-123456789012345678901234567890n),
    ratio: variableScaleDecimal(314159n, 5),
    external_id: '0e4d5dcd-a33b-11ea-80f1-02010a22a99e',
    created_at: '2024-03-10T12:34:56.123456789Z',
    period: 93784000005,
    payload: '{"a": 1}',
    blob: base64([0, 1, 2]),
    score: 0.30000000000000004,
  };

  it('decodes a create with lsn and txId', () => {
    const value = changeValue(t, {
      op: 'c',
      after: row,
      transaction: { id: '555:24023128', total_order: 1, data_collection_order: 1 },
    });
    const event = eventOf(decodeDebeziumMessage(changeKey(t, row), value, contextFor(t)));
    assert.equal(event.table, 'public.accounts');
    assert.equal(event.side, 'pg');
    assert.deepEqual(event.key, { id: 9007199254740993n });
    assert.deepEqual(event.position, { engine: 'postgres', lsn: '24023128', txId: '555' });
    assert.equal(event.txId, '555:24023128');
    assert.deepEqual(event.after, {
      id: 9007199254740993n,
      amount: { type: 'decimal', unscaled: -123456789012345678901234567890n, scale: 10 },
      ratio: { type: 'decimal', unscaled: 314159n, scale: 5 },
      external_id: '0e4d5dcd-a33b-11ea-80f1-02010a22a99e',
      created_at: { type: 'timestamptz', micros: 1710074096123456n, nanos: 789 },
      period: { type: 'interval', micros: 93784000005n },
      payload: { type: 'json', text: '{"a": 1}' },
      blob: new Uint8Array([0, 1, 2]),
      score: 0.30000000000000004,
    });
  });

  it('keeps an LSN beyond 2^53 exact', () => {
    const value = changeValue(t, { op: 'c', after: row, source: { lsn: 18446744073709551000n } });
    const event = eventOf(decodeDebeziumMessage(changeKey(t, row), value, contextFor(t)));
    assert.deepEqual(event.position, { engine: 'postgres', lsn: '18446744073709551000', txId: '555' });
  });

  it('decodes an update without a before image (REPLICA IDENTITY DEFAULT)', () => {
    const value = changeValue(t, { op: 'u', before: null, after: row });
    const event = eventOf(decodeDebeziumMessage(changeKey(t, row), value, contextFor(t)));
    assert.equal(event.before, null);
    assert.deepEqual(event.key, { id: 9007199254740993n });
  });

  it('decodes a truncate with no key and no rows', () => {
    const value = changeValue(t, { op: 't' });
    const event = eventOf(decodeDebeziumMessage(null, value, contextFor(t)));
    assert.equal(event.op, 't');
    assert.equal(event.before, null);
    assert.equal(event.after, null);
    assert.deepEqual(event.key, {});
  });

  it('skips logical decoding messages', () => {
    const value = changeValue(t, { op: 'm' });
    const result = decodeDebeziumMessage(null, value, contextFor(t));
    assert.equal(result.kind === 'skip' && result.reason, 'logical-message');
  });

  it('decodes binary columns declared as strings under binary.handling.mode=hex', () => {
    const hexTable: TableFixture = {
      ...t,
      columns: [cols.int64('id', { optional: false }), cols.string('blob')],
    };
    const value = changeValue(hexTable, { op: 'c', after: { id: 1, blob: 'DEADBEEF' } });
    const event = eventOf(
      decodeDebeziumMessage(changeKey(hexTable, { id: 1 }), value, {
        ...contextFor(hexTable),
        binaryHandlingMode: 'hex',
        binaryColumns: ['blob'],
      }),
    );
    assert.deepEqual(event.after?.['blob'], new Uint8Array([0xde, 0xad, 0xbe, 0xef]));
  });
});

describe('Oracle connector (LogMiner)', () => {
  const t = ORACLE_CUSTOMERS;
  const row: FixtureObject = {
    ID: 1,
    NAME: 'Ann',
    PRICE: decimalBase64(1999n),
    RATIO: variableScaleDecimal(-5n, 1),
    BORN: -2208988800000,
    PRECISE_AT: -1,
    TZ_AT: '2024-03-10T12:34:56.123456+05:30',
    RAW_DATA: base64([0xca, 0xfe]),
  };

  it('decodes a create with scn, commit_scn and user name', () => {
    const value = changeValue(t, { op: 'c', after: row });
    const event = eventOf(decodeDebeziumMessage(changeKey(t, row), value, contextFor(t)));
    assert.equal(event.table, 'DEBEZIUM.CUSTOMERS');
    assert.deepEqual(event.key, { ID: 1 });
    assert.deepEqual(event.position, {
      engine: 'oracle',
      scn: '2868546',
      commitScn: '2868547',
      user: 'APP_USER',
    });
    assert.deepEqual(event.after, {
      ID: 1,
      NAME: 'Ann',
      PRICE: { type: 'decimal', unscaled: 1999n, scale: 2 },
      RATIO: { type: 'decimal', unscaled: -5n, scale: 1 },
      BORN: { type: 'timestamp', micros: -2208988800000000n, nanos: 0 },
      PRECISE_AT: { type: 'timestamp', micros: -1n, nanos: 999 },
      TZ_AT: { type: 'timestamptz', micros: 1710054296123456n, nanos: 0 },
      RAW_DATA: new Uint8Array([0xca, 0xfe]),
    });
  });

  it('decodes a delete and keeps an SCN beyond 2^53', () => {
    const value = changeValue(t, {
      op: 'd',
      before: row,
      source: { scn: '18446744073709551615', commit_scn: null },
    });
    const event = eventOf(decodeDebeziumMessage(changeKey(t, row), value, contextFor(t)));
    assert.equal(event.op, 'd');
    assert.deepEqual(event.position, { engine: 'oracle', scn: '18446744073709551615', user: 'APP_USER' });
  });

  it('decodes without schemas', () => {
    const value = changeValue(t, { op: 'c', after: row, schemas: false });
    const event = eventOf(decodeDebeziumMessage(changeKey(t, row, false), value, contextFor(t)));
    assert.equal(event.after?.['PRICE'], decimalBase64(1999n));
    assert.equal(event.after?.['BORN'], -2208988800000);
    assert.deepEqual(event.after?.['RATIO'], { type: 'json', text: jsonText(variableScaleDecimal(-5n, 1)) });
  });
});

describe('keys', () => {
  const t = MYSQL_CUSTOMERS;

  it('falls back to the configured key columns when the message has no key', () => {
    const value = changeValue(t, { op: 'c', after: MYSQL_ROW });
    const event = eventOf(decodeDebeziumMessage(null, value, contextFor(t, { keyColumns: ['id', 'email'] })));
    assert.deepEqual(event.key, { id: 1004, email: 'annek@noanswer.org' });
    const del = eventOf(
      decodeDebeziumMessage(
        null,
        changeValue(t, { op: 'd', before: MYSQL_ROW }),
        contextFor(t, { keyColumns: ['id'] }),
      ),
    );
    assert.deepEqual(del.key, { id: 1004 });
  });

  it('treats a JSON-converter null key as no key', () => {
    const value = changeValue(t, { op: 'c', after: MYSQL_ROW });
    const event = eventOf(
      decodeDebeziumMessage('{"schema":null,"payload":null}', value, contextFor(t, { keyColumns: ['id'] })),
    );
    assert.deepEqual(event.key, { id: 1004 });
  });

  it('keeps a column named __proto__ as a column', () => {
    const value = jsonText({
      before: null,
      after: JSON.parse('{"id": 1, "__proto__": {"polluted": true}}') as FixtureObject,
      source: {
        connector: 'mysql',
        db: 'inventory',
        table: 'odd',
        file: 'mysql-bin.000001',
        pos: 4,
        row: 0,
        ts_ms: 1,
      },
      op: 'c',
      ts_ms: 2,
    });
    const event = eventOf(decodeDebeziumMessage('{"id":1}', value, { side: 'mysql' }));
    assert.equal(Object.getPrototypeOf(event.after), Object.prototype);
    assert.deepEqual(Object.keys(event.after ?? {}), ['id', '__proto__']);
    assert.deepEqual(Object.getOwnPropertyDescriptor(event.after, '__proto__')?.value, {
      type: 'json',
      text: '{"polluted":true}',
    });
  });

  it('decodes logical types in the key', () => {
    const keyed: TableFixture = { ...t, keyColumns: ['id', 'balance'] };
    const value = changeValue(keyed, { op: 'c', after: MYSQL_ROW });
    const event = eventOf(decodeDebeziumMessage(changeKey(keyed, MYSQL_ROW), value, contextFor(keyed)));
    assert.deepEqual(event.key, { id: 1004, balance: { type: 'decimal', unscaled: -1234n, scale: 2 } });
  });

  it('refuses a change with no key and no key columns, naming the table', () => {
    const value = changeValue(t, { op: 'c', after: MYSQL_ROW });
    assertDecodeError(
      () => decodeDebeziumMessage(null, value, contextFor(t)),
      ErrorCode.EnvelopeInvalid,
      /^topic mysql\.inventory\.customers partition 0 offset 42: /,
      /key of a change to inventory\.customers/,
    );
  });

  it('refuses a configured key column that the row lacks', () => {
    const value = changeValue(t, { op: 'c', after: MYSQL_ROW });
    assertDecodeError(
      () => decodeDebeziumMessage(null, value, contextFor(t, { keyColumns: ['uuid'] })),
      ErrorCode.EnvelopeInvalid,
      /key column uuid of inventory\.customers is missing from after/,
    );
  });
});

describe('errors', () => {
  const t = MYSQL_CUSTOMERS;
  const at = /^topic mysql\.inventory\.customers partition 0 offset 42: /;

  it('MessageNotJson for a value that is not JSON', () => {
    assertDecodeError(
      () => decodeDebeziumMessage(null, '{"op": "c",', contextFor(t)),
      ErrorCode.MessageNotJson,
      at,
      /value is not valid JSON/,
    );
    assertDecodeError(
      () => decodeDebeziumMessage(null, new Uint8Array([0x7b, 0xff, 0x7d]), contextFor(t)),
      ErrorCode.MessageNotJson,
      /value is not UTF-8/,
    );
    assertDecodeError(
      () => decodeDebeziumMessage('{id:1}', null, contextFor(t)),
      ErrorCode.MessageNotJson,
      /key is not valid JSON/,
    );
  });

  it('names "message" when there are no Kafka coordinates', () => {
    assertDecodeError(
      () => decodeDebeziumMessage(null, 'nope', { side: 'x' }),
      ErrorCode.MessageNotJson,
      /^message: value is not valid JSON/,
    );
  });

  it('EnvelopeInvalid for a missing or unknown op', () => {
    const noOp = jsonText({ before: null, after: { id: 1 }, source: {} });
    assertDecodeError(
      () => decodeDebeziumMessage(null, noOp, contextFor(t)),
      ErrorCode.EnvelopeInvalid,
      at,
      /no op field/,
    );
    const badOp = changeValue(t, { op: 'c', after: MYSQL_ROW }).replace('"op":"c"', '"op":"x"');
    assertDecodeError(
      () => decodeDebeziumMessage(null, badOp, contextFor(t)),
      ErrorCode.EnvelopeInvalid,
      at,
      /op "x" is unknown/,
    );
    assertDecodeError(
      () => decodeDebeziumMessage(null, '[1,2]', contextFor(t)),
      ErrorCode.EnvelopeInvalid,
      /not a Debezium envelope \(an array\)/,
    );
  });

  it('EnvelopeInvalid for a missing source or source field', () => {
    const noSource = jsonText({ before: null, after: { id: 1 }, op: 'c', ts_ms: 1 });
    assertDecodeError(
      () => decodeDebeziumMessage(null, noSource, contextFor(t)),
      ErrorCode.EnvelopeInvalid,
      at,
      /no source block/,
    );
    const noFile = changeValue(t, { op: 'c', after: MYSQL_ROW, source: { file: null } });
    assertDecodeError(
      () => decodeDebeziumMessage(changeKey(t, MYSQL_ROW), noFile, contextFor(t)),
      ErrorCode.EnvelopeInvalid,
      /source\.file is missing/,
    );
    const sqlServer = changeValue(t, { op: 'c', after: MYSQL_ROW, source: { connector: 'sqlserver' } });
    assertDecodeError(
      () => decodeDebeziumMessage(changeKey(t, MYSQL_ROW), sqlServer, contextFor(t)),
      ErrorCode.EnvelopeInvalid,
      /source\.connector "sqlserver" is not one dbtwin reads/,
    );
  });

  it('EnvelopeInvalid for c/r/u without after and d without before', () => {
    for (const op of ['c', 'r', 'u'] as const) {
      const value = changeValue(t, { op, before: MYSQL_ROW, after: null });
      assertDecodeError(
        () => decodeDebeziumMessage(changeKey(t, MYSQL_ROW), value, contextFor(t)),
        ErrorCode.EnvelopeInvalid,
        at,
        new RegExp(`op '${op}' on inventory\\.customers has no after row`),
      );
    }
    const del = changeValue(t, { op: 'd', before: null });
    assertDecodeError(
      () => decodeDebeziumMessage(changeKey(t, MYSQL_ROW), del, contextFor(t)),
      ErrorCode.EnvelopeInvalid,
      /op 'd' on inventory\.customers has no before row/,
    );
  });

  it('FieldValueInvalid names the coordinates and the field path', () => {
    const value = changeValue(t, { op: 'c', after: { ...MYSQL_ROW, balance: 'not base64!' } });
    assertDecodeError(
      () => decodeDebeziumMessage(changeKey(t, MYSQL_ROW), value, contextFor(t)),
      ErrorCode.FieldValueInvalid,
      at,
      /after\.balance: not valid base64/,
    );
    const before = changeValue(t, {
      op: 'u',
      before: { ...MYSQL_ROW, seen_at: 'yesterday' },
      after: MYSQL_ROW,
    });
    assertDecodeError(
      () => decodeDebeziumMessage(changeKey(t, MYSQL_ROW), before, contextFor(t)),
      ErrorCode.FieldValueInvalid,
      /before\.seen_at: 'yesterday' is not an ISO-8601 timestamp/,
    );
    const key = jsonText({
      schema: { type: 'struct', fields: [{ type: 'int32', optional: false, field: 'id' }], optional: false },
      payload: { id: 'x' },
    });
    assertDecodeError(
      () => decodeDebeziumMessage(key, changeValue(t, { op: 'c', after: MYSQL_ROW }), contextFor(t)),
      ErrorCode.FieldValueInvalid,
      /key\.id: expected an int32/,
    );
  });

  it('keeps the hint of the original error', () => {
    try {
      decodeDebeziumMessage(null, 'nope', contextFor(t));
      assert.fail('expected an error');
    } catch (err) {
      assert.ok(err instanceof DbtwinError);
      assert.match(err.hint ?? '', /JsonConverter/);
      assert.ok(err.cause instanceof SyntaxError);
    }
  });
});

describe('parseExactJson', () => {
  it('parses ordinary JSON like JSON.parse', () => {
    assert.deepEqual(parseExactJson('{"a":[1,2.5,"x",null,true]}'), { a: [1, 2.5, 'x', null, true] });
  });

  it('keeps integers beyond 2^53 as bigint and safe ones as number', () => {
    assert.deepEqual(
      parseExactJson('[9007199254740991, 9007199254740993, -9223372036854775808, 1465491411815437158]'),
      [9007199254740991, 9007199254740993n, -9223372036854775808n, 1465491411815437158n],
    );
    assert.deepEqual(parseExactJson('{"long":"12345678901234567890","n":12345678901234567890}'), {
      long: '12345678901234567890',
      n: 12345678901234567890n,
    });
  });

  it('keeps doubles that round-trip as numbers and others as text', () => {
    const parsed = parseExactJson(
      '[0.30000000000000004, 1.7976931348623157E308, 3.14159265358979323846, 1E+400, 1.0E20]',
    );
    assert.ok(Array.isArray(parsed));
    assert.equal(parsed[0], 0.30000000000000004);
    assert.equal(parsed[1], Number.MAX_VALUE);
    assert.ok(parsed[2] instanceof JsonNumberText && parsed[2].text === '3.14159265358979323846');
    assert.ok(parsed[3] instanceof JsonNumberText && parsed[3].text === '1E+400');
    assert.equal(parsed[4], 1e20);
  });

  it('leaves digits inside strings alone, escaped quotes included', () => {
    assert.deepEqual(parseExactJson('{"s":"a\\"12345678901234567890","n":[12345678901234567890]}'), {
      s: 'a"12345678901234567890',
      n: [12345678901234567890n],
    });
  });

  it('stays exact when the text holds a \\u0000 escape (lossless-json fallback)', () => {
    assert.deepEqual(parseExactJson('{"nul":"\\u00000","n":12345678901234567890,"d":0.1}'), {
      nul: '\u00000',
      n: 12345678901234567890n,
      d: 0.1,
    });
  });

  it('keeps the last of duplicate keys on both paths, as JSON.parse does', () => {
    assert.deepEqual(parseExactJson('{"a":1,"a":2}'), { a: 2 });
    assert.deepEqual(parseExactJson('{"a":1,"a":12345678901234567890}'), { a: 12345678901234567890n });
  });

  it('throws SyntaxError on invalid JSON on both paths', () => {
    assert.throws(() => parseExactJson('{'), SyntaxError);
    assert.throws(() => parseExactJson('{"a": 12345678901234567890'), SyntaxError);
    assert.throws(() => parseExactJson('[12345678901234567890.]'), SyntaxError);
    assert.throws(() => parseExactJson('[012345678901234567890]'), SyntaxError);
    assert.throws(() => parseExactJson('{"a":"\\u0000", "b": 12345678901234567890'), SyntaxError);
  });

  it('writes exact values back as JSON text', () => {
    const text = '{"b":[1,-0.5,"q\\"uote"],"a":12345678901234567890,"c":3.14159265358979323846}';
    assert.equal(exactJsonText(parseExactJson(text)), text);
  });

  it('reads decimal texts exactly', () => {
    assert.deepEqual(parseDecimalText('-12.340'), { unscaled: -12340n, scale: 3 });
    assert.deepEqual(parseDecimalText('1.5E-7'), { unscaled: 15n, scale: 8 });
    assert.deepEqual(parseDecimalText('12e3'), { unscaled: 12n, scale: -3 });
    assert.equal(parseDecimalText('1e999999'), undefined);
    assert.equal(parseDecimalText('abc'), undefined);
    assert.equal(parseDecimalText('.'), undefined);
  });
});
