import type { EngineName } from '../core/change-event.js';
import { canonicalValue, type ColumnValue } from '../echo/row-fingerprint.js';
import {
  resolveConflict,
  type ConflictCase,
  type MergeFunctionRunner,
  type Resolution,
  type RowImage,
} from './conflict-resolver.js';
import { rulesFor, type RuleSet } from './rule-set.js';
import type { CaseChange, RuleTestCase } from './rule-test-cases.js';

/** One link's decision in a case: the change of `from` met `to`'s row. */
export interface DirectionOutcome {
  readonly from: string;
  readonly to: string;
  /** What the resolver decided, as the link would apply it. */
  readonly resolution: Resolution;
  /**
   * The row `to` ends with: the row written, its own row when nothing is written, null when it has
   * none. While a change is held for an operator (`manual`), the row it keeps meanwhile.
   */
  readonly row: RowImage | null;
}

/** Whether both sides end alike. */
export type Verdict =
  /** Both sides end with the same row (or both without one). */
  | { readonly kind: 'converges' }
  /** Both links hold the change for an operator: nothing diverges until someone decides. */
  | { readonly kind: 'held' }
  /** Both resolve, to different rows; `columns` are those that differ (empty when one side has no row). */
  | { readonly kind: 'diverges'; readonly reason: 'rows'; readonly columns: readonly string[] }
  /** One link holds the change for an operator (`heldBy`, a direction's index), the other resolves it. */
  | { readonly kind: 'diverges'; readonly reason: 'manual'; readonly heldBy: 0 | 1 };

/** The result of one case. */
export interface RuleTestOutcome {
  readonly testCase: RuleTestCase;
  /** The rule file of the case's table (`rules/default.yaml` for a table without its own). */
  readonly rulesFile: string;
  /** First side → second side (the second side's end state), then second → first. */
  readonly directions: readonly [DirectionOutcome, DirectionOutcome];
  readonly verdict: Verdict;
  /** Sides that do not end as the case's `expect` says; empty without `expect`. */
  readonly unexpected: readonly string[];
  /** Neither diverging nor unexpected. */
  readonly ok: boolean;
}

/**
 * Runs every case through the conflict rules in both directions (design §4): each side changed the
 * `base` row concurrently; link A→B applies A's change to B's row, link B→A applies B's change to
 * A's row, each by the rules of the case's table, exactly as the links resolve a conflict. A case
 * diverges when the sides end with different rows (values compared in each side's canonical form) or
 * when only one link holds its change for an operator.
 *
 * Each change's touched columns are those where its row differs from `base` (every column for an
 * insert or a delete). A case's `commitMs` gives both changes' commit times to the resolver (for `lww`
 * by commit time); without it the incoming commit time is 0 and the target row's is unknown.
 * Never throws for a case; custom merge functions run through `runFunction`.
 */
export async function runRuleTests(
  cases: readonly RuleTestCase[],
  ruleSet: RuleSet,
  runFunction: MergeFunctionRunner,
): Promise<RuleTestOutcome[]> {
  const out: RuleTestOutcome[] = [];
  for (const testCase of cases) {
    const rules = rulesFor(ruleSet, testCase.table);
    const [a, b] = testCase.changes;
    const run = async (from: CaseChange, to: CaseChange): Promise<DirectionOutcome> => {
      const conflict: ConflictCase = {
        op: from.row === null ? 'delete' : 'upsert',
        base: testCase.base,
        incoming: from.row,
        current: to.row,
        touched: touched(testCase.base, from),
        incomingSide: from.side,
        targetSide: to.side,
        engine: to.engine,
        incomingCommitMs: testCase.commitMs?.[from.side] ?? 0,
        ...(testCase.commitMs ? { currentCommitMs: testCase.commitMs[to.side]! } : {}),
      };
      const resolution = await resolveConflict(conflict, rules, runFunction);
      return { from: from.side, to: to.side, resolution, row: endRow(resolution, to.row) };
    };
    const directions = [await run(a, b), await run(b, a)] as const;
    // directions[0] ends on b, directions[1] on a.
    const verdict = verdictOf(directions, [b.engine, a.engine]);
    const unexpected = unexpectedSides(testCase.expect, directions, [b.engine, a.engine]);
    out.push({
      testCase,
      rulesFile: rules.file,
      directions,
      verdict,
      unexpected,
      ok: verdict.kind !== 'diverges' && unexpected.length === 0,
    });
  }
  return out;
}

/** Columns a change touched: where its row differs from `base`; all of them for an insert or a delete. */
function touched(base: RowImage | null, change: CaseChange): Set<string> {
  const row = change.row;
  if (base === null || row === null) return new Set((row ?? base)?.keys());
  return new Set([...row.keys()].filter((k) => !same(base.get(k), row.get(k), change.engine)));
}

function endRow(resolution: Resolution, current: RowImage | null): RowImage | null {
  switch (resolution.action) {
    case 'write':
      return new Map(resolution.row.map((v) => [v.column.name.toLowerCase(), v]));
    case 'delete':
      return null;
    default:
      // none, manual (held: the row stays meanwhile), and wait, which the runner never asks for.
      return current;
  }
}

function verdictOf(
  directions: readonly [DirectionOutcome, DirectionOutcome],
  engines: readonly [EngineName, EngineName],
): Verdict {
  const held = directions.map((d) => d.resolution.action === 'manual');
  if (held[0] && held[1]) return { kind: 'held' };
  if (held[0] || held[1]) return { kind: 'diverges', reason: 'manual', heldBy: held[0] ? 0 : 1 };
  const [x, y] = [directions[0].row, directions[1].row];
  if (x === null && y === null) return { kind: 'converges' };
  if (x === null || y === null) return { kind: 'diverges', reason: 'rows', columns: [] };
  const columns = differing(x, engines[0], y, engines[1]);
  return columns.length === 0 ? { kind: 'converges' } : { kind: 'diverges', reason: 'rows', columns };
}

/** The sides (targets of the directions) that do not end as `expect` says. */
function unexpectedSides(
  expect: RuleTestCase['expect'],
  directions: readonly [DirectionOutcome, DirectionOutcome],
  engines: readonly [EngineName, EngineName],
): string[] {
  if (expect === undefined) return [];
  return directions.flatMap((d, i) => {
    const held = d.resolution.action === 'manual';
    if (expect === 'manual') return held ? [] : [d.to];
    if (held) return [d.to];
    if (expect === null || d.row === null) return expect === d.row ? [] : [d.to];
    const engine = engines[i]!;
    return differing(expect, engine, d.row, engine).length === 0 ? [] : [d.to];
  });
}

/** Columns (display names) whose values differ, each compared in its own side's canonical form. */
function differing(x: RowImage, ex: EngineName, y: RowImage, ey: EngineName): string[] {
  const keys = [...new Set([...x.keys(), ...y.keys()])];
  return keys.flatMap((k) => {
    const a = x.get(k);
    const b = y.get(k);
    if (a && b && canonicalValue(a.value, a.column, ex) === canonicalValue(b.value, b.column, ey)) return [];
    return [(a ?? b)!.column.name];
  });
}

function same(a: ColumnValue | undefined, b: ColumnValue | undefined, engine: EngineName): boolean {
  if (!a || !b) return a === b;
  return canonicalValue(a.value, a.column, engine) === canonicalValue(b.value, b.column, engine);
}
