import type { Command } from 'commander';
import { loadConfig } from '../../config/config-loader.js';
import { DbtwinError } from '../../core/dbtwin-error.js';
import { ErrorCode } from '../../core/error-codes.js';
import {
  DEFAULT_CHUNK_ROWS,
  DEFAULT_RECHECK_DELAY_MS,
  DEFAULT_RECHECKS,
  verifyPair,
} from '../../cutover/pair-verification.js';
import type { TableProgress } from '../../cutover/table-verifier.js';
import { exitCodeOf, reportLines, summaryLine } from '../../cutover/verify-report.js';
import { configOption } from '../config-option.js';

interface VerifyCommandOptions {
  config: string;
  link?: string;
  tables?: string;
  chunk: string;
  recheck: string;
  recheckDelayMs: string;
  repair?: boolean;
  authority?: string;
  json?: boolean;
}

/** How often a long run prints its progress on stderr. */
const PROGRESS_EVERY_MS = 2000;

/**
 * `dbtwin verify`: compares both sides of a link while replication runs and lists exactly the divergent
 * keys (design §7); `--repair` writes the authoritative side's version of each to the other side.
 * Exit 0: no divergent row; 4: some remain; 1: the command failed.
 */
export function registerVerifyCommand(program: Command): void {
  program
    .command('verify')
    .description(
      'compare both sides of a link by primary-key chunks of canonical rows and list the divergent keys (exit 0: none, 4: some remain, 1: error)',
    )
    .addOption(configOption())
    .option('-l, --link <from->to>', "the pair to compare: this link's two sides (default: the first link)")
    .option('-t, --tables <names>', "only these tables, comma-separated, by their source side's name")
    .option('--chunk <rows>', 'rows per chunk', String(DEFAULT_CHUNK_ROWS))
    .option(
      '--recheck <n>',
      'times a divergent row is read again before it is reported',
      String(DEFAULT_RECHECKS),
    )
    .option('--recheck-delay-ms <ms>', 'wait before each re-check', String(DEFAULT_RECHECK_DELAY_MS))
    .option(
      '--repair',
      "write the authoritative side's version of each divergent row to the other side (through the link, with echo fingerprints), then check again",
    )
    .option(
      '--authority <side>',
      "the side whose rows are right, or 'rules': each row's winner by its table's conflict rules (default: the link's source side)",
    )
    .option('--json', 'print the report as JSON (the summary line goes to stderr)')
    .action(async (opts: VerifyCommandOptions) => {
      const config = await loadConfig(opts.config);
      const progress = throttledProgress();
      const report = await (async () => {
        try {
          return await verifyPair(config, {
            ...(opts.link === undefined ? {} : { link: opts.link }),
            ...(opts.tables === undefined
              ? {}
              : {
                  tables: opts.tables
                    .split(',')
                    .map((t) => t.trim())
                    .filter((t) => t !== ''),
                }),
            chunkRows: whole(opts.chunk, '--chunk', 1),
            recheck: whole(opts.recheck, '--recheck', 0),
            recheckDelayMs: whole(opts.recheckDelayMs, '--recheck-delay-ms', 0),
            repair: opts.repair === true,
            ...(opts.authority === undefined ? {} : { authority: opts.authority }),
            onProgress: progress.update,
            onNotice: (text) => console.error(text),
          });
        } finally {
          progress.stop();
        }
      })();
      if (opts.json) {
        console.log(JSON.stringify(report, null, 2));
        console.error(summaryLine(report));
      } else {
        for (const line of reportLines(report)) console.log(line);
        console.log(summaryLine(report));
      }
      process.exitCode = exitCodeOf(report);
    });
}

/**
 * Progress lines on stderr, at most one per {@link PROGRESS_EVERY_MS}, for runs long enough to need
 * them: `verify: <table>: <read>/<estimate> rows read (<pct>%), <n> divergent`.
 */
function throttledProgress(): {
  update: (table: string, progress: TableProgress) => void;
  stop: () => void;
} {
  let latest: { table: string; progress: TableProgress } | undefined;
  let printed: typeof latest;
  const timer = setInterval(() => {
    if (!latest || latest === printed) return;
    printed = latest;
    const { table, progress } = latest;
    const total = progress.estimated;
    const share =
      total === undefined || total === 0
        ? ''
        : ` (${Math.min(100, Math.floor((progress.read / total) * 100))}%)`;
    const pass = progress.pass === undefined ? '' : `, pass ${progress.pass}/2`;
    console.error(
      `verify: ${table}: ${progress.read}/${total ?? '?'} rows read${share}${pass}, ${progress.divergent} divergent so far`,
    );
  }, PROGRESS_EVERY_MS);
  return {
    update: (table, progress) => {
      latest = { table, progress };
    },
    stop: () => clearInterval(timer),
  };
}

function whole(text: string, option: string, min: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min)
    throw new DbtwinError(
      ErrorCode.ConfigInvalid,
      `${option} ${JSON.stringify(text)}: a whole number${min > 0 ? ` of at least ${min}` : ''} is needed`,
    );
  return n;
}
