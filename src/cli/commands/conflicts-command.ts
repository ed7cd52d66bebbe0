import { readFile } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import type { Command } from 'commander';
import { loadConfig } from '../../config/config-loader.js';
import { DbtwinError } from '../../core/dbtwin-error.js';
import { ErrorCode } from '../../core/error-codes.js';
import { ConflictLedger, ledgerTopic, type LedgerEntry } from '../../rules/conflict-ledger.js';
import { resolveManualConflict, type ManualDecision } from '../../rules/manual-resolution.js';
import { configOption } from '../config-option.js';

interface ListOptions {
  config: string;
  link?: string;
  table?: string;
  type?: string;
  outcome?: string;
  unresolved?: boolean;
  limit: string;
  json?: boolean;
}

interface ResolveOptions {
  config: string;
  take?: string;
  row?: string;
  by?: string;
  json?: boolean;
}

/**
 * `dbtwin conflicts list|resolve`: the conflict ledger (design §4), the topic `<groupPrefix>.conflicts`
 * every link writes each conflict to, with the three versions of the row, the rule that decided and
 * how; and the operator's decision on the conflicts the rules held (`manual`).
 */
export function registerConflictsCommand(program: Command): void {
  const conflicts = program
    .command('conflicts')
    .description('the conflict ledger: every conflict the links met, and the decisions on held ones');
  conflicts
    .command('list')
    .description(
      'list conflicts, newest last: time, link, table, key, type, outcome, rule, id (resolutions too)',
    )
    .addOption(configOption())
    .option('-l, --link <from->to>', 'only this link')
    .option('-t, --table <name>', 'only this target table (name or schema.name)')
    .option(
      '--type <type>',
      'only this type: insert-exists, update-differs, update-missing, delete-differs, delete-missing',
    )
    .option('--outcome <outcome>', 'only this outcome: incoming, target, merged, ignored, manual, resolved')
    .option('--unresolved', 'only manual conflicts not resolved yet (those `conflicts resolve` decides)')
    .option('--limit <n>', 'the last n that match', '100')
    .option(
      '--json',
      'print the entries as one JSON array, whole (base, incoming and current rows); a resolved manual conflict carries `resolution`',
    )
    .action(async (opts: ListOptions) => {
      const config = await loadConfig(opts.config);
      const ledger = new ConflictLedger(config.kafka.brokers, ledgerTopic(config.kafka.groupPrefix));
      const all = await ledger.readAll();
      const resolutions = new Map<string, LedgerEntry>();
      for (const e of all)
        if (e.resolves !== undefined && !resolutions.has(e.resolves)) resolutions.set(e.resolves, e);
      const matching = all
        .filter((e) => !opts.link || e.link === opts.link)
        .filter((e) => !opts.table || e.table === opts.table || e.table.endsWith(`.${opts.table}`))
        .filter((e) => !opts.type || e.type === opts.type)
        .filter((e) => !opts.outcome || e.outcome === opts.outcome)
        .filter((e) => !opts.unresolved || (e.outcome === 'manual' && !resolutions.has(e.id)))
        .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
      const shown = matching.slice(-Math.max(1, Number(opts.limit) || 100));
      if (opts.json) {
        const withResolution = shown.map((e) => {
          const r = e.outcome === 'manual' ? resolutions.get(e.id) : undefined;
          return r ? { ...e, resolution: { id: r.id, at: r.at, by: r.by, decision: r.decision } } : e;
        });
        console.log(JSON.stringify(withResolution, null, 2));
        return;
      }
      if (shown.length === 0) console.log(`no conflicts in ${ledger.topic}`);
      for (const e of shown) console.log(describe(e, resolutions.get(e.id)));
      if (matching.length > shown.length)
        console.error(`… ${matching.length - shown.length} earlier ones (--limit ${matching.length})`);
    });

  conflicts
    .command('resolve')
    .description(
      'decide a manual conflict: both sides end with the same row, its dead letter leaves the queue, the decision goes to the ledger',
    )
    .argument(
      '<id>',
      'conflict id, as `conflicts list --outcome manual` shows it (<link>|<topic>/<partition>/<offset>)',
    )
    .addOption(configOption())
    .option(
      '--take <side>',
      "this side's current row wins and is written to the other side (absent there: the row is deleted on both)",
    )
    .option(
      '--row <json>',
      'this row is written to both sides: a JSON object keyed by the columns of the conflict’s target table, values as `conflicts list --json` shows them; @file reads it from a file',
    )
    .option('--by <name>', 'who decides, recorded in the ledger (default <user>@<host>)')
    .option('--json', 'print the resolution entry as JSON')
    .action(async (id: string, opts: ResolveOptions) => {
      if ((opts.take === undefined) === (opts.row === undefined)) {
        throw new DbtwinError(
          ErrorCode.ConfigInvalid,
          'conflicts resolve takes either --take <side> or --row <json>',
          {
            hint: 'dbtwin conflicts list --json shows both versions of the row',
          },
        );
      }
      const decision: ManualDecision =
        opts.take !== undefined ? { take: opts.take } : { rowJson: await rowText(opts.row!) };
      const config = await loadConfig(opts.config);
      const result = await resolveManualConflict(config, id, decision, { by: opts.by ?? operator() });
      if (result.deadLetterNote !== undefined) console.error(`note: ${result.deadLetterNote}`);
      if (result.otherOpen.length > 0)
        console.error(
          `note: ${result.otherOpen.length} other manual conflict(s) of this row still wait (the sides agree now; resolve them too, to clear their dead letters): ${result.otherOpen.join(', ')}`,
        );
      if (opts.json) {
        console.log(JSON.stringify(result.entry, null, 2));
        return;
      }
      for (const w of result.writes)
        console.log(
          `${w.side}: ${w.action === 'unchanged' ? 'already held the row, nothing written' : `${w.action} ${w.table} ${JSON.stringify(result.entry.key)}`}`,
        );
      for (const letter of result.removedDeadLetters)
        console.log(`dead letter ${letter} removed from the queue of ${result.entry.link}`);
      console.log(`resolved ${id} (${result.entry.rule}), recorded as ${result.entry.id}`);
    });
}

