import type { ChangeEvent, ChangeOp, KafkaCoordinates, SourcePosition } from '../core/change-event.js';
import { DbtwinError } from '../core/dbtwin-error.js';
import { ErrorCode } from '../core/error-codes.js';
import type { Row, Value } from '../core/values.js';
import {
  type ExactJson,
  type ExactJsonObject,
  JsonNumberText,
  isExactJsonArray,
  isExactJsonObject,
  parseExactJson,
} from './debezium-json.js';
import {
  type BinaryHandlingMode,
  type ConnectField,
  type ConnectSchema,
  decodeFieldValue,
  decodeUntypedValue,
} from './debezium-logical-types.js';

/** Raw Kafka message bytes as kafkajs gives them (a Buffer is a Uint8Array), or text. */
export type MessageBytes = Uint8Array | string;

/** A Kafka header value as kafkajs gives it; a repeated header counts by its last value. */
export type HeaderValue = string | Uint8Array | readonly (string | Uint8Array)[] | null | undefined;

/** What the decoder needs besides the message bytes. */
export interface DecodeContext {
  /** Side to attribute the change to when the message has no `dbtwin-origin` header (the link's source side). */
  readonly side: string;
  /** Where the message came from; named in every error and copied into the event. */
  readonly kafka?: KafkaCoordinates;
  /** The `dbtwin-origin` header. */
  readonly originHeader?: HeaderValue;
  /** The `dbtwin-hop` header: a non-negative decimal integer. */
  readonly hopHeader?: HeaderValue;
  /** The connector's `binary.handling.mode`. Default `bytes`. */
  readonly binaryHandlingMode?: BinaryHandlingMode;
  /**
   * Primary-key columns of the table, used only when the message has no key (Debezium writes a null
   * key for tables without a primary key unless `message.key.columns` is set).
   */
  readonly keyColumns?: readonly string[];
  /**
   * Columns whose `string` values carry binary data under a non-`bytes` `binary.handling.mode`
   * (needed because Debezium then declares them as plain strings).
   */
  readonly binaryColumns?: readonly string[];
}

/** Why a message decodes to nothing to apply. */
export type SkipReason = 'transaction-metadata' | 'heartbeat' | 'schema-change' | 'logical-message';

/** The outcome of decoding one Kafka message. */
export type DecodeResult =
  | { readonly kind: 'event'; readonly event: ChangeEvent }
  /** The null value Debezium writes after a delete so that compaction can drop the key. */
  | { readonly kind: 'tombstone'; readonly key: Row | null; readonly kafka?: KafkaCoordinates }
  | {
      readonly kind: 'skip';
      readonly reason: SkipReason;
      readonly detail: string;
      readonly kafka?: KafkaCoordinates;
    };

const OPS: ReadonlySet<string> = new Set<ChangeOp>(['r', 'c', 'u', 'd', 't']);
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes one Kafka message written by a Debezium connector through the JSON converter, with or
 * without schemas, into a {@link ChangeEvent}, a tombstone, or a skip (transaction BEGIN/END,
 * heartbeat, schema change, PostgreSQL logical message).
 *
 * With schemas every logical type is decoded exactly (see `decodeFieldValue`). Without schemas no
 * type is known: values stay as parsed, still exactly (integers beyond 2^53 are bigints).
 *
 * The key comes from the message key when there is one; otherwise from `after` (`before` for a
 * delete) restricted to `context.keyColumns`. A truncate (`t`) needs no key and gets `{}`.
 *
 * @throws DbtwinError MessageNotJson (value or key is not UTF-8 JSON), EnvelopeInvalid (not a usable
 *   Debezium envelope) or FieldValueInvalid (a value does not fit its type). Every message starts
 *   with the Kafka coordinates when known and names the field.
 */
