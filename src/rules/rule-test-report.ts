import type { JsonScalar } from '../core/value-json.js';
import { valueToJson } from '../core/value-json.js';
import type { Value } from '../core/values.js';
import type { ConflictRecord, Resolution, RowImage } from './conflict-resolver.js';
import type { RuleTestCase } from './rule-test-cases.js';
import type { DirectionOutcome, RuleTestOutcome } from './rule-test-runner.js';

/** The machine form of a `dbtwin rules test` run (`--json`). */
export interface RuleTestReportJson {
  /** True when no case diverges and every `expect` holds: the command exits 0. */
  readonly ok: boolean;
  readonly summary: {
    readonly cases: number;
    readonly converge: number;
    /** Held for an operator by both links. */
    readonly held: number;
    readonly diverge: number;
    readonly unexpected: number;
  };
  readonly cases: readonly {
    readonly number: number;
    readonly name: string | null;
    readonly table: string;
    readonly rules: string;
    readonly verdict: 'converges' | 'held' | 'diverges';
    /** Why it diverges: the columns that differ (`rows`), or one link holding the change (`manual`). */
    readonly divergence?:
      | { readonly reason: 'rows'; readonly columns: readonly string[] }
      | {
          readonly reason: 'manual';
          readonly heldOn: string;
        };
    readonly expect?: Record<string, JsonScalar> | null | 'manual';
    /** Sides that do not end as `expect` says. */
    readonly unexpected: readonly string[];
    readonly directions: readonly {
      readonly from: string;
      readonly to: string;
      readonly action: Resolution['action'];
      readonly conflict: ConflictRecord | null;
      readonly reason?: string;
      /** The row `to` ends with; null: no row. */
      readonly row: Record<string, JsonScalar> | null;
    }[];
  }[];
}

/**
 * The report of a run: text, per case one line per direction
 * (`A→B: <type> → <outcome> by <rule>: <row>`), then `converges`, `held for an operator on both
 * sides` or `DIVERGES: …` and any `UNEXPECTED: …`, then a summary line; or the JSON form
 * ({@link RuleTestReportJson}, pretty-printed). Rows show their columns in the case's order, text
 * quoted, numbers bare, `(no row)` for none.
 */
export function formatRuleTestReport(outcomes: readonly RuleTestOutcome[], format: 'text' | 'json'): string {
  if (format === 'json') return `${JSON.stringify(toJson(outcomes), null, 2)}\n`;
  const lines: string[] = [];
  for (const o of outcomes) {
    const c = o.testCase;
    lines.push(`${title(c)} (${c.table}: ${o.rulesFile})`);
    for (const d of o.directions) lines.push(`  ${direction(d, c)}`);
    lines.push(`  ${verdict(o)}`);
    lines.push(...unexpected(o).map((l) => `  ${l}`));
  }
  lines.push(summary(outcomes));
  return `${lines.join('\n')}\n`;
}

function title(c: RuleTestCase): string {
  return c.name === undefined ? `case ${c.number}` : `case ${c.number} "${c.name}"`;
}

function direction(d: DirectionOutcome, c: RuleTestCase): string {
  const r = d.resolution;
  const head = `${d.from}→${d.to}:`;
  const row = rowText(d.row, c);
  if (r.action === 'manual')
    return `${head} ${r.conflict.type} → manual by ${r.conflict.rule}: held for an operator (${r.reason}); ${d.to} keeps ${row}`;
  if (r.action === 'wait') return `${head} undecided → wait (${r.reason}): ${row}`;
  if (r.conflict) return `${head} ${r.conflict.type} → ${r.conflict.outcome} by ${r.conflict.rule}: ${row}`;
  const what = r.action === 'write' ? 'applied' : r.action === 'delete' ? 'deleted' : 'nothing to apply';
  return `${head} no conflict → ${what}: ${row}`;
}

function verdict(o: RuleTestOutcome): string {
  const v = o.verdict;
  const [ab, ba] = o.directions;
  const c = o.testCase;
  switch (v.kind) {
    case 'converges':
      return `converges${c.expect !== undefined && o.unexpected.length === 0 ? ', as expected' : ''}`;
    case 'held':
      return `held for an operator on both sides${c.expect === 'manual' ? ', as expected' : ''}`;
    case 'diverges':
      if (v.reason === 'manual') {
        const held = o.directions[v.heldBy];
        const other = o.directions[v.heldBy === 0 ? 1 : 0];
        return `DIVERGES: ${held.from}→${held.to} holds the change for an operator (manual), but ${other.from}→${other.to} resolves it: ${other.to} ends with ${rowText(other.row, c)} while ${held.to} waits`;
      }
      return `DIVERGES: ${ab.to} ends with ${rowText(ab.row, c)}, ${ba.to} with ${rowText(ba.row, c)}${v.columns.length > 0 ? ` (they differ on ${v.columns.join(', ')})` : ''}`;
  }
}

