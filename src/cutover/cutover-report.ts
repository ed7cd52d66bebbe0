import type { CutoverGateResult, CutoverMove, CutoverStatus } from './cutover-state.js';

/**
 * The text `dbtwin cutover` prints: tables of instances, history and gates. Pure functions of the
 * registry's state, so unit tests pin the layout.
 */

/** Rows under a heading, columns padded to their widest cell (the last column is not padded). */
export function tableLines(
  heading: readonly string[],
  rows: readonly (readonly string[])[],
  indent = '  ',
): string[] {
  const widths = heading.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    `${indent}${cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')}`.trimEnd();
  return [line(heading), ...rows.map(line)];
}

/** One row per gate: name, measured value, threshold, pass/FAIL/skipped, and what it covered. */
export function gateLines(gates: readonly CutoverGateResult[]): string[] {
  if (gates.length === 0) return ['  no gates'];
  return tableLines(
    ['gate', 'value', 'threshold', 'result', 'detail'],
    gates.map((g) => [
      g.name,
      g.value === null ? '?' : String(g.value),
      `${g.threshold} ${g.unit}`,
      g.skipped ? 'skipped' : g.pass ? 'pass' : 'FAIL',
      g.skipped ? 'not measured: an earlier gate failed' : (g.detail ?? ''),
    ]),
  );
}

/**
 * One history entry on one line: `<at>  <kind> <instance> <from> -> <to> by <who> [forced] [reason]`;
 * a refusal reads `refused <what>` (`refused move`) as its kind.
 */
export function historyLine(move: CutoverMove): string {
  const forced = move.forced ? '  FORCED (gates skipped)' : '';
  const reason = move.reason ? `  (${move.reason})` : '';
  const kind = move.kind === 'refused' ? `refused ${move.refused ?? ''}`.trim() : move.kind;
  return `${move.at}  ${kind.padEnd(8)} ${move.instance}  ${move.from ?? '-'} -> ${move.to}  by ${move.by}${forced}${reason}`;
}

/**
 * `dbtwin cutover status`: the instances (side, since, moves), where they are by side, the final
 * state, the newest `historyLines` history entries and the gates' current values.
 */
export function statusLines(
  deployment: string,
  status: CutoverStatus,
  gates: readonly CutoverGateResult[],
  historyLines = 20,
): string[] {
  const out: string[] = [];
  const bySide = new Map<string, number>();
  for (const i of status.instances) bySide.set(i.side, (bySide.get(i.side) ?? 0) + 1);
  out.push(
    `cutover of deployment ${deployment}: ${status.instances.length} application instance(s)` +
      (bySide.size > 0 ? ` (${[...bySide].map(([side, n]) => `${n} on ${side}`).join(', ')})` : ''),
  );
  if (status.finalized)
    out.push(
      `FINALIZED at ${status.finalized.at}: every instance writes to ${status.finalized.side}; stopped ${status.finalized.stoppedLinks.join(', ') || 'no link'}`,
    );
  if (status.instances.length === 0)
    out.push('  no instance registered yet (each sidecar registers its own: dbtwin run --instance <name>)');
  else
    out.push(
      ...tableLines(
        ['instance', 'side', 'since', 'moves'],
        status.instances.map((i) => [i.instance, i.side, i.since, String(i.moves)]),
      ),
    );
  const recent = status.history.slice(-historyLines);
  out.push(`history (${recent.length} of ${status.history.length} shown, newest last)`);
  out.push(...(recent.length === 0 ? ['  none'] : recent.map((m) => `  ${historyLine(m)}`)));
  out.push('gates now (verify runs with each move)');
  out.push(...gateLines(gates));
  return out;
}

/** The gates that failed (measured and over their threshold, or not measurable); skipped ones excluded. */
export function failedGates(gates: readonly CutoverGateResult[]): CutoverGateResult[] {
  return gates.filter((g) => !g.pass && !g.skipped);
}

/**
 * One failed gate in words: `lag mariadb->postgres 1200 messages > 1000 (…)`, or without the comparison
 * when the value is within the threshold and something else failed it (`(paused by …)`).
 */
export function gateReason(gate: CutoverGateResult): string {
  const value =
    gate.value === null
      ? 'not measured'
      : `${gate.value} ${gate.unit}${gate.value > gate.threshold ? ` > ${gate.threshold}` : ''}`;
  return `${gate.name} ${value}${gate.detail ? ` (${gate.detail})` : ''}`;
}