export function decodeDebeziumMessage(
  key: MessageBytes | null,
  value: MessageBytes | null,
  context: DecodeContext,
): DecodeResult {
  try {
    return decode(key, value, context);
  } catch (err) {
    if (err instanceof DbtwinError) {
      throw new DbtwinError(err.code, `${where(context.kafka)}: ${err.message}`, {
        hint: err.hint,
        cause: err.cause,
      });
    }
    throw err;
  }
}

function decode(
  keyBytes: MessageBytes | null,
  valueBytes: MessageBytes | null,
  context: DecodeContext,
): DecodeResult {
  const kafka = context.kafka;
  if (valueBytes === null) {
    return { kind: 'tombstone', key: decodeMessageKey(keyBytes, context), ...(kafka ? { kafka } : {}) };
  }
  const { schema, payload } = splitEnvelope(parseMessageJson(valueBytes, 'value'));
  // The JSON converter writes a null record value as Kafka null, but `null` text means the same.
  if (payload === null) {
    return { kind: 'tombstone', key: decodeMessageKey(keyBytes, context), ...(kafka ? { kafka } : {}) };
  }
  if (!isExactJsonObject(payload)) {
    throw envelopeError(`value is not a Debezium envelope (${kindOf(payload)})`);
  }

  const rawOp = payload['op'];
  if (rawOp === undefined || rawOp === null) {
    const skip = classifyNonChange(payload, schema, kafka?.topic);
    if (skip) return { kind: 'skip', ...skip, ...(kafka ? { kafka } : {}) };
    throw envelopeError('value has no op field');
  }
  if (rawOp === 'm') {
    return {
      kind: 'skip',
      reason: 'logical-message',
      detail: 'PostgreSQL logical decoding message',
      ...(kafka ? { kafka } : {}),
    };
  }
  if (typeof rawOp !== 'string' || !OPS.has(rawOp)) throw envelopeError(`op ${show(rawOp)} is unknown`);
  const op = rawOp as ChangeOp;

  const source = payload['source'];
  if (!isExactJsonObject(source)) throw envelopeError('value has no source block');
  const { position, table } = readSource(source);

  let before: Row | null = null;
  let after: Row | null = null;
  if (op !== 't') {
    const rowOptions = {
      binaryHandlingMode: context.binaryHandlingMode ?? 'bytes',
      binaryColumns: new Set(context.binaryColumns ?? []),
    };
    before = readRow(payload, schema, 'before', rowOptions);
    after = readRow(payload, schema, 'after', rowOptions);
    if (op !== 'd' && after === null) throw envelopeError(`op '${op}' on ${table} has no after row`);
    if (op === 'd' && before === null) throw envelopeError(`op 'd' on ${table} has no before row`);
  }

  const key = decodeMessageKey(keyBytes, context) ?? keyFromRow(op, before, after, table, context.keyColumns);
  const sourceTsMs = toSafeNumber(source['ts_ms'], 'source.ts_ms');
  const captureTs = payload['ts_ms'];
  const txId = readTxId(payload['transaction']);
  const origin = headerText(context.originHeader);
  const hop = readHop(context.hopHeader);

  const event: ChangeEvent = {
    op,
    side: origin ?? context.side,
    table,
    key,
    before,
    after,
    sourceTsMs,
    captureTsMs:
      captureTs === undefined || captureTs === null ? sourceTsMs : toSafeNumber(captureTs, 'ts_ms'),
    position,
    ...(txId === undefined ? {} : { txId }),
    ...(kafka ? { kafka } : {}),
    ...(origin === undefined ? {} : { origin }),
    ...(hop === undefined ? {} : { hop }),
  };
  return { kind: 'event', event };
}

