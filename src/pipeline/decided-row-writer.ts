import type { DbtwinConfig, SideConfig } from '../config/dbtwin-config.js';
import type { EngineName, SourcePosition } from '../core/change-event.js';
import type { Row } from '../core/values.js';
import type { EchoStore } from '../echo/echo-store.js';
import type { FlipVerdict } from '../echo/ping-pong-breaker.js';
import { builtInRuleSet } from '../rules/rule-set.js';
import type { FinalChange } from './change-collapser.js';
import type { TableRoute } from './table-router.js';
import {
  TargetApplier,
  type ApplyGuard,
  type ApplyOutcome,
  type ConflictRules,
  type TargetResources,
  type WriteIntent,
} from './target-applier.js';

/**
 * Writes rows whose outcome was decided outside the links (an operator's `dbtwin conflicts resolve`,
 * `dbtwin verify --repair`) to one side, exactly as a link writes it: values mapped by the link's route,
 * encoded and bound by that side's codec, written by the link's TargetApplier (idempotent statements,
 * one transaction per call, nothing written for a row the side already holds), and the fingerprint of
 * each write recorded for echo suppression before the transaction commits, as the apply stage does
 * (design §3.2), so the reverse link drops the capture of these writes as an echo.
 *
 * Invariants: a change without a before-image applies as it is (the outcome is decided; the rules are
 * never consulted). A change with one (`ifUnchanged`) is written only over exactly that row: if the
 * side's row moved since it was read, the write is skipped and the outcome lists it as an `ignored`
 * conflict. The ping-pong breaker is not consulted (a decision is not a flip to hold back). A side
 * with capture-level exclusion gets no fingerprints (its capture never brings the write back).
 */
export class DecidedRowWriter {
  private readonly applier: TargetApplier;
  private readonly guard: ApplyGuard;

  /**
   * @param side the side written (its name and engine name the fingerprints)
   * @param resources that side's pool and dialect pieces
   * @param linkName the link whose direction this is (`<incomingSide>-><side>`), for messages
   * @param incomingSide the side the decided rows come from
   * @param ifUnchanged changes carry the row they expect the side to hold (their before-image, every
   *   column) and are written only over it; default false
   */
  constructor(
    config: DbtwinConfig,
    side: SideConfig,
    resources: TargetResources,
    linkName: string,
    incomingSide: string,
    echoes: EchoStore,
    ifUnchanged = false,
  ) {
    this.applier = new TargetApplier(
      resources,
      linkName,
      side,
      ifUnchanged ? onlyOverTheRowRead(config, incomingSide) : sameRulesEverywhere(config, incomingSide),
    );
    this.guard = echoGuard(echoes, side);
  }

  /**
   * Writes the changes (keys and rows in the route's source columns) in one target transaction.
   * `applied` counts rows written, `noOps` rows the side already held; `rejected` names each change
   * that cannot be written as it is (a value that does not fit, a constraint) with its error.
   */
  write(route: TableRoute, changes: readonly FinalChange<null>[]): Promise<ApplyOutcome<null>> {
    return this.applier.apply(route, changes, this.guard);
  }
}

/**
 * The final change writing `row` (or deleting `key` when `row` is null). Key, row and `before` are in
 * the route's source columns. Without `before` it applies as it is; with it (null: no row expected),
 * a writer made `ifUnchanged` writes it only over that row.
 */
export function decidedChange(
  key: Row,
  row: Row | null,
  position: SourcePosition,
  before?: Row | null,
): FinalChange<null> {
  const history = {
    before,
    touched: new Set(Object.keys(row ?? key)),
    commitMs: Date.now(),
    position,
  };
  return row === null
    ? { ...history, op: 'delete', key, message: null, messages: [], superseded: 0 }
    : { ...history, op: 'upsert', key, row, message: null, messages: [], superseded: 0 };
}

/**
 * The position of a change no log produced (a tool read the row from the database): every field
 * empty or zero, so nothing mistakes it for a place in a side's log.
 */
export function noLogPosition(engine: EngineName): SourcePosition {
  switch (engine) {
    case 'mysql':
      return { engine, connector: 'mysql', file: '', pos: 0, row: 0 };
    case 'postgres':
      return { engine, lsn: '0' };
    case 'oracle':
      return { engine, scn: '0' };
  }
}

/** The rules for a decided change: never consulted (no before-image), but the applier needs some. */
function sameRulesEverywhere(config: DbtwinConfig, incomingSide: string): ConflictRules {
  const builtIn = builtInRuleSet(Object.keys(config.sides));
  return {
    incomingSide,
    forTable: () => builtIn.defaults,
    ruleSet: () => builtIn,
    runFunction: (strategy) => Promise.resolve({ manual: `function ${strategy.module}: not run here` }),
  };
}

/**
 * Compare-and-set rules: every column is compared with the before-image, and a row that moved is kept
 * as it is (`ignore`), so a decision taken on a row read earlier never overwrites a newer change.
 */
function onlyOverTheRowRead(config: DbtwinConfig, incomingSide: string): ConflictRules {
  const builtIn = builtInRuleSet(Object.keys(config.sides));
  const rules = {
    ...builtIn.defaults,
    detect: 'all-columns' as const,
    policy: { kind: 'ignore' as const },
    file: '(written only over the row read)',
  };
  const set = { ...builtIn, defaults: rules };
  return {
    incomingSide,
    forTable: () => rules,
    ruleSet: () => set,
    runFunction: (strategy) => Promise.resolve({ manual: `function ${strategy.module}: not run here` }),
  };
}

/**
 * Echo suppression of the writes made here, as the apply stage records it (design §3.2): the
 * fingerprint of each write, before its transaction commits, unless the side excludes dbtwin's writes
 * at capture (then no echo comes back to consume it). Every write goes ahead.
 */
function echoGuard(echoes: EchoStore, side: SideConfig): ApplyGuard {
  return {
    async beforeWrite<M>(_route: TableRoute, writes: readonly WriteIntent<M>[]): Promise<FlipVerdict[]> {
      if (side.capture.mode === 'none') await echoes.record(writes.map((w) => w.fingerprint));
      return writes.map(() => 'apply');
    },
    async afterRollback<M>(writes: readonly WriteIntent<M>[]): Promise<void> {
      await echoes.release(writes.map((w) => w.fingerprint));
    },
    // Asked only under `lww` by commit time, which decided changes' rules never are.
    versionsOf: (rowKeys) => Promise.resolve(rowKeys.map(() => undefined)),
  };
}
