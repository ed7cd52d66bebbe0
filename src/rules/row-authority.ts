import type { RowDiff } from '../cutover/chunk-diff.js';
import type { PairSideId, SideRow, TablePair } from '../cutover/table-pair.js';
import { firstInOrder } from './policies/side-order.js';
import { compareValues } from './policies/value-order.js';
import { rulesFor, type RuleSet, type TableRules } from './rule-set.js';

/*
 * Which side's whole row is right when the two sides of a row differ, by the table's conflict rules:
 * what the convergence check settles with, and `dbtwin verify --repair --authority rules`.
 */

/** The rules of the pair's table, looked up as the links look them up (source name, then target name). */
export function tableRulesOf(set: RuleSet, pair: TablePair): TableRules {
  return set.tables.get(pair.a.info.name) ?? rulesFor(set, pair.b.info.name);
}

/**
 * The side whose whole row wins, by the table's rules: `lww` by a column compares that column (a
 * missing row wins, as a delete does on the links; equal values go to the side order); everything
 * else goes to the side order (`priority`, `merge` and its fallbacks, `lww` by commit time, whose
 * current rows carry no commit time here).
 */
export function rowAuthority(pair: TablePair, rules: TableRules, diff: RowDiff<SideRow>): PairSideId {
  const byOrder = (): PairSideId =>
    firstInOrder(rules.order, pair.a.config.name, pair.b.config.name) === pair.a.config.name ? 'a' : 'b';
  const policy = rules.policy;
  const lww = policy.kind === 'lww' ? policy : policy.kind === 'merge' ? policy.lww : undefined;
  if (!lww || !('column' in lww.by)) return byOrder();
  if (diff.kind === 'only-a') return 'b';
  if (diff.kind === 'only-b') return 'a';
  const name = lww.by.column.toLowerCase();
  const at = pair.a.columns.findIndex((c) => c.name.toLowerCase() === name);
  if (at < 0) return byOrder();
  const order = compareValues(diff.a.decoded[at] ?? null, diff.b.decoded[at] ?? null);
  if (order === 1) return 'a';
  if (order === -1) return 'b';
  return byOrder();
}

export function authorityRule(rules: TableRules): string {
  const p = rules.policy;
  const lww = p.kind === 'lww' ? p : p.kind === 'merge' ? p.lww : undefined;
  const how = lww && 'column' in lww.by ? `lww by ${lww.by.column}` : `side order ${rules.order.join(' > ')}`;
  return `${rules.file}: ${how}`;
}