function parseMessageJson(bytes: MessageBytes, part: 'key' | 'value'): ExactJson {
  let text: string;
  try {
    text = typeof bytes === 'string' ? bytes : utf8.decode(bytes);
  } catch (err) {
    throw new DbtwinError(ErrorCode.MessageNotJson, `${part} is not UTF-8 text`, {
      cause: err,
      hint: CONVERTER_HINT,
    });
  }
  try {
    return parseWithSchemaCache(text) ?? parseExactJson(text);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new DbtwinError(ErrorCode.MessageNotJson, `${part} is not valid JSON (${why})`, {
      cause: err,
      hint: CONVERTER_HINT,
    });
  }
}

/** Parsed schemas by their exact text; Debezium repeats one schema per table version in every message. */
const schemaCache = new Map<string, ExactJson>();
const SCHEMA_CACHE_SIZE = 512;
const SCHEMA_START = '{"schema":';
const PAYLOAD_KEY = '},"payload":';

/**
 * The JsonConverter writes `{"schema":…,"payload":…}` with the same schema text in every message of
 * a table; parsing it is most of the work (a 500-byte row comes with ~4 KB of schema). This parses the
 * schema once per distinct text and the payload alone. The first `},"payload":` is the boundary: inside
 * the schema, `payload` can only occur as a string value (`"field":"payload"`), never as a key.
 * Returns undefined for any other shape, which the full parse then handles (and reports).
 */
function parseWithSchemaCache(text: string): ExactJson | undefined {
  if (!text.startsWith(SCHEMA_START) || !text.endsWith('}')) return undefined;
  const boundary = text.indexOf(PAYLOAD_KEY);
  if (boundary < 0) return undefined;
  const schemaText = text.slice(SCHEMA_START.length, boundary + 1);
  let schema = schemaCache.get(schemaText);
  if (schema === undefined) {
    schema = parseExactJson(schemaText);
    if (schemaCache.size >= SCHEMA_CACHE_SIZE) schemaCache.delete(schemaCache.keys().next().value!);
    schemaCache.set(schemaText, schema);
  }
  const payload = parseExactJson(text.slice(boundary + PAYLOAD_KEY.length, -1));
  return { schema, payload };
}

const CONVERTER_HINT =
  "use org.apache.kafka.connect.json.JsonConverter for the connector's key and value converters";

/**
 * The JSON converter with `schemas.enable=true` writes `{schema, payload}`; without, the payload
 * alone. The schema is returned raw: only the parts a message needs are read (see `readSchema`).
 */
function splitEnvelope(parsed: ExactJson): { schema: ExactJsonObject | undefined; payload: ExactJson } {
  if (
    isExactJsonObject(parsed) &&
    Object.hasOwn(parsed, 'payload') &&
    Object.hasOwn(parsed, 'schema') &&
    Object.keys(parsed).length === 2
  ) {
    const schema = parsed['schema'];
    return { schema: isExactJsonObject(schema) ? schema : undefined, payload: parsed['payload'] ?? null };
  }
  return { schema: undefined, payload: parsed };
}

function schemaName(schema: ExactJsonObject | undefined): string | undefined {
  const name = schema?.['name'];
  return typeof name === 'string' ? name : undefined;
}

/** The schema of the struct field `name` of a raw struct schema, or undefined when it has none. */
function rawFieldSchema(schema: ExactJsonObject | undefined, name: string): ExactJsonObject | undefined {
  const fields = schema?.['fields'];
  if (!isExactJsonArray(fields)) return undefined;
  for (const f of fields) if (isExactJsonObject(f) && f['field'] === name) return f;
  return undefined;
}

/** Read schemas by their raw object: raw schemas are shared between messages (see parseWithSchemaCache). */
const readSchemas = new WeakMap<object, ConnectSchema>();

function readSchemaCached(raw: ExactJsonObject, path: string): ConnectSchema {
  let schema = readSchemas.get(raw);
  if (schema === undefined) {
    schema = readSchema(raw, path);
    readSchemas.set(raw, schema);
  }
  return schema;
}

