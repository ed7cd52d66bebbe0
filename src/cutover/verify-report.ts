import { valueToJson, type JsonRow } from '../core/value-json.js';
import type { Value } from '../core/values.js';
import type { RowDiff } from './chunk-diff.js';
import type { SideRow } from './table-pair.js';

/** `dbtwin verify`'s exit code when divergent rows remain (0: none; 1: the command failed). */
export const EXIT_DIVERGENT = 4;

/**
 * How a row diverges, seen from the authoritative side X (the side `--repair` copies from; default the
 * link's source side) and the other side Y:
 * - `missing-on-<Y>`: X holds the row, Y does not (repair inserts it on Y);
 * - `extra-on-<Y>`: Y holds a row X does not (repair deletes it on Y);
 * - `differs`: both hold it with different values in `columns` (repair writes X's row to Y).
 */
export type DivergenceKind = `missing-on-${string}` | `extra-on-${string}` | 'differs';

/** One divergent row in a report. */
export interface DivergentRow {
  /** The key by the link source side's column names; values as `dbtwin conflicts list --json` shows them. */
  readonly key: JsonRow;
  readonly kind: DivergenceKind;
  /** `differs`: the columns (source side's names) whose values differ. */
  readonly columns?: readonly string[];
  /** `differs`: each side's values of those columns, by side name. */
  readonly values?: Readonly<Record<string, JsonRow>>;
}

/** What one table came to. */
export interface TableReport {
  /** `schema.table` on the link's source side. */
  readonly table: string;
  /** `schema.table` on the link's target side. */
  readonly target: string;
  /** `ranges` (integer keys) or `key-lists` (other keys); see TableVerifier. */
  readonly mode: 'ranges' | 'key-lists';
  /** Distinct keys compared (rows of either side). */
  readonly rows: number;
  /** Rows still divergent after the re-checks (and after the repair, with `--repair`). */
  readonly divergent: readonly DivergentRow[];
  /** With `--repair`: the rows found divergent and written to the other side. */
  readonly repaired?: readonly DivergentRow[];
  /** With `--repair`: rows the other side refused, with the reason. */
  readonly repairFailures?: readonly { readonly key: JsonRow; readonly error: string }[];
}

/** The outcome of `dbtwin verify`. */
export interface VerifyReport {
  /** The link whose two sides were compared (`<from>-><to>`). */
  readonly link: string;
  /** Side A (the link's source) and side B (its target). */
  readonly sides: { readonly a: string; readonly b: string };
  /** The side whose rows are authoritative (kinds are named from it; `--repair` copies from it). */
  readonly authority: string;
  readonly tables: readonly TableReport[];
  /** Distinct keys compared, over all tables. */
  readonly rows: number;
  /** Divergent rows that remain, over all tables. */
  readonly divergent: number;
  /** With `--repair`: rows written to the non-authoritative side. */
  readonly repaired?: number;
  readonly elapsedMs: number;
}

/** What naming a diff needs of its table pair. */
export interface DiffNames {
  /** Key columns by the source side's names, in key order. */
  readonly keyNames: readonly string[];
  /** Compared columns by the source side's names, in the pair's order. */
  readonly columnNames: readonly string[];
  readonly a: string;
  readonly b: string;
  /** Which of the two sides is authoritative. */
  readonly authority: 'a' | 'b';
}

/** A diff as a report row: kind named from the authoritative side, key and values as JSON. */
export function divergentRow(diff: RowDiff<SideRow>, names: DiffNames): DivergentRow {
  const other = names.authority === 'a' ? names.b : names.a;
  const holder = diff.kind === 'only-b' ? diff.b : diff.a;
  const key = Object.fromEntries(
    names.keyNames.map((name, i) => [name, valueToJson(holder.keyValues[i] ?? null)]),
  );
  if (diff.kind === 'differs') {
    const columns = diff.columns.map((i) => names.columnNames[i] ?? `#${i}`);
    const valuesOf = (row: SideRow): JsonRow =>
      Object.fromEntries(diff.columns.map((i, n) => [columns[n]!, json(row.decoded[i])]));
    return {
      key,
      kind: 'differs',
      columns,
      values: { [names.a]: valuesOf(diff.a), [names.b]: valuesOf(diff.b) },
    };
  }
  const authorityHolds = (diff.kind === 'only-a') === (names.authority === 'a');
  return { key, kind: authorityHolds ? `missing-on-${other}` : `extra-on-${other}` };
}

/** The closing line: `verify: N tables, M rows, K divergent`. */
export function summaryLine(report: VerifyReport): string {
  const repaired = report.repaired === undefined ? '' : `, ${report.repaired} repaired`;
  return `verify: ${report.tables.length} tables, ${report.rows} rows, ${report.divergent} divergent${repaired}`;
}

/** The report as text: per table a heading and one line per divergent (and repaired) row. */
export function reportLines(report: VerifyReport): string[] {
  const lines = [
    `${report.link}: ${report.sides.a} ⇄ ${report.sides.b}, authority ${report.authority} (${(report.elapsedMs / 1000).toFixed(1)} s)`,
  ];
  for (const t of report.tables) {
    const repaired = t.repaired === undefined ? '' : `, ${t.repaired.length} repaired`;
    lines.push(
      `${t.table} ⇄ ${t.target} (${t.mode}): ${t.rows} rows, ${t.divergent.length} divergent${repaired}`,
    );
    for (const r of t.repaired ?? []) lines.push(`  repaired  ${rowText(r)}`);
    for (const f of t.repairFailures ?? [])
      lines.push(`  repair failed  ${JSON.stringify(f.key)}: ${f.error}`);
    for (const r of t.divergent) lines.push(`  ${rowText(r)}`);
  }
  return lines;
}

/** 0 when no divergent row remains, {@link EXIT_DIVERGENT} otherwise. */
export function exitCodeOf(report: VerifyReport): number {
  return report.divergent > 0 ? EXIT_DIVERGENT : 0;
}

function rowText(r: DivergentRow): string {
  const head = `${r.kind}  ${JSON.stringify(r.key)}`;
  if (r.kind !== 'differs' || !r.columns || !r.values) return head;
  const sides = Object.entries(r.values);
  const cells = r.columns.map(
    (c) => `${c}: ${sides.map(([side, row]) => `${side} ${JSON.stringify(row[c] ?? null)}`).join(' ≠ ')}`,
  );
  return `${head}  ${cells.join('; ')}`;
}

function json(value: Value | undefined): JsonRow[string] {
  return valueToJson(value ?? null);
}
