import { setTimeout as sleep } from 'node:timers/promises';
import type { DbtwinConfig, LinkConfig } from '../config/dbtwin-config.js';
import { DbtwinError } from '../core/dbtwin-error.js';
import { ErrorCode } from '../core/error-codes.js';
import { createLogger } from '../core/logger.js';
import { LoopGuard } from '../echo/loop-guard.js';
import { openTargetSide, type TargetSide } from '../pipeline/target-side.js';
import type { RuleSet } from '../rules/rule-set.js';
import { rowAuthority, tableRulesOf } from '../rules/row-authority.js';
import { RulesRuntime } from '../rules/rules-runtime.js';
import type { RowDiff } from './chunk-diff.js';
import { repairRows, type RepairOutcome } from './row-repair.js';
import { TablePair, type PairSideId, type SideRow } from './table-pair.js';
import { TableVerifier, type TableProgress } from './table-verifier.js';
import { divergentRow, type DiffNames, type TableReport, type VerifyReport } from './verify-report.js';

/** Options of {@link verifyPair}; the defaults are those of `dbtwin verify`. */
export interface VerifyOptions {
  /** The link whose sides are compared, `<from>-><to>`; default the configuration's first link. */
  readonly link?: string;
  /** Tables to compare, by their name on the link's source side (or target side); default every table of the link. */
  readonly tables?: readonly string[];
  /** Rows per page and chunk; default 10000. */
  readonly chunkRows?: number;
  /** How many times a divergent row is read again before it is reported; default 3 (0: never). */
  readonly recheck?: number;
  /** The wait before each re-check, in ms; default 2000. */
  readonly recheckDelayMs?: number;
  /** Write the authority's version of each divergent row to the other side, then check again; default false. */
  readonly repair?: boolean;
  /**
   * The authoritative side's name, or `rules`: each row's by its table's conflict rules (side order,
   * `lww` by a column compares it; as the convergence check settles rows). Default the link's source
   * side.
   */
  readonly authority?: string;
  /** Called after each chunk (the caller throttles what it prints). */
  readonly onProgress?: (table: string, progress: TableProgress) => void;
  /** One-line notices: re-checks, repairs. */
  readonly onNotice?: (text: string) => void;
}

/** Default rows per chunk. */
export const DEFAULT_CHUNK_ROWS = 10_000;
/** Default number of re-checks of a divergent row. */
export const DEFAULT_RECHECKS = 3;
/** Default wait before a re-check, ms. */
export const DEFAULT_RECHECK_DELAY_MS = 2000;

interface TableRun {
  readonly pair: TablePair;
  readonly verifier: TableVerifier;
  readonly names: DiffNames;
  rows: number;
  diffs: RowDiff<SideRow>[];
  repaired?: RowDiff<SideRow>[];
  failures?: { diff: RowDiff<SideRow>; error: string }[];
}

/**
 * Compares both sides of a link while replication runs (design §7) and lists exactly the keys that
 * differ: every table is scanned in primary-key chunks (`TableVerifier`), then each divergent row is
 * read again on both sides after `recheckDelayMs`, up to `recheck` times, so a change still in flight
 * is not reported once it has arrived. With `repair`, the authority's current version of each
 * remaining row is written to the other side through the link machinery (`repairRows`, with echo
 * fingerprints), and the repaired tables are verified again the same way (scan and re-checks); the
 * report lists what remains.
 *
 * Read-only without `repair` (and needs no Redis then). Throws DbtwinError for configuration
 * problems, unreachable sides and tables that cannot be paired; divergence is not an error.
 */