function readSchema(raw: ExactJson, path: string): ConnectSchema {
  if (!isExactJsonObject(raw) || typeof raw['type'] !== 'string') {
    throw envelopeError(`${path} is not a Kafka Connect schema (no type)`);
  }
  const schema: { -readonly [K in keyof ConnectField]?: ConnectField[K] } = { type: raw['type'] };
  const name = raw['name'];
  if (typeof name === 'string') schema.name = name;
  const parameters = raw['parameters'];
  if (isExactJsonObject(parameters)) {
    const params: Record<string, string> = {};
    for (const k of Object.keys(parameters)) {
      const v = parameters[k];
      if (typeof v === 'string') params[k] = v;
    }
    schema.parameters = params;
  }
  const fields = raw['fields'];
  if (isExactJsonArray(fields)) {
    const read: ConnectField[] = [];
    for (let i = 0; i < fields.length; i += 1) {
      const f = fields[i] ?? null;
      const fieldName = isExactJsonObject(f) ? f['field'] : undefined;
      if (typeof fieldName !== 'string') throw envelopeError(`${path}.fields[${i}] has no field name`);
      const fieldSchema = readSchema(f, `${path}.${fieldName}`) as {
        -readonly [K in keyof ConnectField]?: ConnectField[K];
      };
      fieldSchema.field = fieldName;
      read.push(fieldSchema as ConnectField);
    }
    schema.fields = read;
  }
  const items = raw['items'];
  if (items !== undefined && items !== null) schema.items = readSchema(items, `${path}[]`);
  return schema as ConnectSchema;
}

interface RowOptions {
  readonly binaryHandlingMode: BinaryHandlingMode;
  readonly binaryColumns: ReadonlySet<string>;
}

function readRow(
  payload: ExactJsonObject,
  envelopeSchema: ExactJsonObject | undefined,
  part: 'before' | 'after',
  options: RowOptions,
): Row | null {
  const raw = payload[part];
  if (raw === undefined || raw === null) return null;
  if (!isExactJsonObject(raw)) throw envelopeError(`${part} is not a row (${kindOf(raw)})`);
  const rowSchema = rawFieldSchema(envelopeSchema, part);
  return decodeRow(raw, rowSchema && readSchemaCached(rowSchema, `value schema.${part}`), part, options);
}

function decodeRow(
  raw: ExactJsonObject,
  schema: ConnectSchema | undefined,
  path: string,
  options: RowOptions,
): Row {
  const row: Record<string, Value> = {};
  const fields = schema?.fields;
  if (fields) {
    // Schema order is the table's column order.
    for (const f of fields) {
      if (!Object.hasOwn(raw, f.field)) continue;
      const value = decodeFieldValue(raw[f.field] ?? null, f, `${path}.${f.field}`, {
        binaryHandlingMode: options.binaryHandlingMode,
        binary: options.binaryColumns.has(f.field),
      });
      setColumn(row, f.field, value);
    }
  }
  for (const [name, value] of Object.entries(raw)) {
    if (!Object.hasOwn(row, name)) setColumn(row, name, decodeUntypedValue(value));
  }
  return row;
}

// A column named `__proto__` must become a column, not the row's prototype.
function setColumn(row: Record<string, Value>, name: string, value: Value): void {
  if (name === '__proto__') {
    Object.defineProperty(row, name, { value, enumerable: true, writable: true, configurable: true });
  } else {
    row[name] = value;
  }
}

function decodeMessageKey(keyBytes: MessageBytes | null, context: DecodeContext): Row | null {
  if (keyBytes === null) return null;
  const { schema: rawSchema, payload } = splitEnvelope(parseMessageJson(keyBytes, 'key'));
  if (payload === null) return null;
  if (!isExactJsonObject(payload)) {
    throw envelopeError(`key is not a Debezium key struct (${kindOf(payload)})`);
  }
  const schema = rawSchema === undefined ? undefined : readSchemaCached(rawSchema, 'key schema');
  return decodeRow(payload, schema, 'key', {
    binaryHandlingMode: context.binaryHandlingMode ?? 'bytes',
    binaryColumns: new Set(context.binaryColumns ?? []),
  });
}

