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
  /** By side name. */
  readonly sides: Readonly<Record<string, SideConfig>>;
  readonly links: readonly LinkConfig[];
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
}

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
}

/** The Debezium topic of a table of a side: `<topicPrefix>.<schema>.<table>`. */
export function topicOf(side: SideConfig, table: string): string {
  return `${side.topicPrefix}.${side.schema}.${table}`;
}