export async function verifyPair(config: DbtwinConfig, options: VerifyOptions = {}): Promise<VerifyReport> {
  const started = Date.now();
  const link = linkOf(config, options.link);
  const from = config.sides[link.from]!;
  const to = config.sides[link.to]!;
  // With `rules`, each row's authority is decided by its table's rules at repair time; reports then
  // describe rows as seen from the link's source side.
  const byRules = options.authority === 'rules';
  const authority = byRules ? 'a' : authorityOf(link, options.authority);
  const chunkRows = positive(options.chunkRows ?? DEFAULT_CHUNK_ROWS, '--chunk');
  const rechecks = options.recheck ?? DEFAULT_RECHECKS;
  const delayMs = options.recheckDelayMs ?? DEFAULT_RECHECK_DELAY_MS;
  const notice = options.onNotice ?? (() => undefined);
  const tables = tablesOf(link, options.tables);

  const opened: TargetSide[] = [];
  let loop: LoopGuard | undefined;
  try {
    const a = await openTargetSide(config, from.name);
    opened.push(a);
    const b = await openTargetSide(config, to.name);
    opened.push(b);
    const runs: TableRun[] = [];
    for (const name of tables) {
      const pair = await TablePair.open(link, from, to, a, b, name);
      runs.push({
        pair,
        verifier: new TableVerifier(pair, chunkRows),
        names: {
          keyNames: pair.keyNames,
          columnNames: pair.columnNames,
          a: from.name,
          b: to.name,
          authority,
        },
        rows: 0,
        diffs: [],
      });
    }
    await scanAll(runs, options.onProgress);
    await recheck(runs, rechecks, delayMs, notice);

    if (options.repair) {
      const total = runs.reduce((n, r) => n + r.diffs.length, 0);
      if (total > 0) {
        loop = LoopGuard.open(config, createLogger('dbtwin-verify', 'error'));
        await loop.ready();
        const x = authority === 'a' ? from.name : to.name;
        const y = authority === 'a' ? to.name : from.name;
        const rules = byRules ? await ruleSetOf(config) : undefined;
        notice(
          rules
            ? `verify: repairing ${total} row(s): each side's version by its table's rules (${rules.hash.slice(0, 12)})`
            : `verify: repairing ${total} row(s): ${x}'s version written to ${y}`,
        );
        for (const run of runs) {
          if (run.diffs.length === 0) continue;
          const tableRules = rules && tableRulesOf(rules, run.pair);
          const failures: RepairOutcome['failures'][number][] = [];
          for (const side of ['a', 'b'] as const) {
            const mine = tableRules
              ? run.diffs.filter((d) => rowAuthority(run.pair, tableRules, d) === side)
              : side === authority
                ? run.diffs
                : [];
            if (mine.length === 0) continue;
            failures.push(...(await repairRows(config, run.pair, side, loop.echoes, mine)).failures);
          }
          const failed = new Set(failures.map((f) => f.diff));
          run.repaired = run.diffs.filter((d) => !failed.has(d));
          run.failures = failures;
        }
        // Verify the repaired tables again, whole: an upsert can reach rows other than its key's
        // (MySQL's ON DUPLICATE KEY fires on any unique key), and only a full pass would see that.
        const repaired = runs.filter((r) => r.repaired !== undefined);
        notice(`verify: checking ${repaired.length} repaired table(s) again`);
        await scanAll(repaired, options.onProgress);
        await recheck(repaired, rechecks, delayMs, notice);
        for (const run of repaired) {
          const left = new Set(run.diffs.map((d) => d.key));
          run.repaired = run.repaired?.filter((d) => !left.has(d.key));
        }
      }
    }

    const reports: TableReport[] = runs.map((run) => ({
      table: `${run.pair.a.info.schema}.${run.pair.a.info.name}`,
      target: `${run.pair.b.info.schema}.${run.pair.b.info.name}`,
      mode: run.verifier.mode,
      rows: run.rows,
      divergent: run.diffs.map((d) => divergentRow(d, run.names)),
      ...(run.repaired === undefined
        ? {}
        : { repaired: run.repaired.map((d) => divergentRow(d, run.names)) }),
      ...(run.failures === undefined || run.failures.length === 0
        ? {}
        : {
            repairFailures: run.failures.map((f) => ({
              key: divergentRow(f.diff, run.names).key,
              error: f.error,
            })),
          }),
    }));
    return {
      link: link.name,
      sides: { a: from.name, b: to.name },
      authority: byRules ? 'rules' : authority === 'a' ? from.name : to.name,
      tables: reports,
      rows: runs.reduce((n, r) => n + r.rows, 0),
      divergent: runs.reduce((n, r) => n + r.diffs.length, 0),
      ...(options.repair ? { repaired: runs.reduce((n, r) => n + (r.repaired?.length ?? 0), 0) } : {}),
      elapsedMs: Date.now() - started,
    };
  } finally {
    await loop?.close();
    for (const side of opened) await side.close();
  }
}