function keyFromRow(
  op: ChangeOp,
  before: Row | null,
  after: Row | null,
  table: string,
  keyColumns: readonly string[] | undefined,
): Row {
  if (op === 't') return {};
  const row = op === 'd' ? before : (after ?? before);
  if (!keyColumns || keyColumns.length === 0 || row === null) {
    throw envelopeError(
      `cannot tell the key of a change to ${table}: the message has no key and no key columns are configured`,
      'give the table a primary key, or set message.key.columns on the connector, or configure its key columns in dbtwin',
    );
  }
  const key: Record<string, Value> = {};
  for (const column of keyColumns) {
    if (!Object.hasOwn(row, column)) {
      throw envelopeError(
        `key column ${column} of ${table} is missing from ${op === 'd' ? 'before' : 'after'}`,
      );
    }
    setColumn(key, column, row[column] ?? null);
  }
  return key;
}

function readSource(source: ExactJsonObject): { position: SourcePosition; table: string } {
  const connector = source['connector'];
  switch (connector) {
    case 'mysql':
    case 'mariadb': {
      const serverId = source['server_id'];
      const gtid = source['gtid'];
      const query = source['query'];
      const row = source['row'];
      return {
        table: `${requiredText(source, 'db')}.${requiredText(source, 'table')}`,
        position: {
          engine: 'mysql',
          connector,
          file: requiredText(source, 'file'),
          pos: toSafeNumber(source['pos'], 'source.pos'),
          row: row === undefined || row === null ? 0 : toSafeNumber(row, 'source.row'),
          ...(serverId === undefined || serverId === null
            ? {}
            : { serverId: toSafeNumber(serverId, 'source.server_id') }),
          ...(typeof gtid === 'string' ? { gtid } : {}),
          ...(typeof query === 'string' ? { query } : {}),
        },
      };
    }
    case 'postgresql': {
      const txId = source['txId'];
      return {
        table: `${requiredText(source, 'schema')}.${requiredText(source, 'table')}`,
        position: {
          engine: 'postgres',
          lsn: integerText(source['lsn'], 'source.lsn'),
          ...(txId === undefined || txId === null ? {} : { txId: integerText(txId, 'source.txId') }),
        },
      };
    }
    case 'oracle': {
      const commitScn = source['commit_scn'];
      const user = source['user_name'];
      return {
        table: `${requiredText(source, 'schema')}.${requiredText(source, 'table')}`,
        position: {
          engine: 'oracle',
          scn: integerText(source['scn'], 'source.scn'),
          ...(commitScn === undefined || commitScn === null
            ? {}
            : { commitScn: integerText(commitScn, 'source.commit_scn') }),
          ...(typeof user === 'string' ? { user } : {}),
        },
      };
    }
    default:
      throw envelopeError(
        `source.connector ${show(connector)} is not one dbtwin reads (mysql, mariadb, postgresql, oracle)`,
      );
  }
}

function requiredText(source: ExactJsonObject, name: string): string {
  const v = source[name];
  if (typeof v !== 'string' || v === '') throw envelopeError(`source.${name} is missing`);
  return v;
}

// Positions are decimal strings because LSNs and SCNs are 64-bit: accept a JSON integer or its text.
function integerText(raw: ExactJson | undefined, path: string): string {
  if (typeof raw === 'bigint' || (typeof raw === 'number' && Number.isSafeInteger(raw))) {
    return raw.toString();
  }
  if (typeof raw === 'string' && /^\d+$/.test(raw)) return raw;
  throw envelopeError(`${path} is ${raw === undefined ? 'missing' : `not an integer (${kindOf(raw)})`}`);
}

