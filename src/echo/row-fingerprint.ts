import { createHash } from 'node:crypto';
import type { EngineName } from '../core/change-event.js';
import type { Value } from '../core/values.js';
import { valueToJson } from '../core/value-json.js';
import type { ColumnInfo } from '../engines/dialect.js';
import { canonicalJson, isBooleanColumn, isFixedChar } from '../translate/canonical-row.js';

/** A value with the catalog column of the side it is (or will be) stored on. */
export interface ColumnValue {
  readonly column: ColumnInfo;
  readonly value: Value;
}

/**
 * The identity of one row state on one side, as the echo store keeps it (design §3.2).
 * `rowKey` names the row (side, table, key); `state` names what the row holds (or that it is gone).
 */
export interface RowFingerprint {
  /** Hash of side, table and canonical key: the Redis key of the row's pending echoes. */
  readonly rowKey: string;
  /**
   * `<after>|<before>`: hashes of the canonical row written and of the row it replaced, on the mapped
   * columns ({@link DELETED_STATE} for no row; the before part empty when unknown).
   */
  readonly state: string;
}

/** The state of a deleted row. */
export const DELETED_STATE = '-';

/**
 * The canonical text of a value as stored in `column` of an `engine` side: the form in which that
 * side's Debezium reports the value once written, so the writer's fingerprint of what it wrote equals
 * the reverse link's fingerprint of the captured change (design §3.2).
 *
 * - Oracle stores `''` as NULL.
 * - Numbers compare by value whatever their kind (int, bigint, decimal at any scale, double):
 *   `1.50` written into NUMBER(10,4) comes back as `1.5000`.
 * - Booleans by the column: MySQL TINYINT(1)/BIT(1) `1` and PostgreSQL `true` are the same state.
 * - Timestamps with and without zone by their instant in UTC (sessions run in UTC), rounded to the
 *   column's fractional digits as the engines round on write.
 * - JSON by document (keys sorted, no white space) where the column is JSON; as text elsewhere.
 * - CHAR without trailing spaces (PAD SPACE; PostgreSQL reports the padding, MySQL strips it).
 */
