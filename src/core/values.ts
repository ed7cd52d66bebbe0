/**
 * dbtwin's engine-neutral column values.
 *
 * Invariants every producer (decoders, engine codecs) must keep:
 * - decimals never pass through a JS number: they are an unscaled bigint plus a scale;
 * - integers that may exceed 2^53 (BIGINT, BIGINT UNSIGNED, NUMBER(19+)) are `bigint`; smaller ones may be `number`;
 * - temporal values keep microseconds (nanoseconds where the source has them) as integers, never as Date;
 * - bytes are `Uint8Array` (a Node Buffer is one).
 *
 * Plain JS values are used where they are exact (null, boolean, number for int32/float/double, string);
 * everything else is a small tagged object so that no information is lost between engines.
 */
export type Value =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | DecimalValue
  | DateValue
  | TimeValue
  | TimestampValue
  | ZonedTimestampValue
  | IntervalValue
  | JsonValue
  | BitsValue;

/** An exact decimal: `unscaled × 10^-scale`. Scale may be negative only for Oracle NUMBER with negative scale. */
export interface DecimalValue {
  readonly type: 'decimal';
  readonly unscaled: bigint;
  readonly scale: number;
}

/** A calendar date without zone, as days since 1970-01-01 (negative before). */
export interface DateValue {
  readonly type: 'date';
  readonly days: number;
}

/**
 * A time of day or a duration-like MySQL TIME, in microseconds. MySQL TIME spans -838:59:59 to
 * 838:59:59, so `micros` may be negative or exceed one day.
 */
export interface TimeValue {
  readonly type: 'time';
  readonly micros: bigint;
}

/** A wall-clock timestamp without zone (DATETIME, TIMESTAMP WITHOUT TIME ZONE, Oracle DATE/TIMESTAMP). */
export interface TimestampValue {
  readonly type: 'timestamp';
  /** Microseconds since 1970-01-01T00:00:00 of the wall clock. */
  readonly micros: bigint;
  /** Extra nanoseconds below the microsecond (0–999); non-zero only for NanoTimestamp sources. */
  readonly nanos: number;
}

/** An instant (MySQL TIMESTAMP, timestamptz, TIMESTAMP WITH [LOCAL] TIME ZONE), normalised to UTC. */
export interface ZonedTimestampValue {
  readonly type: 'timestamptz';
  /** Microseconds since the Unix epoch, UTC. */
  readonly micros: bigint;
  /** Extra nanoseconds below the microsecond (0–999). */
  readonly nanos: number;
}

/** An interval (PostgreSQL interval, Oracle INTERVAL) as Debezium's MicroDuration or an ISO-8601 string. */
export interface IntervalValue {
  readonly type: 'interval';
  /** Total microseconds when the source gave a number; undefined when only `iso` is known. */
  readonly micros?: bigint;
  /** ISO-8601 duration text when the source gave one (Debezium `interval.handling.mode=string`). */
  readonly iso?: string;
}

/** A JSON document kept as text: re-serialising could reorder keys or change number spelling. */
export interface JsonValue {
  readonly type: 'json';
  readonly text: string;
}

/** A BIT(n) value with n > 1, as Debezium's `io.debezium.data.Bits` bytes (little-endian) and its length. */
export interface BitsValue {
  readonly type: 'bits';
  readonly bytes: Uint8Array;
  readonly length: number;
}

/** A row: column name (as captured) → value. Column order is the table's order when known. */
export type Row = Readonly<Record<string, Value>>;