function toSafeNumber(raw: ExactJson | undefined, path: string): number {
  if (typeof raw === 'number' && Number.isSafeInteger(raw)) return raw;
  throw envelopeError(`${path} is ${raw === undefined ? 'missing' : `not a safe integer (${kindOf(raw)})`}`);
}

function readTxId(raw: ExactJson | undefined): string | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isExactJsonObject(raw)) throw envelopeError(`transaction is not a struct (${kindOf(raw)})`);
  const id = raw['id'];
  if (id === undefined || id === null) return undefined;
  if (typeof id === 'string') return id;
  if (typeof id === 'number' || typeof id === 'bigint') return id.toString();
  throw envelopeError(`transaction.id is not a string (${kindOf(id)})`);
}

function headerText(header: HeaderValue): string | undefined {
  const last = isHeaderList(header) ? header[header.length - 1] : header;
  if (last === undefined || last === null) return undefined;
  if (typeof last === 'string') return last;
  try {
    return utf8.decode(last);
  } catch (err) {
    throw new DbtwinError(ErrorCode.EnvelopeInvalid, 'a dbtwin header is not UTF-8 text', { cause: err });
  }
}

function isHeaderList(header: HeaderValue): header is readonly (string | Uint8Array)[] {
  return Array.isArray(header);
}

function readHop(header: HeaderValue): number | undefined {
  const text = headerText(header);
  if (text === undefined) return undefined;
  const hop = /^\d{1,9}$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (!Number.isSafeInteger(hop)) {
    throw envelopeError(`header dbtwin-hop ${JSON.stringify(text)} is not a hop count`);
  }
  return hop;
}

/** Transaction boundaries, heartbeats and schema changes carry no `op`; tell them apart by shape. */
function classifyNonChange(
  payload: ExactJsonObject,
  schema: ExactJsonObject | undefined,
  topic: string | undefined,
): { reason: SkipReason; detail: string } | undefined {
  const name = schemaName(schema);
  const status = payload['status'];
  if ((status === 'BEGIN' || status === 'END') && Object.hasOwn(payload, 'id')) {
    const id = payload['id'];
    const idText =
      typeof id === 'string' || typeof id === 'number' || typeof id === 'bigint' ? String(id) : '?';
    return { reason: 'transaction-metadata', detail: `transaction ${idText} ${status}` };
  }
  if (
    Object.hasOwn(payload, 'ddl') ||
    Object.hasOwn(payload, 'tableChanges') ||
    name?.endsWith('.SchemaChangeValue') === true
  ) {
    return { reason: 'schema-change', detail: 'schema change event' };
  }
  const keys = Object.keys(payload);
  if (
    name === 'io.debezium.connector.common.Heartbeat' ||
    topic?.startsWith('__debezium-heartbeat') === true ||
    (keys.length === 1 && keys[0] === 'ts_ms')
  ) {
    return { reason: 'heartbeat', detail: 'heartbeat' };
  }
  return undefined;
}

/** A string quoted, anything else by its kind (JSON.stringify would throw on a bigint). */
function show(raw: ExactJson | undefined): string {
  return typeof raw === 'string' ? JSON.stringify(raw) : kindOf(raw);
}

function kindOf(raw: ExactJson | undefined): string {
  if (raw === undefined) return 'missing';
  if (raw === null) return 'null';
  if (raw instanceof JsonNumberText || typeof raw === 'number' || typeof raw === 'bigint') return 'a number';
  if (isExactJsonArray(raw)) return 'an array';
  return typeof raw === 'object' ? 'an object' : `a ${typeof raw}`;
}

function envelopeError(message: string, hint?: string): DbtwinError {
  return new DbtwinError(ErrorCode.EnvelopeInvalid, message, hint === undefined ? {} : { hint });
}

function where(kafka: KafkaCoordinates | undefined): string {
  return kafka ? `topic ${kafka.topic} partition ${kafka.partition} offset ${kafka.offset}` : 'message';
}