/** `--row` as given, or the file it names with `@file`. */
async function rowText(value: string): Promise<string> {
  if (!value.startsWith('@')) return value;
  try {
    return await readFile(value.slice(1), 'utf8');
  } catch (cause) {
    throw new DbtwinError(ErrorCode.ConfigInvalid, `--row ${value}: cannot read ${value.slice(1)}`, {
      cause,
    });
  }
}

/** Who runs the command, for the ledger: `<user>@<host>`. */
function operator(): string {
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    user = process.env['USER'] ?? 'unknown';
  }
  return `${user}@${hostname()}`;
}

function describe(e: LedgerEntry, resolution: LedgerEntry | undefined): string {
  const head = `${e.at}  ${e.link.padEnd(20)} ${e.table} ${JSON.stringify(e.key)}`;
  if (e.resolves !== undefined) {
    const d = e.decision;
    const how = d?.kind === 'take' ? `took ${d.side ?? '?'}` : 'operator row';
    const result = d?.result === 'delete' ? 'deleted on both sides' : 'row written to both sides';
    return `${head}  resolved ${e.resolves}: ${how}, ${result} (by ${e.by ?? 'unknown'})  ${e.id}`;
  }
  const cols = e.columns.length > 0 ? ` [${e.columns.join(', ')}]` : '';
  const mark =
    e.outcome !== 'manual'
      ? ''
      : resolution
        ? `, resolved ${resolution.at} by ${resolution.by ?? 'unknown'}`
        : ', unresolved';
  return `${head}  ${e.type}${cols} → ${e.outcome}${mark}  (${e.rule})  ${e.id}`;
}
