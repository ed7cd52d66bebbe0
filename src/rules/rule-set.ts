/**
 * Conflict rules as the pipeline uses them (design §4), after loading and validation of the rule
 * files under `rules/` (`rule-file-loader.ts`). Every default is filled in here, so the resolver never
 * guesses.
 */

/** The conflict types, after GoldenGate. */
export type ConflictType =
  'insert-exists' | 'update-differs' | 'update-missing' | 'delete-differs' | 'delete-missing';

/** Which columns detection compares between the target's current row and the incoming before-image. */
export type DetectMode =
  /** Only the columns the incoming change touched (before ≠ after); changes to different columns merge cleanly. Default. */
  | 'changed-columns'
  /** Every column of the row. */
  | 'all-columns';

/** How `lww` tells the newer change. */
export type LwwBy =
  /** A column of the row (a timestamp or a version number); the larger value wins. */
  | { readonly column: string }
  /** The source commit time of each change (Debezium `source.ts_ms`). */
  | { readonly commitTime: true };

/** What a table (or one column) does on conflict. */
export type Policy =
  /** The newer change wins; ties go to the side first in `order`. */
  | { readonly kind: 'lww'; readonly by: LwwBy; readonly maxClockSkewMs: number }
  /** The side first in `order` wins. */
  | { readonly kind: 'priority' }
  /** Per column strategies (`columns`); columns without one follow `fallback`. */
  | {
      readonly kind: 'merge';
      readonly fallback: 'lww' | 'priority';
      /** How the `lww` fallback tells the newer change; set exactly when `fallback` is `lww`. */
      readonly lww?: { readonly by: LwwBy; readonly maxClockSkewMs: number };
    }
  /** Keep the target as it is and record the conflict. */
  | { readonly kind: 'ignore' }
  /** Hold the change for an operator (`dbtwin conflicts resolve`). */
  | { readonly kind: 'manual' };

/** A per-column merge strategy (design §4 `merge`). */
export type ColumnStrategy =
  /** Counters: current + after − before. */
  | { readonly kind: 'delta' }
  | { readonly kind: 'max' }
  | { readonly kind: 'min' }
  /** Set-valued strings (`a,b,c`): the union of current and incoming, sorted. */
  | { readonly kind: 'union'; readonly separator: string }
  /** The value of this side wins. */
  | { readonly kind: 'prefer'; readonly side: string }
  | { readonly kind: 'keep-target' }
  | { readonly kind: 'take-incoming' }
  /**
   * A merge function kept as a module under `rules/` (default export `(input) => value`). If it
   * throws, runs past `timeoutMs` or returns a value of the wrong kind, the conflict goes to `manual`
   * with the reason; the link never stops for it. `module` is relative to the rules folder, in `/`
   * form and normalised (`functions/checksum.mjs`); the loader has checked that it lies inside it.
   */
  | { readonly kind: 'function'; readonly module: string; readonly timeoutMs: number };

/** The rules of one table (or of every table without its own: the default). */
export interface TableRules {
  /** Tables these rules apply to, by name as in the configuration's side tables; empty for the default. */
  readonly tables: readonly string[];
  readonly detect: DetectMode;
  readonly policy: Policy;
  /** Side order: the first side wins `priority` and breaks `lww` ties. Default: the sides in configuration order. */
  readonly order: readonly string[];
  /** Per-column strategies, by column name (compared case-insensitively). */
  readonly columns: Readonly<Record<string, ColumnStrategy>>;
  /** Where these rules came from, for messages and the ledger: `rules/inventory.yaml`. */
  readonly file: string;
}

/** Every rule in force, and its identity. */
export interface RuleSet {
  /**
   * SHA-256 of the rule files and the merge-function modules they name (names relative to the rules
   * folder and bytes, sorted by name); equal sets run the same rules.
   */
  readonly hash: string;
  readonly defaults: TableRules;
  /** By table name. */
  readonly tables: ReadonlyMap<string, TableRules>;
}

/** The rules of a table: its own, or the defaults. */
export function rulesFor(set: RuleSet, table: string): TableRules {
  return set.tables.get(table) ?? set.defaults;
}

/**
 * The rules when no rule files are loaded: every conflict resolved by `priority` in `order` (the
 * configuration's side order), column by column. Deterministic on both links, so the sides converge.
 */
export function builtInRuleSet(order: readonly string[]): RuleSet {
  const defaults: TableRules = {
    tables: [],
    detect: 'changed-columns',
    policy: { kind: 'priority' },
    order,
    columns: {},
    file: '(built-in rules)',
  };
  return { hash: 'built-in', defaults, tables: new Map() };
}

/**
 * Whether a table keeps counters (`merge` with a `delta` column): its rows cannot be settled by
 * taking one side's whole row, which would drop the other side's increments.
 */
export function keepsCounters(rules: TableRules): boolean {
  return rules.policy.kind === 'merge' && Object.values(rules.columns).some((s) => s.kind === 'delta');
}

/** Whether these rules may need the source commit times of rows (`lww` by commit time, or `merge` falling back to it). */
export function usesCommitTime(rules: TableRules): boolean {
  const p = rules.policy;
  const lww = p.kind === 'lww' ? p : p.kind === 'merge' ? p.lww : undefined;
  return lww !== undefined && !('column' in lww.by);
}