export function canonicalValue(value: Value, column: ColumnInfo, engine: EngineName): string | null {
  if (value === null) return null;
  if (engine === 'oracle' && value === '') return null;
  if (isBooleanColumn(column)) {
    if (typeof value === 'boolean') return value ? 'b:1' : 'b:0';
    // Only 0 and 1 are truth values: a MySQL TINYINT(1) may hold 2, which is not the same state as 1.
    if (value === 0 || value === 1 || value === 0n || value === 1n) return `b:${String(value)}`;
    if (typeof value === 'string' && /^[01]$/.test(value)) return `b:${value}`;
  }
  if (typeof value === 'number') return `n:${numberText(value)}`;
  if (typeof value === 'bigint') return `n:${value.toString()}`;
  if (typeof value === 'boolean') return `n:${value ? 1 : 0}`;
  if (
    typeof value === 'string' ||
    (typeof value === 'object' && !(value instanceof Uint8Array) && value.type === 'json')
  ) {
    const text = typeof value === 'string' ? value : value.text;
    if (isJson(column)) return `j:${canonicalJson(text)}`;
    if (isFixedChar(column)) return `s:${text.replace(/ +$/, '')}`;
    return `s:${text}`;
  }
  if (value instanceof Uint8Array) return `x:${Buffer.from(value).toString('hex')}`;
  switch (value.type) {
    case 'decimal':
      return `n:${decimalText(value.unscaled, value.scale)}`;
    case 'timestamp':
    case 'timestamptz':
      return `ts:${roundedMicros(value.micros, value.nanos, column.fractionDigits)}`;
    case 'time':
      return `t:${roundedMicros(value.micros, 0, column.fractionDigits)}`;
    case 'date':
      return `d:${value.days}`;
    case 'bits': {
      // By number: MySQL reports BIT(12) in two bytes, PostgreSQL drops a zero high byte.
      let n = 0n;
      for (let i = value.bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(value.bytes[i]!);
      return `bits:${n.toString()}`;
    }
    default:
      return `o:${JSON.stringify(valueToJson(value))}`;
  }
}

/**
 * The fingerprint of a change to a row: `side` and `table` (`schema.table` in that side's catalog)
 * name the row with the key values; the state is `<after>|<before>`: the hash of the row written (the
 * mapped columns only, those both sides share; `-` for a deleted row) and the hash of the row it
 * replaced (`-` when there was none; empty when unknown: the side's change events carry no
 * before-image). The before-image tells an echo from a native change that happens to reach the same
 * state (a counter going back to an earlier value). Column names are compared case-insensitively,
 * so `ID` and `id` meet.
 */
export function rowFingerprint(
  side: string,
  engine: EngineName,
  table: string,
  key: readonly ColumnValue[],
  row: readonly ColumnValue[] | null,
  before?: readonly ColumnValue[] | null,
): RowFingerprint {
  const keyText = JSON.stringify(key.map((k) => canonicalValue(k.value, k.column, engine)));
  const rowKey = digest(`${side}\u0000${table.toLowerCase()}\u0000${keyText}`);
  const beforeHash = before === undefined ? '' : before === null ? DELETED_STATE : stateOf(engine, before);
  return { rowKey, state: `${row === null ? DELETED_STATE : stateOf(engine, row)}|${beforeHash}` };
}

/** The same fingerprint with the before-image it replaced (the writer learns it when it reads the row). */
export function withBefore(
  fingerprint: RowFingerprint,
  engine: EngineName,
  before: readonly ColumnValue[] | null,
): RowFingerprint {
  const after = fingerprint.state.slice(0, fingerprint.state.indexOf('|'));
  return {
    rowKey: fingerprint.rowKey,
    state: `${after}|${before === null ? DELETED_STATE : stateOf(engine, before)}`,
  };
}

/** The after part of a fingerprint's state: the hash of the row written (`-` when deleted). */
export function afterState(state: string): string {
  const bar = state.indexOf('|');
  return bar < 0 ? state : state.slice(0, bar);
}

/** The hash of a row as a fingerprint's after part names it ({@link DELETED_STATE} for no row). */
export function rowState(engine: EngineName, row: readonly ColumnValue[] | null): string {
  return row === null ? DELETED_STATE : stateOf(engine, row);
}

function stateOf(engine: EngineName, row: readonly ColumnValue[]): string {
  const entries = row
    .map((c) => [c.column.name.toLowerCase(), canonicalValue(c.value, c.column, engine)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return digest(JSON.stringify(entries));
}

/** True when two rows hold the same values on these columns, as the target would store them (no-op test). */
export function sameRow(
  engine: EngineName,
  incoming: readonly ColumnValue[],
  current: Readonly<Record<string, Value>>,
): boolean {
  return incoming.every(
    (c) =>
      c.column.name in current &&
      canonicalValue(c.value, c.column, engine) === canonicalValue(current[c.column.name]!, c.column, engine),
  );
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 22);
}

function isJson(column: ColumnInfo): boolean {
  return column.dataType === 'json' || column.dataType === 'jsonb';
}

/** A double's value as exact decimal text when it is an integer, else its shortest round-trip form. */
function numberText(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return BigInt(n).toString();
  if (Object.is(n, -0)) return '0';
  const text = String(n);
  // 1.5e-7 → decimal text, so that a DECIMAL holding the same value compares equal.
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!m) return text;
  const digits = `${m[2]}${m[3] ?? ''}`;
  const exponent = Number(m[4]) - (m[3]?.length ?? 0);
  return `${m[1]}${decimalText(BigInt(digits), -exponent)}`;
}

/** `unscaled × 10^-scale` without trailing fractional zeros: `150, 2` → `1.5`. */
function decimalText(unscaled: bigint, scale: number): string {
  if (scale <= 0) return (unscaled * 10n ** BigInt(-scale)).toString();
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const fraction = digits.slice(digits.length - scale).replace(/0+$/, '');
  const text = fraction === '' ? whole : `${whole}.${fraction}`;
  return negative && text !== '0' ? `-${text}` : text;
}

/** Microseconds (plus nanoseconds) rounded half up to `digits` fractional digits (default 6). */
function roundedMicros(micros: bigint, nanos: number, digits: number | undefined): string {
  if (digits === undefined || digits >= 6) {
    return nanos === 0 || digits === undefined || digits === 6
      ? micros.toString()
      : `${micros.toString()}.${String(nanos).padStart(3, '0')}`;
  }
  const unit = 10n ** BigInt(6 - Math.max(0, digits));
  const floor = micros >= 0n ? (micros / unit) * unit : -((-micros + unit - 1n) / unit) * unit;
  const rest = micros - floor;
  return (rest * 2n >= unit ? floor + unit : floor).toString();
}
