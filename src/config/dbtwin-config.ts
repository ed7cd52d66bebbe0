import type { EngineName } from '../core/change-event.js';
import type { ConnectionOptions } from '../engines/engine-driver.js';

/**
 * dbtwin's configuration after loading and validation (`dbtwin.yaml`, see `config-loader.ts`). Every
 * default is filled in here, so the pipeline never guesses.
 */
export interface DbtwinConfig {
  /** The file it came from (for messages). */
  readonly file: string;
  readonly kafka: {
    readonly brokers: readonly string[];
    /** Prefix of every consumer group dbtwin creates; default `dbtwin`. Group of a link: `<prefix>.<from>-to-<to>`. */
    readonly groupPrefix: string;
  };
  readonly redis: { readonly url: string };
  readonly admin: { readonly host: string; readonly port: number };
  /** Echo suppression in Redis (design §3.2). */
  readonly echo: {
    /**
     * How long a recorded fingerprint waits for its echo, in seconds; default 3600. Longer than the
     * worst capture lag you expect: an echo that arrives after its fingerprint expired is treated as
     * a native change (and then ends at the no-op check, design §3.4).
     */
    readonly ttlSeconds: number;
  };
  /** The ping-pong breaker (design §3.5). */
  readonly breaker: {
    /** A key whose applied changes switch direction more than this many times within the window is quarantined; default 20. 0 turns the breaker off. */
    readonly maxFlips: number;
    /** The window, in seconds; default 60. */
    readonly windowSeconds: number;
  };
  /** Conflict rules (design §4). */
  readonly rules: {
    /**
     * The rules folder (`rules/README.md`), resolved against the configuration file's folder; default
     * `rules`. When it does not exist, every conflict is resolved by `priority` in side order.
     */
    readonly dir: string;
    /**
     * The convergence check (`RowHealer`): rows a link met in a conflict, or found already holding a
     * change, are compared on both sides once quiet; a difference seen twice in a row, `quietMs`
     * apart, and once both sides' rows are the states the links last met, is settled by the table's
     * rules. Default on, `quietMs` 3000 (the links then note each row's state in Redis).
     */
    readonly heal: { readonly enabled: boolean; readonly quietMs: number };
  };
  /** Cutover per application instance (design §7, `dbtwin cutover`). */
  readonly cutover: CutoverConfig;
  /** By side name. */
  readonly sides: Readonly<Record<string, SideConfig>>;
  readonly links: readonly LinkConfig[];
}

/**
 * The cutover's defaults: where a new application instance starts and the gates a move must pass
 * (`dbtwin cutover move` overrides each threshold on its command line).
 */
export interface CutoverConfig {
  /**
   * The side an application instance writes to when its sidecar registers it for the first time;
   * default the `from` side of the first link (the database being migrated from), or the first side
   * when there are no links. After `finalize`, new instances register at the final side instead.
   */
  readonly initialSide: string;
  /** Most unconsumed messages a link's consumer group may have, in each direction, for a move; default 1000. */
  readonly maxLag: number;
  /** Most conflict-ledger entries per minute, over the window, for a move; default 10. */
  readonly maxConflictsPerMinute: number;
  /** The window the conflict rate is measured over, seconds; default 300. */
  readonly conflictWindowSeconds: number;
  /**
   * Tables the verification gate compares (by their name on either side of the link); default every
   * table of the link. Finalize's last verification always compares every table.
   */
  readonly verifyTables?: readonly string[];
}

/** One database with a name. */
export interface SideConfig {
  readonly name: string;
  readonly engine: EngineName;
  readonly connection: ConnectionOptions;
  /** The Debezium connector's `topic.prefix` for this side. */
  readonly topicPrefix: string;
  /** MySQL: the database; PostgreSQL/Oracle: the schema. The tables below live there. */
  readonly schema: string;
  /** Tables replicated from or to this side, by name in `schema`. */
  readonly tables: readonly string[];
  /** Capture-level exclusion of dbtwin's own writes on this side (design §3.3); default `{ mode: 'none' }`. */
  readonly capture: CaptureExclusion;
}

/**
 * How this side's Debezium connector is kept from capturing (or dbtwin from taking) the writes dbtwin
 * itself applies there. Optional: echo suppression in Redis works without it.
 * - `none`: nothing at capture level.
 * - `gtid-domain` (MariaDB): apply sessions run with `SET SESSION gtid_domain_id = domainId`; the
 *   connector excludes that domain with `gtid.source.excludes`, so dbtwin's writes never reach Kafka.
 * - `query-marker` (MySQL, MariaDB): every apply statement starts with the comment `/* <marker> *\/`;
 *   with `include.query` on (and `binlog_rows_query_log_events` / `binlog_annotate_row_events`), the
 *   event's `source.query` carries it and the reverse link drops the event.
 * - `username` (Oracle): the connector lists the apply user in `log.mining.username.exclude.list`;
 *   an event that still names that user in `source.user_name` is dropped by the reverse link.
 */
export type CaptureExclusion =
  | { readonly mode: 'none' }
  | { readonly mode: 'gtid-domain'; readonly domainId: number }
  | { readonly mode: 'query-marker'; readonly marker: string }
  | { readonly mode: 'username'; readonly user: string };

/** One direction between two sides. */
export interface LinkConfig {
  /** `<from>-><to>`. */
  readonly name: string;
  readonly from: string;
  readonly to: string;
  /** Source table → target table (names within each side's schema). Default: every table of `from` to the same name. */
  readonly tables: Readonly<Record<string, string>>;
  /** Most changes applied in one target transaction; default 2000. */
  readonly batchMaxRows: number;
  /** What a Debezium truncate (`op: t`) does on the target: `skip` (default) or `apply`. */
  readonly truncate: 'skip' | 'apply';
  /** Backoff while the target is unavailable: first wait and ceiling, in ms; defaults 500 and 30000. */
  readonly retry: { readonly initialMs: number; readonly maxMs: number };
  /** Partitions applied in parallel by one process; default 3. */
  readonly concurrency: number;
  /**
   * The mapping file this link routes by (`dbtwin schema translate` writes it; absolute path), when the
   * configuration names one. Used in either direction: as written for the link from its source side,
   * inverted for the link back.
   */
  readonly mapping?: string;
  /**
   * Column renames per source table (source column → target column), from `mapping`; columns not
   * listed match by name (exactly, then ignoring case). Default: none.
   */
  readonly columns: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** The Debezium topic of a table of a side: `<topicPrefix>.<schema>.<table>`. */
export function topicOf(side: SideConfig, table: string): string {
  return `${side.topicPrefix}.${side.schema}.${table}`;
}
