/**
 * Builders for Kafka messages shaped as Debezium 3.2 connectors write them through the JSON converter
 * (MySQL, MariaDB, PostgreSQL with pgoutput, Oracle with LogMiner), with or without schemas.
 *
 * Values are given as they appear in the payload (base64 decimals, epoch micros, ISO strings…); the
 * encoders below produce them. `jsonText` writes bigints and {@link RawNumber}s digit for digit, so a
 * fixture can carry numbers that `JSON.stringify` cannot.
 */

/** A JSON number written exactly as given (e.g. `18446744073709551615`, `1.0E20`). */
export class RawNumber {
  readonly text: string;

  constructor(text: string) {
    this.text = text;
  }
}

/** Anything a fixture payload may hold. */
export type FixtureJson =
  | null
  | boolean
  | number
  | bigint
  | string
  | RawNumber
  | readonly FixtureJson[]
  | { readonly [key: string]: FixtureJson };

/** A payload object. */
export type FixtureObject = { readonly [key: string]: FixtureJson };

/** One field of a Kafka Connect struct schema, as the JSON converter writes it. */
export interface SchemaField {
  readonly type: string;
  readonly optional: boolean;
  readonly field: string;
  readonly name?: string;
  readonly version?: number;
  readonly parameters?: Readonly<Record<string, string>>;
  readonly default?: FixtureJson;
  readonly fields?: readonly SchemaField[];
}

/** Serialises fixture JSON exactly: bigints and raw numbers keep every digit. */
export function jsonText(value: FixtureJson | undefined): string {
  if (value === undefined || value === null) return 'null';
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof RawNumber) return value.text;
  if (typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${(value as readonly FixtureJson[]).map((v) => jsonText(v)).join(',')}]`;
  const entries = Object.entries(value as FixtureObject)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${JSON.stringify(k)}:${jsonText(v)}`);
  return `{${entries.join(',')}}`;
}

// ---------------------------------------------------------------------------------------------
// Value encoders (what Debezium puts in the payload)

/** Big-endian two's complement in the fewest bytes, as Java's `BigInteger.toByteArray()`, in base64. */
export function decimalBase64(unscaled: bigint): string {
  return Buffer.from(twosComplementBytes(unscaled)).toString('base64');
}

