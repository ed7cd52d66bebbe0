/**
 * The shapes of the cutover registry (design §7) that readers other than the registry itself use:
 * `dbtwin cutover status`, the admin dashboard and `/route`. The registry (`cutover-registry.ts`) is
 * the only writer; these types are the contract between them.
 */

/** One application instance and the side (a configured side name) it writes to now. */
export interface CutoverInstance {
  /** The application instance's name, as its sidecar is started with (`dbtwin run --instance`). */
  readonly instance: string;
  /** The side it writes to. */
  readonly side: string;
  /** When it started writing there (ISO 8601, UTC). */
  readonly since: string;
  /** How many moves (rollbacks included) it has made. */
  readonly moves: number;
}

/** One entry of the registry's history, oldest first. */
export interface CutoverMove {
  readonly instance: string;
  /** The side before; null when the instance was registered. */
  readonly from: string | null;
  readonly to: string;
  /** `refused`: a move, rollback or finalize its gates refused (`refused` says which); nothing moved. */
  readonly kind: 'register' | 'move' | 'rollback' | 'finalize' | 'refused';
  /** For a `refused` entry: what was refused. */
  readonly refused?: 'move' | 'rollback' | 'finalize';
  readonly at: string;
  /** Who asked (user@host of the CLI, or the process that registered the instance). */
  readonly by: string;
  /** Set when the operator skipped the gates with `--force`. */
  readonly forced?: boolean;
  /** The gates measured for the move (none for a registration or a forced move). */
  readonly gates?: readonly CutoverGateResult[];
  /** Why, as the operator said (`--reason`); for a `refused` entry, the refusal (code and reason). */
  readonly reason?: string;
}

/** One gate of a move, rollback or finalize, as measured just before it. */
export interface CutoverGateResult {
  /** `lag <from>-><to>`, `conflicts`, `verify`. */
  readonly name: string;
  /** What was measured (messages, conflicts per minute, divergent rows); null when it could not be. */
  readonly value: number | null;
  /** The most the gate allows: it holds when `value <= threshold`. */
  readonly threshold: number;
  readonly unit: string;
  readonly pass: boolean;
  /** Not measured because an earlier gate failed (the slow verification is skipped then). */
  readonly skipped?: boolean;
  /** Why it failed or what it covered, in words. */
  readonly detail?: string;
}

/** What `finalize` recorded: the deployment writes to one side only from then on. */
export interface CutoverFinal {
  readonly at: string;
  readonly side: string;
  readonly stoppedLinks: readonly string[];
  /** Who finalized. */
  readonly by?: string;
}

/** The whole cutover state of a deployment. */
export interface CutoverStatus {
  readonly instances: readonly CutoverInstance[];
  readonly history: readonly CutoverMove[];
  readonly finalized: CutoverFinal | null;
}

/** Reads the cutover state; implemented by the registry over Redis. */
export interface CutoverReader {
  status(): Promise<CutoverStatus>;
}