/** Scans each table through, keeping what it found as the table's divergent rows. */
async function scanAll(runs: readonly TableRun[], onProgress: VerifyOptions['onProgress']): Promise<void> {
  for (const run of runs) {
    const label = `${run.pair.a.info.schema}.${run.pair.a.info.name}`;
    const scan = await run.verifier.scan((p) => onProgress?.(label, p));
    run.rows = scan.checked;
    run.diffs = [...scan.diffs];
  }
}

/**
 * Reads the divergent rows of every table again after `delayMs`, up to `rounds` times, keeping only
 * those still divergent.
 */
async function recheck(
  runs: readonly TableRun[],
  rounds: number,
  delayMs: number,
  notice: (text: string) => void,
): Promise<void> {
  for (let round = 1; round <= rounds; round++) {
    const pending = runs.reduce((n, r) => n + r.diffs.length, 0);
    if (pending === 0) return;
    notice(`verify: ${pending} divergent row(s); re-checking in ${delayMs} ms (${round}/${rounds})`);
    await sleep(delayMs);
    for (const run of runs) run.diffs = await run.verifier.reread(run.diffs);
  }
}

function linkOf(config: DbtwinConfig, name: string | undefined): LinkConfig {
  if (name === undefined) {
    const first = config.links[0];
    if (!first)
      throw new DbtwinError(ErrorCode.ConfigInvalid, `${config.file} has no links: nothing to verify`, {
        hint: 'add links: [{ from: <side>, to: <side> }]',
      });
    return first;
  }
  const link = config.links.find((l) => l.name === name);
  if (!link)
    throw new DbtwinError(ErrorCode.ConfigInvalid, `no link ${name} in ${config.file}`, {
      hint: `links there: ${config.links.map((l) => l.name).join(', ') || 'none'}`,
    });
  return link;
}

/** The rules in force in the configuration's rules folder (built-in ones when there is none). */
async function ruleSetOf(config: DbtwinConfig): Promise<RuleSet> {
  const runtime = await RulesRuntime.open(config, createLogger('dbtwin-verify', 'error'));
  try {
    return runtime.source.current();
  } finally {
    await runtime.close();
  }
}

function authorityOf(link: LinkConfig, side: string | undefined): PairSideId {
  if (side === undefined || side === link.from) return 'a';
  if (side === link.to) return 'b';
  throw new DbtwinError(
    ErrorCode.ConfigInvalid,
    `--authority ${side}: link ${link.name} is between ${link.from} and ${link.to}`,
    { hint: `--authority ${link.from}, --authority ${link.to} or --authority rules` },
  );
}

/** The link's source tables to compare: all, or those named (by source or target name, case-insensitively). */
function tablesOf(link: LinkConfig, names: readonly string[] | undefined): string[] {
  const all = Object.keys(link.tables);
  if (names === undefined || names.length === 0) return all;
  const unknown: string[] = [];
  const out = new Set<string>();
  for (const name of names) {
    const lower = name.toLowerCase();
    const hit =
      all.find((s) => s === name) ??
      all.find((s) => s.toLowerCase() === lower) ??
      all.find((s) => link.tables[s]!.toLowerCase() === lower);
    if (hit === undefined) unknown.push(name);
    else out.add(hit);
  }
  if (unknown.length > 0)
    throw new DbtwinError(
      ErrorCode.TableNotMapped,
      `--tables: link ${link.name} carries no table ${unknown.join(', ')}`,
      { hint: `its tables: ${all.join(', ') || 'none'}` },
    );
  return [...out];
}

function positive(n: number, option: string): number {
  if (!Number.isSafeInteger(n) || n < 1)
    throw new DbtwinError(
      ErrorCode.ConfigInvalid,
      `${option} ${n}: a positive whole number of rows is needed`,
    );
  return n;
}
