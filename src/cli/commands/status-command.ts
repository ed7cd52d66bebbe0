import type { Command } from 'commander';
import { adminAddressOf, parseAdminAddress, type AdminAddress } from '../../admin/admin-address.js';
import {
  DEFAULT_ADMIN_TIMEOUT_MS,
  fetchAdminStatus,
  type AdminReport,
  type ReportedLink,
} from '../../admin/admin-client.js';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../../config/config-loader.js';
import { DbtwinError } from '../../core/dbtwin-error.js';
import { ErrorCode } from '../../core/error-codes.js';
import { describeMix } from '../../cluster/rules-hash-registry.js';

interface StatusOptions {
  config: string;
  admin?: string[];
  json?: boolean;
  timeout: string;
}

/**
 * `dbtwin status [--admin host:port…] [--json]`: asks running dbtwin processes (their admin endpoint's
 * `/status`) how their links are doing and prints one table per process. Without `--admin` it asks the
 * one the configuration names (`admin.host`/`admin.port`, `DBTWIN_ADMIN_PORT`). Every address is
 * asked; those that answer are printed, and if any does not, the command names it and exits 1.
 */
export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('how the links of running dbtwin processes are doing (their admin /status)')
    .option(
      '-c, --config <file>',
      'configuration file whose admin address to ask (env DBTWIN_CONFIG)',
      process.env['DBTWIN_CONFIG'] ?? DEFAULT_CONFIG_FILE,
    )
    .option('--admin <host:port...>', 'admin addresses of dbtwin processes (default: the configuration’s)')
    .option(
      '--json',
      'print the /status documents as one JSON array, each with the admin address it came from',
    )
    .option(
      '--timeout <seconds>',
      'how long to wait for each process',
      String(DEFAULT_ADMIN_TIMEOUT_MS / 1000),
    )
    .action(async (opts: StatusOptions) => {
      const timeoutMs = Number(opts.timeout) * 1000;
      if (!(timeoutMs > 0))
        throw new DbtwinError(
          ErrorCode.ConfigInvalid,
          `--timeout ${opts.timeout} is not a positive number of seconds`,
        );
      const addresses = await addressesOf(opts);
      const results = await Promise.allSettled(addresses.map((a) => fetchAdminStatus(a, timeoutMs)));
      const reports = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      if (opts.json) {
        console.log(
          JSON.stringify(
            reports.map((r) => ({ admin: r.address.label, ...r.raw })),
            null,
            2,
          ),
        );
      } else {
        for (const report of reports) console.log(describe(report));
        if (reports.some((r) => r.links.length > 0)) console.log(LEGEND);
      }
      const failures = results.flatMap((r): unknown[] => (r.status === 'rejected' ? [r.reason] : []));
      if (failures.length > 0) throw combined(failures);
    });
}

async function addressesOf(opts: StatusOptions): Promise<AdminAddress[]> {
  if (opts.admin && opts.admin.length > 0) return opts.admin.map(parseAdminAddress);
  const config = await loadConfig(opts.config);
  return [adminAddressOf(config.admin.host, config.admin.port)];
}

/** One failure as it is; several as one error naming each address (the CLI prints one error). */
function combined(failures: readonly unknown[]): unknown {
  const [first] = failures;
  if (failures.length === 1 || !failures.every((f) => f instanceof DbtwinError)) return first;
  // `every` with an instanceof guard has narrowed `failures` to DbtwinError[] here.
  return new DbtwinError(ErrorCode.ServiceUnreachable, failures.map((e) => e.message).join('; '), {
    hint: failures[0]!.hint,
  });
}

const LEGEND =
  'echoes r/l/c/o: dropped by the Redis fingerprint / by this process’s own copy while Redis lost it / at capture / by the origin header';

const COLUMNS = [
  'link',
  'state',
  'applied',
  'echoes r/l/c/o',
  'no-ops',
  'breaker trips',
  'quarantined',
  'dead letters',
  'retries',
  'echo',
] as const;

/** A process: a heading line, then one row per link (and a line for what a link waits for). */
function describe(report: AdminReport): string {
  const heading = [
    report.address.label,
    report.pid === undefined ? undefined : `pid ${report.pid}`,
    report.config ?? (report.command ? `command ${report.command}` : undefined),
  ]
    .filter((p) => p !== undefined)
    .join('  ');
  const rules = rulesLines(report.raw['rules']);
  if (report.links.length === 0) return [heading, ...rules, '  no links'].join('\n');
  const rows = report.links.map(row);
  const widths = COLUMNS.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string =>
    `  ${cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')}`.trimEnd();
  const lines = [heading, ...rules, line(COLUMNS)];
  for (const [i, link] of report.links.entries()) {
    lines.push(line(rows[i]!));
    if (link.waitingFor) lines.push(`    waiting for: ${oneLine(link.waitingFor)}`);
    if (link.missingTopics && link.missingTopics.length > 0)
      lines.push(`    topics not created yet: ${link.missingTopics.join(', ')}`);
  }
  return lines.join('\n');
}

function row(link: ReportedLink): string[] {
  const n = (key: string): string => {
    const value = link.counters[key];
    return value === undefined ? '-' : String(value);
  };
  return [
    link.link,
    link.state,
    n('applied'),
    [n('echoesRedis'), n('echoesLocal'), n('echoesCapture'), n('skippedOwnOrigin')].join('/'),
    n('noOps'),
    n('breakerTrips'),
    n('quarantined'),
    n('deadLettered'),
    n('retries'),
    echoOf(link),
  ];
}

/** `ok`, `degraded: reason (since …)`, or `-` when the process does not report it. */
function echoOf(link: ReportedLink): string {
  const echo = link.echo;
  if (!echo) return '-';
  if (echo.state !== 'degraded') return echo.state;
  const reason = echo.reason ? `: ${oneLine(echo.reason)}` : '';
  return `degraded${reason}${echo.since ? ` (since ${echo.since})` : ''}`;
}

/** `rules <hash> from <dir>` and, when the cluster's instances disagree, which runs what. */
function rulesLines(value: unknown): string[] {
  if (typeof value !== 'object' || value === null) return [];
  const r = value as {
    hash?: unknown;
    dir?: unknown;
    lastError?: { problems?: unknown };
    cluster?: { consistent?: unknown; instances?: { instance: string; hash: string }[] };
  };
  if (typeof r.hash !== 'string') return [];
  const lines = [`  rules ${r.hash}${typeof r.dir === 'string' ? ` from ${r.dir}` : ''}`];
  const problems = Array.isArray(r.lastError?.problems) ? (r.lastError.problems as unknown[]) : [];
  if (problems.length > 0)
    lines.push(`    last edit rejected (the rules above keep running): ${oneLine(String(problems[0]))}`);
  const instances = Array.isArray(r.cluster?.instances) ? r.cluster.instances : [];
  if (r.cluster?.consistent === false)
    lines.push(`    MIXED RULES in the cluster: ${describeMix(instances)}`);
  else if (instances.length > 1) lines.push(`    all ${instances.length} instances run these rules`);
  return lines;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}
