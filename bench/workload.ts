import { createHash } from 'node:crypto';
import { Partitioners } from 'kafkajs';
import { PARTITIONS, SENTINEL_BASE, SOURCE_DB, TOPIC_PREFIX } from './bench-options.js';
// The seeded PRNG the end-to-end workload uses too, so both can be repeated from a seed.
import { prng } from '../test/support/types-table.js';

/**
 * The benchmark's workload: a deterministic stream of row changes over a key space, and the rows
 * themselves as a pure function of (id, version), so the stream is held compactly (id, op, version per
 * event) and any row, before-image or expected final state can be rebuilt exactly at any time.
 *
 * The messages are what the Debezium 3.2 MariaDB connector of the local stack writes for a table of
 * this shape (checked against a real capture of `mariadb.dbtwin.*`: JsonConverter with schemas, the
 * `source` block of `io.debezium.connector.mariadb.Source`, `transaction` metadata on, `include.query`
 * on, a tombstone after each delete, headers `__debezium.context.*` and `dbtwin-origin: mariadb`).
 */

export const OP_INSERT = 0;
export const OP_UPDATE = 1;
export const OP_DELETE = 2;

/** One table row of the bench table, as values. */
export interface BenchRow {
  readonly id: number;
  readonly accountNo: string;
  readonly name: string;
  readonly email: string | null;
  readonly status: string;
  /** DECIMAL(14,2) as its unscaled integer (cents). */
  readonly balanceCents: number;
  readonly score: number;
  readonly version: number;
  readonly note: string | null;
  /** DATETIME(6) as epoch microseconds (Debezium MicroTimestamp: the wall time read as UTC). */
  readonly updatedAtMicros: number;
}

/** Column order of the table (= schema order in the events). */
export const COLUMNS = [
  'id',
  'account_no',
  'name',
  'email',
  'status',
  'balance',
  'score',
  'version',
  'note',
  'updated_at',
] as const;

// ------------------------------------------------------------------------------------------------
// Deterministic values

