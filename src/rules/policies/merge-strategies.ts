import type { DecimalValue, Value } from '../../core/values.js';
import { compactInteger, toDecimal } from '../../engines/numeric-text.js';
import type { ColumnStrategy } from '../rule-set.js';
import { compareValues } from './value-order.js';

/** One conflicting column, as a merge strategy sees it. */
export interface ColumnMergeInput {
  /** The incoming change's before-image value; undefined when the change has none (an insert). */
  readonly base: Value | undefined;
  readonly incoming: Value;
  readonly current: Value;
  readonly incomingSide: string;
  readonly targetSide: string;
}

/** The merged value, or why an operator must decide (the conflict goes to `manual`). */
export type ColumnMergeResult = { readonly value: Value } | { readonly manual: string };

/**
 * The built-in per-column merges of design §4. Each is deterministic and, except `keep-target` and
 * `take-incoming`, symmetric: the two links, each merging the other side's change into its own
 * current value, reach the same value (`dbtwin rules test` flags the cases where they do not).
 * `function` strategies are run by the resolver, not here.
 */
export function mergeColumn(strategy: ColumnStrategy, input: ColumnMergeInput): ColumnMergeResult {
  switch (strategy.kind) {
    case 'delta':
      return delta(input);
    case 'max':
    case 'min': {
      const order = compareValues(input.incoming, input.current);
      if (order === undefined)
        return {
          manual: `${strategy.kind}: cannot order ${describe(input.incoming)} and ${describe(input.current)}`,
        };
      const incomingWins = strategy.kind === 'max' ? order > 0 : order < 0;
      return { value: incomingWins ? input.incoming : input.current };
    }
    case 'union':
      return union(input, strategy.separator);
    case 'prefer':
      if (strategy.side === input.incomingSide) return { value: input.incoming };
      if (strategy.side === input.targetSide) return { value: input.current };
      return {
        manual: `prefer: ${strategy.side} is neither side of this link (${input.incomingSide} → ${input.targetSide})`,
      };
    case 'keep-target':
      return { value: input.current };
    case 'take-incoming':
      return { value: input.incoming };
    case 'function':
      return { manual: `function ${strategy.module}: run by the resolver` };
  }
}

/** Counters: current + (incoming − base). NULL counts as 0. */
function delta(input: ColumnMergeInput): ColumnMergeResult {
  if (input.base === undefined)
    return { manual: 'delta: the change has no before-image (an insert), so no increment to apply' };
  const parts = [input.current, input.incoming, input.base].map((v) => (v === null ? zero() : toDecimal(v)));
  if (parts.some((p) => p === undefined))
    return {
      manual: `delta: ${describe(input.current)}, ${describe(input.incoming)} or ${describe(input.base)} is not a number`,
    };
  const [current, incoming, base] = parts as [DecimalValue, DecimalValue, DecimalValue];
  const scale = Math.max(current.scale, incoming.scale, base.scale);
  const at = (d: DecimalValue): bigint => d.unscaled * 10n ** BigInt(scale - d.scale);
  const unscaled = at(current) + at(incoming) - at(base);
  // The kind of the current value, so the codec binds it as the column expects.
  if (
    scale === 0 &&
    (typeof input.current === 'number' || typeof input.current === 'bigint' || input.current === null)
  )
    return { value: typeof input.current === 'bigint' ? unscaled : compactInteger(unscaled) };
  return { value: { type: 'decimal', unscaled, scale } };
}

/** Set-valued text: every member of either side, sorted, without duplicates; NULL is the empty set. */
function union(input: ColumnMergeInput, separator: string): ColumnMergeResult {
  const members = (v: Value): string[] | undefined => {
    if (v === null) return [];
    if (typeof v !== 'string') return undefined;
    return v === '' ? [] : v.split(separator);
  };
  const a = members(input.current);
  const b = members(input.incoming);
  if (!a || !b)
    return { manual: `union: ${describe(input.current)} or ${describe(input.incoming)} is not text` };
  const all = [...new Set([...a, ...b])].sort();
  return {
    value: all.length === 0 && input.current === null && input.incoming === null ? null : all.join(separator),
  };
}

function zero(): DecimalValue {
  return { type: 'decimal', unscaled: 0n, scale: 0 };
}

function describe(v: Value | undefined): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'NULL';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v !== 'object' || v instanceof Uint8Array)
    return JSON.stringify(v instanceof Uint8Array ? '<bytes>' : v);
  return v.type;
}