function unexpected(o: RuleTestOutcome): string[] {
  const c = o.testCase;
  if (o.unexpected.length === 0 || c.expect === undefined) return [];
  const expected = c.expect === 'manual' ? 'held for an operator (manual)' : rowText(c.expect, c);
  const end = (side: string): string => {
    const d = o.directions.find((x) => x.to === side)!;
    return d.resolution.action === 'manual' ? 'is held for an operator' : `ends with ${rowText(d.row, c)}`;
  };
  const [first, second] = o.unexpected;
  if (second !== undefined && end(first!) === end(second))
    return [
      `UNEXPECTED: both sides ${end(first!)
        .replace(/^is /, 'are ')
        .replace(/^ends /, 'end ')}, expected ${expected}`,
    ];
  return o.unexpected.map((side) => `UNEXPECTED: ${side} ${end(side)}, expected ${expected}`);
}

function summary(outcomes: readonly RuleTestOutcome[]): string {
  const count = (kind: RuleTestOutcome['verdict']['kind']): RuleTestOutcome[] =>
    outcomes.filter((o) => o.verdict.kind === kind);
  const names = (os: readonly RuleTestOutcome[]): string => os.map((o) => title(o.testCase)).join(', ');
  const diverging = count('diverges');
  const wrong = outcomes.filter((o) => o.unexpected.length > 0);
  const verb = (n: number, word: string): string => `${n} ${word}${n === 1 ? 's' : ''}`;
  const parts = [verb(count('converges').length, 'converge')];
  if (count('held').length > 0) parts.push(`${count('held').length} held for an operator on both sides`);
  if (diverging.length > 0)
    parts.push(`${verb(diverging.length, 'diverge').toUpperCase()} (${names(diverging)})`);
  if (wrong.length > 0) parts.push(`${wrong.length} UNEXPECTED (${names(wrong)})`);
  const ok = outcomes.every((o) => o.ok);
  return `${ok ? 'ok' : 'FAILED'}: ${outcomes.length} case${outcomes.length === 1 ? '' : 's'}, ${parts.join(', ')}`;
}

/** `{ sku: "A1", qty: 9 }`: the case's column order and spelling; text quoted, numbers bare. */
function rowText(row: RowImage | null, c: RuleTestCase): string {
  if (row === null) return '(no row)';
  const cells = c.columns.flatMap((name) => {
    const cell = row.get(name.toLowerCase());
    return cell ? [`${name}: ${valueText(cell.value)}`] : [];
  });
  return `{ ${cells.join(', ')} }`;
}

function valueText(value: Value): string {
  if (value === null) return 'null';
  if (typeof value === 'object' && !(value instanceof Uint8Array)) {
    // Numbers bare, a JSON document as its text; dates and times quoted like text.
    if (value.type === 'decimal') return String(valueToJson(value));
    if (value.type === 'json') return value.text;
  }
  const json = valueToJson(value);
  return typeof value === 'bigint' ? String(json) : JSON.stringify(json);
}

function rowJson(row: RowImage | null, c: RuleTestCase): Record<string, JsonScalar> | null {
  if (row === null) return null;
  const out: Record<string, JsonScalar> = {};
  for (const name of c.columns) {
    const cell = row.get(name.toLowerCase());
    if (cell) out[name] = valueToJson(cell.value);
  }
  return out;
}

function toJson(outcomes: readonly RuleTestOutcome[]): RuleTestReportJson {
  const count = (kind: RuleTestOutcome['verdict']['kind']): number =>
    outcomes.filter((o) => o.verdict.kind === kind).length;
  return {
    ok: outcomes.every((o) => o.ok),
    summary: {
      cases: outcomes.length,
      converge: count('converges'),
      held: count('held'),
      diverge: count('diverges'),
      unexpected: outcomes.filter((o) => o.unexpected.length > 0).length,
    },
    cases: outcomes.map((o) => {
      const c = o.testCase;
      const v = o.verdict;
      return {
        number: c.number,
        name: c.name ?? null,
        table: c.table,
        rules: o.rulesFile,
        verdict: v.kind,
        ...(v.kind === 'diverges'
          ? {
              divergence:
                v.reason === 'rows'
                  ? { reason: 'rows' as const, columns: v.columns }
                  : { reason: 'manual' as const, heldOn: o.directions[v.heldBy].to },
            }
          : {}),
        ...(c.expect !== undefined
          ? { expect: c.expect === 'manual' ? ('manual' as const) : rowJson(c.expect, c) }
          : {}),
        unexpected: o.unexpected,
        directions: o.directions.map((d) => ({
          from: d.from,
          to: d.to,
          action: d.resolution.action,
          conflict: d.resolution.conflict ?? null,
          ...(d.resolution.action === 'manual' || d.resolution.action === 'wait'
            ? { reason: d.resolution.reason }
            : {}),
          row: rowJson(d.row, c),
        })),
      };
    }),
  };
}
