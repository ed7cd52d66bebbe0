import type { Row } from './values.js';

/** Engines dbtwin speaks. MariaDB is the `mysql` engine (flavour told apart by the dialect). */
export type EngineName = 'mysql' | 'postgres' | 'oracle';

/**
 * Debezium's operation codes: `r` snapshot read, `c` create, `u` update, `d` delete, `t` truncate.
 * A primary-key change arrives as `d` + `c`.
 */
export type ChangeOp = 'r' | 'c' | 'u' | 'd' | 't';

/** Where in the source's log a change was captured, typed per engine so positions can be compared. */
export type SourcePosition = MysqlPosition | PostgresPosition | OraclePosition;

/** MySQL/MariaDB binlog coordinates. */
export interface MysqlPosition {
  readonly engine: 'mysql';
  /** `mysql` or `mariadb`, from the connector that captured it. */
  readonly connector: 'mysql' | 'mariadb';
  readonly file: string;
  readonly pos: number;
  /** Row number within the binlog event (several rows share one event). */
  readonly row: number;
  readonly serverId?: number;
  /** GTID of the transaction when GTIDs are on (MySQL `uuid:n`, MariaDB `domain-server-seq`). */
  readonly gtid?: string;
  /** The SQL text of the statement when `binlog_rows_query_log_events`/annotate is on. */
  readonly query?: string;
}

/** PostgreSQL WAL position. */
export interface PostgresPosition {
  readonly engine: 'postgres';
  /** The change's LSN as a decimal string (64-bit). */
  readonly lsn: string;
  readonly txId?: string;
}

/** Oracle redo position. */
export interface OraclePosition {
  readonly engine: 'oracle';
  /** SCN as a decimal string (may exceed 2^53). */
  readonly scn: string;
  readonly commitScn?: string;
  /** The database user that made the change, when LogMiner reports it. */
  readonly user?: string;
}

/** Kafka coordinates of the message an event came from. Offsets are strings, as kafkajs gives them. */
export interface KafkaCoordinates {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/**
 * One decoded row change.
 *
 * Invariants: `key` holds exactly the primary-key columns; `after` is present for `r`, `c`, `u`;
 * `before` is present for `d` and, with a FULL row image, for `u`.
 */
export interface ChangeEvent {
  readonly op: ChangeOp;
  /** Side that captured the change (the connector's `dbtwin-origin` header, else the link's source side). */
  readonly side: string;
  /** Source table as `schema.table` (MySQL: `database.table`). */
  readonly table: string;
  readonly key: Row;
  readonly before: Row | null;
  readonly after: Row | null;
  /** Source commit time in milliseconds since the epoch (`source.ts_ms`). */
  readonly sourceTsMs: number;
  /** Debezium processing time in milliseconds since the epoch (envelope `ts_ms`). */
  readonly captureTsMs: number;
  readonly position: SourcePosition;
  /** Transaction id when transaction metadata is on. */
  readonly txId?: string;
  /** Set when the event came from Kafka. */
  readonly kafka?: KafkaCoordinates;
  /** The `dbtwin-origin` header, if any. */
  readonly origin?: string;
  /** The `dbtwin-hop` header, if any (0 for a change made by an application). */
  readonly hop?: number;
}