/** 32-bit mix of two integers (murmur3 finaliser over a simple combine). */
export function mix(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x7f4a7c15, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const FIRST = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken', 'Radia', 'Linus'];
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Allen', 'Thompson', 'Perlman'];
const STATUS = ['active', 'pending', 'suspended', 'closed'];
const WORDS =
  'ledger balance transfer settlement invoice account branch clearing audit reconcile posting journal ' +
  'currency statement deposit withdrawal interest overdraft credit debit fee charge refund adjustment';
/** 8 KiB of word text; notes are slices of it. */
const NOTE_TEXT = (() => {
  const words = WORDS.split(' ');
  const next = prng(7);
  let out = '';
  while (out.length < 8192) out += `${words[Math.floor(next() * words.length)]} `;
  return out;
})();
/** 2024-01-01T00:00:00Z in epoch microseconds. */
const BASE_MICROS = 1_704_067_200_000_000;
const YEAR_MICROS = 31_536_000_000_000;

/** The row of key `id` at `version` (versions start at 1 and grow with every write of the key). */
export function rowOf(id: number, version: number): BenchRow {
  const h1 = mix(id, version);
  const h2 = mix(h1, 0x1234567);
  const h3 = mix(h2, id);
  const first = FIRST[id % FIRST.length]!;
  const last = LAST[Math.floor(id / FIRST.length) % LAST.length]!;
  const noteLength = 260 + (h3 % 90);
  const noteStart = h2 % (NOTE_TEXT.length - noteLength);
  return {
    id,
    accountNo: `ACC${String(id).padStart(12, '0')}`,
    name: `${first} ${last} ${id % 997}`,
    email: h1 % 16 === 0 ? null : `${first.toLowerCase()}.${last.toLowerCase()}.${id}@example.com`,
    status: STATUS[h2 % STATUS.length]!,
    balanceCents: (h1 % 20_000_000) - 5_000_000,
    score: (h3 % 1_000_000) / 64,
    version,
    note: h3 % 32 === 0 ? null : NOTE_TEXT.slice(noteStart, noteStart + noteLength).trim(),
    updatedAtMicros: BASE_MICROS + ((h2 * 4096 + (h1 % 4096)) % YEAR_MICROS),
  };
}

/** DECIMAL unscaled value as Connect's Decimal in JSON: big-endian two's complement, fewest bytes, base64. */
export function decimalBase64(unscaled: number): string {
  let length = 1;
  while (unscaled < -(2 ** (8 * length - 1)) || unscaled >= 2 ** (8 * length - 1)) length++;
  const buf = Buffer.alloc(length);
  buf.writeIntBE(unscaled, 0, length);
  return buf.toString('base64');
}

/** DECIMAL(_,2) text as the databases print it: `-12.34`, `0.05`, `120.00`. */
export function decimalText(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** DATETIME(6) text `YYYY-MM-DD HH:MM:SS.ffffff` of epoch micros (UTC). */
export function datetimeText(micros: number): string {
  const seconds = Math.floor(micros / 1_000_000);
  const iso = new Date(seconds * 1000).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${String(micros - seconds * 1_000_000).padStart(6, '0')}`;
}

/** The canonical text of a row for checksums: the same text is built from what a target returns. */
export function canonicalLine(r: {
  id: string;
  accountNo: string;
  name: string;
  email: string | null;
  status: string;
  balance: string;
  score: number;
  version: string;
  note: string | null;
  updatedAt: string;
}): string {
  return [
    r.id,
    r.accountNo,
    r.name,
    r.email ?? '\\N',
    r.status,
    r.balance,
    String(r.score),
    r.version,
    r.note ?? '\\N',
    r.updatedAt,
  ].join('\t');
}

export function canonicalLineOf(row: BenchRow): string {
  return canonicalLine({
    id: String(row.id),
    accountNo: row.accountNo,
    name: row.name,
    email: row.email,
    status: row.status,
    balance: decimalText(row.balanceCents),
    score: row.score,
    version: String(row.version),
    note: row.note,
    updatedAt: datetimeText(row.updatedAtMicros),
  });
}

// ------------------------------------------------------------------------------------------------
// The change stream

export interface WorkloadOptions {
  readonly events: number;
  readonly keys: number;
  readonly seed: number;
  readonly skew: number;
}

/** The generated stream, compact: event i changes key ids[i] with ops[i] to versions[i]. */
export interface Workload {
  readonly count: number;
  readonly ids: Int32Array;
  readonly ops: Uint8Array;
  /** Version after the change (insert/update) or of the deleted row (delete). */
  readonly versions: Int32Array;
  /** Version before the change (update), 0 otherwise. */
  readonly previous: Int32Array;
  /** Final version of each key 1..keys; 0 = absent. Sentinels are not included. */
  readonly finalVersion: Int32Array;
  readonly mix: { readonly inserts: number; readonly updates: number; readonly deletes: number };
  /** Share of updates+deletes that hit the hottest 1% of the live keys at the time. */
  readonly hotShare: number;
}

/**
 * 70% updates, 20% inserts, 10% deletes. Inserts take a key never used before while any is left
 * (then a deleted key again: a re-insert); updates and deletes pick a live key with a power-law
 * skew (live key number ⌊n·u^skew⌋: with skew 3 the hottest 1% of live keys take about a fifth of
 * the updates). When no key is live, an insert is forced; when no key is free, an update is made.
 */
export function generateWorkload(options: WorkloadOptions): Workload {
  const { events, keys, skew } = options;
  const random = prng(options.seed);
  const ids = new Int32Array(events);
  const ops = new Uint8Array(events);
  const versions = new Int32Array(events);
  const previous = new Int32Array(events);
  const version = new Int32Array(keys + 1);
  const alive: number[] = [];
  const position = new Int32Array(keys + 1).fill(-1);
  const dead: number[] = [];
  let nextNew = 1;
  let inserts = 0;
  let updates = 0;
  let deletes = 0;
  let hot = 0;
  for (let i = 0; i < events; i++) {
    const r = random();
    const canInsert = nextNew <= keys || dead.length > 0;
    let op: number;
    if (alive.length === 0) op = OP_INSERT;
    else if (r < 0.2 && canInsert) op = OP_INSERT;
    else if (r >= 0.2 && r < 0.3) op = OP_DELETE;
    else op = OP_UPDATE;
    let id: number;
    if (op === OP_INSERT) {
      if (nextNew <= keys) id = nextNew++;
      else {
        const k = Math.floor(random() * dead.length);
        id = dead[k]!;
        dead[k] = dead[dead.length - 1]!;
        dead.pop();
      }
      position[id] = alive.length;
      alive.push(id);
      version[id] = version[id]! + 1;
      inserts++;
    } else {
      const at = Math.floor(alive.length * random() ** skew);
      if (at < Math.max(1, alive.length / 100)) hot++;
      id = alive[at]!;
      if (op === OP_UPDATE) {
        previous[i] = version[id]!;
        version[id] = version[id]! + 1;
        updates++;
      } else {
        const last = alive[alive.length - 1]!;
        alive[at] = last;
        position[last] = at;
        alive.pop();
        position[id] = -1;
        dead.push(id);
        deletes++;
      }
    }
    ids[i] = id;
    ops[i] = op;
    versions[i] = version[id]!;
  }
  const finalVersion = new Int32Array(keys + 1);
  for (const id of alive) finalVersion[id] = version[id]!;
  return {
    count: events,
    ids,
    ops,
    versions,
    previous,
    finalVersion,
    mix: { inserts, updates, deletes },
    hotShare: hot / Math.max(1, updates + deletes),
  };
}

/** The expected final table: live keys plus the sentinels, as sorted canonical lines, and its checksum. */
export function expectedState(
  workload: Workload,
  sentinelIds: readonly number[],
): {
  rows: number;
  checksum: string;
} {
  const hash = createHash('sha256');
  let rows = 0;
  for (let id = 1; id < workload.finalVersion.length; id++) {
    const v = workload.finalVersion[id]!;
    if (v === 0) continue;
    hash.update(`${canonicalLineOf(rowOf(id, v))}\n`);
    rows++;
  }
  for (const id of [...sentinelIds].sort((a, b) => a - b)) {
    hash.update(`${canonicalLineOf(rowOf(id, 1))}\n`);
    rows++;
  }
  return { rows, checksum: hash.digest('hex') };
}

// ------------------------------------------------------------------------------------------------
// Debezium messages

/** Names of one captured table: topic, schema names, table name in `source`. */
export interface CapturedTable {
  readonly table: string;
  readonly topic: string;
  readonly keyText: (id: number) => string;
  readonly envelopeSchema: string;
}

const ROW_FIELDS =
  '{"type":"int64","optional":false,"field":"id"},' +
  '{"type":"string","optional":false,"field":"account_no"},' +
  '{"type":"string","optional":false,"field":"name"},' +
  '{"type":"string","optional":true,"field":"email"},' +
  '{"type":"string","optional":false,"field":"status"},' +
  '{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2","connect.decimal.precision":"14"},"field":"balance"},' +
  '{"type":"double","optional":false,"field":"score"},' +
  '{"type":"int64","optional":false,"field":"version"},' +
  '{"type":"string","optional":true,"field":"note"},' +
  '{"type":"int64","optional":false,"name":"io.debezium.time.MicroTimestamp","version":1,"field":"updated_at"}';

const SOURCE_SCHEMA =
  '{"type":"struct","fields":[{"type":"string","optional":false,"field":"version"},{"type":"string","optional":false,"field":"connector"},{"type":"string","optional":false,"field":"name"},{"type":"int64","optional":false,"field":"ts_ms"},{"type":"string","optional":true,"name":"io.debezium.data.Enum","version":1,"parameters":{"allowed":"true,first,first_in_data_collection,last_in_data_collection,last,false,incremental"},"default":"false","field":"snapshot"},{"type":"string","optional":false,"field":"db"},{"type":"string","optional":true,"field":"sequence"},{"type":"int64","optional":true,"field":"ts_us"},{"type":"int64","optional":true,"field":"ts_ns"},{"type":"string","optional":true,"field":"table"},{"type":"int64","optional":false,"field":"server_id"},{"type":"string","optional":true,"field":"gtid"},{"type":"string","optional":false,"field":"file"},{"type":"int64","optional":false,"field":"pos"},{"type":"int32","optional":false,"field":"row"},{"type":"int64","optional":true,"field":"thread"},{"type":"string","optional":true,"field":"query"}],"optional":false,"name":"io.debezium.connector.mariadb.Source","version":1,"field":"source"}';

const TRANSACTION_SCHEMA =
  '{"type":"struct","fields":[{"type":"string","optional":false,"field":"id"},{"type":"int64","optional":false,"field":"total_order"},{"type":"int64","optional":false,"field":"data_collection_order"}],"optional":true,"name":"event.block","version":1,"field":"transaction"}';

export function capturedTable(table: string): CapturedTable {
  const base = `${TOPIC_PREFIX}.${SOURCE_DB}.${table}`;
  const value = (field: string): string =>
    `{"type":"struct","fields":[${ROW_FIELDS}],"optional":true,"name":"${base}.Value","field":"${field}"}`;
  const envelopeSchema =
    `{"type":"struct","fields":[${value('before')},${value('after')},${SOURCE_SCHEMA},${TRANSACTION_SCHEMA},` +
    '{"type":"string","optional":false,"field":"op"},{"type":"int64","optional":true,"field":"ts_ms"},' +
    '{"type":"int64","optional":true,"field":"ts_us"},{"type":"int64","optional":true,"field":"ts_ns"}],' +
    `"optional":false,"name":"${base}.Envelope","version":2}`;
  const keySchema = `{"type":"struct","fields":[{"type":"int64","optional":false,"field":"id"}],"optional":false,"name":"${base}.Key"}`;
  return {
    table,
    topic: base,
    keyText: (id) => `{"schema":${keySchema},"payload":{"id":${id}}}`,
    envelopeSchema,
  };
}

/** The `after`/`before` payload of a row. */
export function rowJson(row: BenchRow): string {
  return JSON.stringify({
    id: row.id,
    account_no: row.accountNo,
    name: row.name,
    email: row.email,
    status: row.status,
    balance: decimalBase64(row.balanceCents),
    score: row.score,
    version: row.version,
    note: row.note,
    updated_at: row.updatedAtMicros,
  });
}

/** Where a change sits in the simulated binlog and transaction. */
export interface SourcePosition {
  readonly gtidSeq: number;
  readonly pos: number;
  /** 1-based order within its transaction. */
  readonly order: number;
  /** Source commit time (MariaDB binlog timestamps have second precision, as Debezium reports them). */
  readonly commitMs: number;
  /** Debezium processing time, for the envelope's ts_ms/ts_us/ts_ns. */
  readonly nowMicros: number;
}

const HEADERS = {
  '__debezium.context.connectorLogicalName': TOPIC_PREFIX,
  '__debezium.context.taskId': '0',
  '__debezium.context.connectorName': TOPIC_PREFIX,
  'dbtwin-origin': 'mariadb',
};

export function debeziumHeaders(): Record<string, string> {
  return { ...HEADERS };
}

/** The value of a change message (JSON with schema), exactly as the MariaDB connector writes it. */
export function changeValue(
  t: CapturedTable,
  op: 'c' | 'u' | 'd',
  before: BenchRow | null,
  after: BenchRow | null,
  at: SourcePosition,
): string {
  const id = (after ?? before)!.id;
  const query =
    op === 'c'
      ? `INSERT INTO ${t.table} VALUES (${id}, ...)`
      : op === 'u'
        ? `UPDATE ${t.table} SET balance = ?, version = version + 1 WHERE id = ${id}`
        : `DELETE FROM ${t.table} WHERE id = ${id}`;
  const gtid = `0-1-${at.gtidSeq}`;
  const source =
    `{"version":"3.2.0.Final","connector":"mariadb","name":"${TOPIC_PREFIX}","ts_ms":${at.commitMs},"snapshot":null,` +
    `"db":"${SOURCE_DB}","sequence":null,"ts_us":${at.commitMs * 1000},"ts_ns":${at.commitMs}000000,` +
    `"table":"${t.table}","server_id":1,"gtid":"${gtid}","file":"mariadb-bin.000001","pos":${at.pos},"row":0,` +
    `"thread":null,"query":${JSON.stringify(query)}}`;
  const nowMs = Math.floor(at.nowMicros / 1000);
  const payload =
    `{"before":${before ? rowJson(before) : 'null'},"after":${after ? rowJson(after) : 'null'},"source":${source},` +
    `"transaction":{"id":"${gtid}","total_order":${at.order},"data_collection_order":${at.order}},` +
    `"op":"${op}","ts_ms":${nowMs},"ts_us":${at.nowMicros},"ts_ns":${at.nowMicros}${String(at.order % 1000).padStart(3, '0')}}`;
  return `{"schema":${t.envelopeSchema},"payload":${payload}}`;
}

// ------------------------------------------------------------------------------------------------
// Partitioning

const partitioner = Partitioners.DefaultPartitioner();
const METADATA = Array.from({ length: PARTITIONS }, (_, partitionId) => ({
  partitionId,
  leader: 0,
  replicas: [0],
  isr: [0],
  partitionErrorCode: 0,
  offlineReplicas: [],
}));

/** The partition the Java producer (murmur2 of the serialized key) picks for a key text. */
export function partitionOfKey(topic: string, keyText: string): number {
  return partitioner({
    topic,
    partitionMetadata: METADATA,
    message: { key: Buffer.from(keyText), value: null },
  });
}

/** One sentinel id per partition, from SENTINEL_BASE up, each hashing to its partition. */
export function sentinelIds(t: CapturedTable): number[] {
  const out: (number | undefined)[] = new Array<number | undefined>(PARTITIONS).fill(undefined);
  for (let id = SENTINEL_BASE; out.includes(undefined); id++) {
    const p = partitionOfKey(t.topic, t.keyText(id));
    if (out[p] === undefined) out[p] = id;
  }
  return out as number[];
}