/** The bytes of {@link decimalBase64}. */
export function twosComplementBytes(n: bigint): Uint8Array {
  let length = 1;
  while (n < -(1n << BigInt(8 * length - 1)) || n >= 1n << BigInt(8 * length - 1)) length += 1;
  const modulus = 1n << BigInt(8 * length);
  const hex = ((n + modulus) % modulus).toString(16).padStart(2 * length, '0');
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

/** Bytes as standard base64 (the JSON converter's encoding of Connect `bytes`). */
export function base64(bytes: readonly number[] | Uint8Array): string {
  return Buffer.from(Uint8Array.from(bytes)).toString('base64');
}

/** A VariableScaleDecimal struct payload. */
export function variableScaleDecimal(unscaled: bigint, scale: number): FixtureObject {
  return { scale, value: decimalBase64(unscaled) };
}

// ---------------------------------------------------------------------------------------------
// Schema builders

// `type` may be overridden, e.g. a Decimal declared as string under decimal.handling.mode=string.
type FieldOptions = Partial<Omit<SchemaField, 'field'>>;

/** A plain field; optional unless said otherwise; `options.type` wins over `type`. */
export function col(field: string, type: string, options: FieldOptions = {}): SchemaField {
  return { type, optional: options.optional ?? true, ...options, field };
}

/** Debezium's logical types as column schemas, as the connectors declare them. */
export const cols = {
  int16: (field: string, o: FieldOptions = {}): SchemaField => col(field, 'int16', o),
  int32: (field: string, o: FieldOptions = {}): SchemaField => col(field, 'int32', o),
  int64: (field: string, o: FieldOptions = {}): SchemaField => col(field, 'int64', o),
  // The names JsonConverter writes for FLOAT32/FLOAT64.
  float32: (field: string, o: FieldOptions = {}): SchemaField => col(field, 'float', o),
  float64: (field: string, o: FieldOptions = {}): SchemaField => col(field, 'double', o),
  boolean: (field: string, o: FieldOptions = {}): SchemaField => col(field, 'boolean', o),
  string: (field: string, o: FieldOptions = {}): SchemaField => col(field, 'string', o),
  bytes: (field: string, o: FieldOptions = {}): SchemaField => col(field, 'bytes', o),
  decimal: (field: string, precision: number, scale: number, o: FieldOptions = {}): SchemaField =>
    col(field, 'bytes', {
      name: 'org.apache.kafka.connect.data.Decimal',
      version: 1,
      parameters: { scale: String(scale), 'connect.decimal.precision': String(precision) },
      ...o,
    }),
  variableScaleDecimal: (field: string, o: FieldOptions = {}): SchemaField =>
    col(field, 'struct', {
      name: 'io.debezium.data.VariableScaleDecimal',
      version: 1,
      fields: [
        { type: 'int32', optional: false, field: 'scale' },
        { type: 'bytes', optional: false, field: 'value' },
      ],
      ...o,
    }),
  date: (field: string, o: FieldOptions = {}): SchemaField =>
    col(field, 'int32', { name: 'io.debezium.time.Date', version: 1, ...o }),
  time: (field: string, o: FieldOptions = {}): SchemaField =>
    col(field, 'int32', { name: 'io.debezium.time.Time', version: 1, ...o }),
  microTime: (field: string, o: FieldOptions = {}): SchemaField =>
    col(field, 'int64', { name: 'io.debezium.time.MicroTime', version: 1, ...o }),
  nanoTime: (field: string, o: FieldOptions = {}): SchemaField =>
    col(field, 'int64', { name: 'io.debezium.time.NanoTime', version: 1, ...o }),
  timestamp: (field: string, o: FieldOptions = {}): SchemaField =>
    col(field, 'int64', { name: 'io.debezium.time.Timestamp', version: 1, ...o }),
  microTimestamp: (field: string, o: FieldOptions = {}): SchemaField =>
    col(field, 'int64', { name: 'io.debezium.time.MicroTimestamp', version: 1, ...o }),
  nanoTimestamp: (field: string, o: FieldOptions = {}): SchemaField =>
    col(field, 'int64', { name: 'io.debezium.time.NanoTimestamp', version: 1, ...o }),
  zonedTimestamp: (field: string, o: FieldOptions = {}): SchemaField =>
    col(field, 'string', { name: 'io.debezium.time.ZonedTimestamp', version: 1, ...o }),
  zonedTime: (field: string, o: FieldOptions = {}): SchemaField =>
    col(field, 'string', { name: 'io.debezium.time.ZonedTime', version: 1, ...o }),
  connectDate: (field: string, o: FieldOptions = {}): SchemaField =>
    col(field, 'int32', { name: 'org.apache.kafka.connect.data.Date', version: 1, ...o }),
  connectTime: (field: string, o: FieldOptions = {}): SchemaField =>
    col(field, 'int32', { name: 'org.apache.kafka.connect.data.Time', version: 1, ...o }),
  connectTimestamp: (field: string, o: FieldOptions = {}): SchemaField =>
    col(field, 'int64', { name: 'org.apache.kafka.connect.data.Timestamp', version: 1, ...o }),
  year: (field: string, o: FieldOptions = {}): SchemaField =>
    col(field, 'int32', { name: 'io.debezium.time.Year', version: 1, ...o }),
  bits: (field: string, length: number, o: FieldOptions = {}): SchemaField =>
    col(field, 'bytes', {
      name: 'io.debezium.data.Bits',
      version: 1,
      parameters: { length: String(length) },
      ...o,
    }),
  enum: (field: string, allowed: string, o: FieldOptions = {}): SchemaField =>
    col(field, 'string', { name: 'io.debezium.data.Enum', version: 1, parameters: { allowed }, ...o }),
  enumSet: (field: string, allowed: string, o: FieldOptions = {}): SchemaField =>
    col(field, 'string', { name: 'io.debezium.data.EnumSet', version: 1, parameters: { allowed }, ...o }),
  json: (field: string, o: FieldOptions = {}): SchemaField =>
    col(field, 'string', { name: 'io.debezium.data.Json', version: 1, ...o }),
  uuid: (field: string, o: FieldOptions = {}): SchemaField =>
    col(field, 'string', { name: 'io.debezium.data.Uuid', version: 1, ...o }),
  xml: (field: string, o: FieldOptions = {}): SchemaField =>
    col(field, 'string', { name: 'io.debezium.data.Xml', version: 1, ...o }),
  microDuration: (field: string, o: FieldOptions = {}): SchemaField =>
    col(field, 'int64', { name: 'io.debezium.time.MicroDuration', version: 1, ...o }),
  interval: (field: string, o: FieldOptions = {}): SchemaField =>
    col(field, 'string', { name: 'io.debezium.time.Interval', version: 1, ...o }),
};

// ---------------------------------------------------------------------------------------------
// Tables and source blocks

/** Connectors dbtwin reads, by their `source.connector` value. */
export type ConnectorName = 'mysql' | 'mariadb' | 'postgresql' | 'oracle';

/** A captured table: where it lives, its columns (schema order) and its key columns. */
export interface TableFixture {
  readonly connector: ConnectorName;
  /** `topic.prefix` of the connector. */
  readonly prefix: string;
  /** Database (MySQL/MariaDB `db`, PostgreSQL database, Oracle PDB). */
  readonly db: string;
  /** PostgreSQL/Oracle schema; absent for MySQL/MariaDB. */
  readonly schema?: string;
  readonly table: string;
  readonly columns: readonly SchemaField[];
  readonly keyColumns: readonly string[];
}

/** The Kafka topic Debezium writes the table's changes to. */
export function topicOf(t: TableFixture): string {
  return `${t.prefix}.${t.schema ?? t.db}.${t.table}`;
}

/** `schema.table` (MySQL: `db.table`), as dbtwin names the table. */
export function tableNameOf(t: TableFixture): string {
  return `${t.schema ?? t.db}.${t.table}`;
}

const SNAPSHOT_ENUM: SchemaField = {
  type: 'string',
  optional: true,
  name: 'io.debezium.data.Enum',
  version: 1,
  parameters: {
    allowed: 'true,first,first_in_data_collection,last_in_data_collection,last,false,incremental',
  },
  default: 'false',
  field: 'snapshot',
};

function commonSourceFields(): SchemaField[] {
  return [
    { type: 'string', optional: false, field: 'version' },
    { type: 'string', optional: false, field: 'connector' },
    { type: 'string', optional: false, field: 'name' },
    { type: 'int64', optional: false, field: 'ts_ms' },
    SNAPSHOT_ENUM,
    { type: 'string', optional: false, field: 'db' },
    { type: 'string', optional: true, field: 'sequence' },
    { type: 'int64', optional: true, field: 'ts_us' },
    { type: 'int64', optional: true, field: 'ts_ns' },
  ];
}

/** The `source` struct schema a connector declares. */
export function sourceSchema(connector: ConnectorName): SchemaField {
  const fields = commonSourceFields();
  switch (connector) {
    case 'mysql':
    case 'mariadb':
      fields.push(
        { type: 'string', optional: true, field: 'table' },
        { type: 'int64', optional: false, field: 'server_id' },
        { type: 'string', optional: true, field: 'gtid' },
        { type: 'string', optional: false, field: 'file' },
        { type: 'int64', optional: false, field: 'pos' },
        { type: 'int32', optional: false, field: 'row' },
        { type: 'int64', optional: true, field: 'thread' },
        { type: 'string', optional: true, field: 'query' },
      );
      break;
    case 'postgresql':
      fields.push(
        { type: 'string', optional: false, field: 'schema' },
        { type: 'string', optional: false, field: 'table' },
        { type: 'int64', optional: true, field: 'txId' },
        { type: 'int64', optional: true, field: 'lsn' },
        { type: 'int64', optional: true, field: 'xmin' },
      );
      break;
    case 'oracle':
      fields.push(
        { type: 'string', optional: false, field: 'schema' },
        { type: 'string', optional: false, field: 'table' },
        { type: 'string', optional: true, field: 'txId' },
        { type: 'string', optional: true, field: 'scn' },
        { type: 'string', optional: true, field: 'commit_scn' },
        { type: 'string', optional: true, field: 'lcr_position' },
        { type: 'string', optional: true, field: 'rs_id' },
        { type: 'int64', optional: true, field: 'ssn' },
        { type: 'int32', optional: true, field: 'redo_thread' },
        { type: 'string', optional: true, field: 'user_name' },
        { type: 'string', optional: true, field: 'redo_sql' },
        { type: 'string', optional: true, field: 'row_id' },
      );
      break;
  }
  return {
    type: 'struct',
    fields,
    optional: false,
    name:
      connector === 'postgresql'
        ? 'io.debezium.connector.postgresql.Source'
        : `io.debezium.connector.${connector}.Source`,
    field: 'source',
  };
}

/** Overrides for a source block; any field may be replaced or added. */
export type SourceOverrides = Record<string, FixtureJson>;

const VERSION = '3.2.0.Final';
const DEFAULT_TS_MS = 1_710_074_096_123;

/** A `source` block with every field the connector writes, in its order. */
export function sourceBlock(t: TableFixture, overrides: SourceOverrides = {}): FixtureObject {
  const tsMs = typeof overrides['ts_ms'] === 'number' ? overrides['ts_ms'] : DEFAULT_TS_MS;
  const common: Record<string, FixtureJson> = {
    version: VERSION,
    connector: t.connector,
    name: t.prefix,
    ts_ms: tsMs,
    snapshot: 'false',
    db: t.db,
    sequence: null,
    ts_us: BigInt(tsMs) * 1000n,
    ts_ns: BigInt(tsMs) * 1_000_000n,
  };
  let specific: Record<string, FixtureJson>;
  switch (t.connector) {
    case 'mysql':
      specific = {
        table: t.table,
        server_id: 223344,
        gtid: '3e11fa47-71ca-11e1-9e33-c80aa9429562:23',
        file: 'mysql-bin.000003',
        pos: 154,
        row: 0,
        thread: 7,
        query: null,
      };
      break;
    case 'mariadb':
      specific = {
        table: t.table,
        server_id: 1,
        gtid: '0-1-5',
        file: 'mariadb-bin.000002',
        pos: 1089,
        row: 0,
        thread: 12,
        query: null,
      };
      break;
    case 'postgresql':
      common['sequence'] = '["24023119","24023128"]';
      specific = { schema: t.schema ?? 'public', table: t.table, txId: 555, lsn: 24023128, xmin: null };
      break;
    case 'oracle':
      specific = {
        schema: t.schema ?? 'DEBEZIUM',
        table: t.table,
        txId: '0a001b00e5030000',
        scn: '2868546',
        commit_scn: '2868547',
        lcr_position: null,
        rs_id: ' 0x00000a.0000085f.0010 ',
        ssn: 0,
        redo_thread: 1,
        user_name: 'APP_USER',
        redo_sql: null,
        row_id: 'AAASvgAAMAAAAJVAAA',
      };
      break;
  }
  return { ...common, ...specific, ...overrides };
}

// ---------------------------------------------------------------------------------------------
// Messages

/** The `transaction` block of an envelope (transaction metadata on). */
export type TransactionBlock = {
  readonly id: string;
  readonly total_order: number;
  readonly data_collection_order: number;
};

/** What a change message carries. */
export interface ChangeMessage {
  readonly op: 'r' | 'c' | 'u' | 'd' | 't' | 'm';
  readonly before?: FixtureObject | null;
  readonly after?: FixtureObject | null;
  readonly source?: SourceOverrides;
  readonly transaction?: TransactionBlock | null;
  /** Envelope `ts_ms` (Debezium processing time). */
  readonly tsMs?: number;
  /** Write `{schema, payload}` (JsonConverter `schemas.enable=true`). Default true. */
  readonly schemas?: boolean;
}

/** Schema name Debezium gives the table's rows. */
function rowSchemaName(t: TableFixture, suffix: 'Value' | 'Key' | 'Envelope'): string {
  return `${t.prefix}.${t.schema ?? t.db}.${t.table}.${suffix}`;
}

/** The envelope schema of a table's change messages. */
export function envelopeSchema(t: TableFixture): FixtureObject {
  const row = (field: string): FixtureObject => ({
    type: 'struct',
    fields: t.columns as unknown as FixtureJson,
    optional: true,
    name: rowSchemaName(t, 'Value'),
    field,
  });
  return {
    type: 'struct',
    fields: [
      row('before'),
      row('after'),
      sourceSchema(t.connector) as unknown as FixtureObject,
      {
        type: 'struct',
        fields: [
          { type: 'string', optional: false, field: 'id' },
          { type: 'int64', optional: false, field: 'total_order' },
          { type: 'int64', optional: false, field: 'data_collection_order' },
        ],
        optional: true,
        name: 'event.block',
        version: 1,
        field: 'transaction',
      },
      { type: 'string', optional: false, field: 'op' },
      { type: 'int64', optional: true, field: 'ts_ms' },
      { type: 'int64', optional: true, field: 'ts_us' },
      { type: 'int64', optional: true, field: 'ts_ns' },
    ],
    optional: false,
    name: rowSchemaName(t, 'Envelope'),
  };
}

/** The value payload of a change message. */
export function changePayload(t: TableFixture, m: ChangeMessage): FixtureObject {
  const tsMs = m.tsMs ?? DEFAULT_TS_MS + 250;
  return {
    before: m.before ?? null,
    after: m.after ?? null,
    source: sourceBlock(t, m.source),
    transaction: m.transaction ?? null,
    op: m.op,
    ts_ms: tsMs,
    ts_us: BigInt(tsMs) * 1000n + 472n,
    ts_ns: BigInt(tsMs) * 1_000_000n + 472_987n,
  };
}

/** The JSON text of a change message value. */
export function changeValue(t: TableFixture, m: ChangeMessage): string {
  const payload = changePayload(t, m);
  return m.schemas === false ? jsonText(payload) : jsonText({ schema: envelopeSchema(t), payload });
}

/** The JSON text of a change message key holding the given key columns of `row`. */
export function changeKey(t: TableFixture, row: FixtureObject, schemas = true): string {
  const payload: Record<string, FixtureJson> = {};
  for (const k of t.keyColumns) payload[k] = row[k] ?? null;
  if (!schemas) return jsonText(payload);
  const fields = t.keyColumns.map((k) => {
    const f = t.columns.find((c) => c.field === k);
    if (!f) throw new Error(`fixture ${t.table} has no key column ${k}`);
    return { ...f, optional: false };
  });
  return jsonText({
    schema: {
      type: 'struct',
      fields: fields as unknown as FixtureJson,
      optional: false,
      name: rowSchemaName(t, 'Key'),
    },
    payload,
  });
}

/** A transaction metadata BEGIN or END value on `<prefix>.transaction`. */
export function transactionValue(
  status: 'BEGIN' | 'END',
  id: string,
  options: { schemas?: boolean; dataCollections?: Record<string, number>; tsMs?: number } = {},
): string {
  const collections = options.dataCollections ?? {};
  const payload: FixtureObject = {
    status,
    id,
    event_count: status === 'END' ? Object.values(collections).reduce((a, b) => a + b, 0) : null,
    data_collections:
      status === 'END'
        ? Object.entries(collections).map(([data_collection, event_count]) => ({
            data_collection,
            event_count,
          }))
        : null,
    ts_ms: options.tsMs ?? DEFAULT_TS_MS,
  };
  if (options.schemas === false) return jsonText(payload);
  const schema: FixtureObject = {
    type: 'struct',
    fields: [
      { type: 'string', optional: false, field: 'status' },
      { type: 'string', optional: false, field: 'id' },
      { type: 'int64', optional: true, field: 'event_count' },
      {
        type: 'array',
        items: {
          type: 'struct',
          fields: [
            { type: 'string', optional: false, field: 'data_collection' },
            { type: 'int64', optional: false, field: 'event_count' },
          ],
          optional: false,
        },
        optional: true,
        field: 'data_collections',
      },
      { type: 'int64', optional: false, field: 'ts_ms' },
    ],
    optional: false,
    name: 'io.debezium.connector.common.TransactionMetadataValue',
    version: 1,
  };
  return jsonText({ schema, payload });
}

/** The key of a transaction metadata message. */
export function transactionKey(id: string, schemas = true): string {
  const payload = { id };
  if (!schemas) return jsonText(payload);
  return jsonText({
    schema: {
      type: 'struct',
      fields: [{ type: 'string', optional: false, field: 'id' }],
      optional: false,
      name: 'io.debezium.connector.common.TransactionMetadataKey',
      version: 1,
    },
    payload,
  });
}

/** A heartbeat value on `__debezium-heartbeat.<prefix>`. */
export function heartbeatValue(tsMs = DEFAULT_TS_MS, schemas = true): string {
  const payload = { ts_ms: tsMs };
  if (!schemas) return jsonText(payload);
  return jsonText({
    schema: {
      type: 'struct',
      fields: [{ type: 'int64', optional: false, field: 'ts_ms' }],
      optional: false,
      name: 'io.debezium.connector.common.Heartbeat',
      version: 1,
    },
    payload,
  });
}

/** A MySQL/MariaDB schema change value on `<prefix>`. */
export function schemaChangeValue(t: TableFixture, ddl: string, schemas = true): string {
  const payload: FixtureObject = {
    source: sourceBlock(t),
    ts_ms: DEFAULT_TS_MS,
    databaseName: t.db,
    schemaName: null,
    ddl,
    tableChanges: [],
  };
  if (!schemas) return jsonText(payload);
  return jsonText({
    schema: {
      type: 'struct',
      fields: [
        sourceSchema(t.connector) as unknown as FixtureObject,
        { type: 'int64', optional: false, field: 'ts_ms' },
        { type: 'string', optional: true, field: 'databaseName' },
        { type: 'string', optional: true, field: 'schemaName' },
        { type: 'string', optional: true, field: 'ddl' },
        {
          type: 'array',
          items: { type: 'struct', fields: [], optional: false },
          optional: false,
          field: 'tableChanges',
        },
      ],
      optional: false,
      name: `io.debezium.connector.${t.connector}.SchemaChangeValue`,
      version: 1,
    },
    payload,
  });
}

// ---------------------------------------------------------------------------------------------
// Ready-made tables

/** MySQL `inventory.customers`, with the logical types MySQL columns map to by default. */
export const MYSQL_CUSTOMERS: TableFixture = {
  connector: 'mysql',
  prefix: 'mysql',
  db: 'inventory',
  table: 'customers',
  keyColumns: ['id'],
  columns: [
    cols.int32('id', { optional: false }),
    cols.string('first_name', { optional: false }),
    cols.string('email'),
    cols.decimal('balance', 12, 2),
    // BIGINT UNSIGNED under bigint.unsigned.handling.mode=precise
    cols.decimal('visits', 20, 0),
    cols.int64('big_counter'),
    cols.date('birth_date'),
    cols.microTime('daily_slot'),
    cols.microTimestamp('created_at'),
    cols.timestamp('updated_at'),
    cols.zonedTimestamp('seen_at'),
    cols.year('since'),
    cols.bits('flags', 10),
    cols.boolean('active'),
    cols.enum('status', 'new,active,closed'),
    cols.enumSet('tags', 'a,b,c'),
    cols.json('doc'),
    cols.bytes('avatar'),
  ],
};

/** The same table on a MariaDB connector. */
export const MARIADB_CUSTOMERS: TableFixture = {
  ...MYSQL_CUSTOMERS,
  connector: 'mariadb',
  prefix: 'mariadb',
};

/** PostgreSQL `public.accounts` (pgoutput). */
export const POSTGRES_ACCOUNTS: TableFixture = {
  connector: 'postgresql',
  prefix: 'pg',
  db: 'appdb',
  schema: 'public',
  table: 'accounts',
  keyColumns: ['id'],
  columns: [
    cols.int64('id', { optional: false }),
    cols.decimal('amount', 38, 10),
    cols.variableScaleDecimal('ratio'),
    cols.uuid('external_id'),
    cols.zonedTimestamp('created_at'),
    cols.microDuration('period'),
    cols.json('payload'),
    cols.bytes('blob'),
    cols.float64('score'),
  ],
};

/** Oracle `DEBEZIUM.CUSTOMERS` (LogMiner). */
export const ORACLE_CUSTOMERS: TableFixture = {
  connector: 'oracle',
  prefix: 'ora',
  db: 'ORCLPDB1',
  schema: 'DEBEZIUM',
  table: 'CUSTOMERS',
  keyColumns: ['ID'],
  columns: [
    cols.int32('ID', { optional: false }),
    cols.string('NAME'),
    cols.decimal('PRICE', 10, 2),
    cols.variableScaleDecimal('RATIO'),
    cols.timestamp('BORN'),
    cols.nanoTimestamp('PRECISE_AT'),
    cols.zonedTimestamp('TZ_AT'),
    cols.bytes('RAW_DATA'),
  ],
};
