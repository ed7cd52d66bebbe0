import type { Command } from 'commander';
import { ConsumerLag, type GroupOffsets, type PartitionOffsets } from '../../source/consumer-lag.js';
import { adminAddressOf, parseAdminAddress, type AdminAddress } from '../../admin/admin-address.js';
import {
  DEFAULT_ADMIN_TIMEOUT_MS,
  fetchAdminStatus,
  type AdminReport,
  type ReportedLink,
} from '../../admin/admin-client.js';
import { loadConfig } from '../../config/config-loader.js';
import type { DbtwinConfig } from '../../config/dbtwin-config.js';
import { DbtwinError } from '../../core/dbtwin-error.js';
import { ErrorCode } from '../../core/error-codes.js';
import { redisAddress } from '../../core/redis-connection.js';
import { describeMix } from '../../cluster/rules-hash-registry.js';
import { InstanceRegistry, type InstanceLink, type LiveInstance } from '../../cluster/instance-registry.js';
import { PauseControl, type LinkPause } from '../../cluster/pause-control.js';
import { configOption } from '../config-option.js';

interface StatusOptions {
  config: string;
  admin?: string[];
  json?: boolean;
  timeout: string;
}

/**
 * `dbtwin status [--admin host:port…] [--json]`: how the links of running dbtwin processes are doing.
 *
 * Without `--admin` it lists every live instance of the deployment (`kafka.groupPrefix`) from the
 * cluster registry in Redis (`InstanceRegistry`), asks each one's `/status` when it answers, and
 * prints per instance its links, the partitions it holds, their lag (end offsets minus the group's
 * committed offsets, read from Kafka here), its rules hash and health; then per link its total lag,
 * partitions no instance holds, and whether it is paused. When the registry holds no instance (or
 * Redis does not answer) it asks the admin address of the configuration, as with `--admin`.
 *
 * With `--admin` it asks those addresses' `/status` and prints one table per process; those that
 * answer are printed, and if any does not, the command names it and exits 1.
 */
export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('how the links of running dbtwin processes are doing (their admin /status)')
    .addOption(configOption('configuration file whose admin address to ask'))
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
      if (!opts.admin || opts.admin.length === 0) {
        const config = await loadConfig(opts.config);
        const cluster = await readCluster(config);
        if (cluster.instances.length > 0) {
          await clusterStatus(config, cluster, opts, timeoutMs);
          return;
        }
        console.error(
          `dbtwin: ${cluster.unknown ?? `no live instance of deployment ${config.kafka.groupPrefix} in the registry (Redis ${redisAddress(config.redis.url)})`}; asking the configuration's admin address`,
        );
      }
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
    if (link.pause) lines.push(`    ${pausedBy(link.pause)}`);
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

/** `paused by <who> at <when>: <reason>`. */
function pausedBy(pause: LinkPause): string {
  return `paused by ${pause.by} at ${pause.at}${pause.reason ? `: ${oneLine(pause.reason)}` : ''}`;
}

/** What the registry says of the deployment. */
interface ClusterView {
  readonly instances: readonly LiveInstance[];
  readonly paused: ReadonlyMap<string, LinkPause>;
  /** Why the registry could not be read. */
  readonly unknown?: string;
}

async function readCluster(config: DbtwinConfig): Promise<ClusterView> {
  let redis;
  try {
    redis = await InstanceRegistry.connect(config.redis.url);
    const namespace = config.kafka.groupPrefix;
    return {
      instances: await InstanceRegistry.list(redis, namespace),
      paused: await new PauseControl(redis, namespace).list(),
    };
  } catch (error) {
    return {
      instances: [],
      paused: new Map(),
      unknown: `the cluster registry in Redis (${redisAddress(config.redis.url)}) did not answer: ${error instanceof Error ? error.message : String(error)}`,
    };
  } finally {
    redis?.disconnect();
  }
}

/** Offsets of one partition of a link's topic. */
/** Offsets per group, topic and partition; `error` when Kafka did not answer. */
interface LagView {
  readonly groups: GroupOffsets;
  readonly error?: string;
}

/** Lag of every group over its topics (those that exist): end offsets minus committed offsets. */
async function measureLag(
  brokers: readonly string[],
  groups: ReadonlyMap<string, readonly string[]>,
): Promise<LagView> {
  const lag = new ConsumerLag(brokers, 'dbtwin-status');
  try {
    return { groups: await lag.partitions([...groups].map(([group, topics]) => ({ group, topics }))) };
  } catch (error) {
    return {
      groups: new Map(),
      error: `Kafka did not answer: ${error instanceof Error ? error.message : String(error)}`,
    };
  } finally {
    await lag.close();
  }
}

/** One link of one instance, with lag and what its `/status` says. */
interface InstanceLinkView extends InstanceLink {
  /** Sum of the lag of the partitions it holds; undefined when Kafka did not answer. */
  readonly lag?: string;
  readonly partitionLag: readonly { topic: string; partition: number; lag?: string }[];
  readonly counters?: Readonly<Record<string, number>>;
  readonly pause?: LinkPause;
}

/** The registry view printed as text or JSON. */
async function clusterStatus(
  config: DbtwinConfig,
  cluster: ClusterView,
  opts: StatusOptions,
  timeoutMs: number,
): Promise<void> {
  const groups = new Map<string, string[]>();
  const linkGroups = new Map<string, { group: string; topics: Set<string> }>();
  for (const i of cluster.instances)
    for (const l of i.links) {
      groups.set(l.group, [...new Set([...(groups.get(l.group) ?? []), ...l.topics])]);
      const known = linkGroups.get(l.link) ?? { group: l.group, topics: new Set<string>() };
      for (const t of l.topics) known.topics.add(t);
      linkGroups.set(l.link, known);
    }
  const [lag, statuses] = await Promise.all([
    measureLag(config.kafka.brokers, groups),
    Promise.allSettled(
      // Through a promise: an admin URL that does not parse is that instance's error, not the command's.
      cluster.instances.map((i) =>
        Promise.resolve().then(() => fetchAdminStatus(parseAdminAddress(i.admin), timeoutMs)),
      ),
    ),
  ]);
  const offsetsOf = (group: string, topic: string, partition: number): PartitionOffsets | undefined =>
    lag.groups.get(group)?.get(topic)?.get(partition);

  const instances = cluster.instances.map((instance, n) => {
    const answer = statuses[n]!;
    const report = answer.status === 'fulfilled' ? answer.value : undefined;
    const links: InstanceLinkView[] = instance.links.map((l) => {
      const partitionLag = Object.entries(l.partitions).flatMap(([topic, partitions]) =>
        partitions.map((partition) => {
          const o = offsetsOf(l.group, topic, partition);
          return { topic, partition, ...(o ? { lag: o.lag.toString() } : {}) };
        }),
      );
      const known = partitionLag.every((p) => p.lag !== undefined);
      const total = partitionLag.reduce((sum, p) => sum + BigInt(p.lag ?? '0'), 0n);
      const reported = report?.links.find((r) => r.link === l.link);
      const pause = cluster.paused.get(l.link);
      return {
        ...l,
        ...(known && !lag.error ? { lag: total.toString() } : {}),
        partitionLag,
        ...(reported ? { counters: reported.counters } : {}),
        ...(pause ? { pause } : {}),
      };
    });
    return {
      ...instance,
      links,
      ...(report ? { status: report.raw } : {}),
      ...(answer.status === 'rejected'
        ? { statusError: answer.reason instanceof Error ? answer.reason.message : String(answer.reason) }
        : {}),
    };
  });

  const links = [...linkGroups].map(([link, { group, topics }]) => {
    const partitions: {
      topic: string;
      partition: number;
      end: string;
      committed: string;
      lag: string;
      heldBy: string[];
    }[] = [];
    for (const topic of [...topics].sort())
      for (const [partition, o] of [
        ...(lag.groups.get(group)?.get(topic) ?? new Map<number, PartitionOffsets>()),
      ].sort(([a], [b]) => a - b))
        partitions.push({
          topic,
          partition,
          end: o.end.toString(),
          committed: o.committed.toString(),
          lag: o.lag.toString(),
          heldBy: cluster.instances
            .filter((i) => i.links.some((l) => l.link === link && l.partitions[topic]?.includes(partition)))
            .map((i) => i.instance),
        });
    const pause = cluster.paused.get(link);
    return {
      link,
      group,
      ...(lag.error ? {} : { lag: partitions.reduce((sum, p) => sum + BigInt(p.lag), 0n).toString() }),
      partitions,
      ...(pause ? { pause } : {}),
    };
  });

  if (opts.json) {
    console.log(
      JSON.stringify(
        {
          deployment: config.kafka.groupPrefix,
          instances,
          links,
          ...(lag.error ? { lagError: lag.error } : {}),
        },
        null,
        2,
      ),
    );
    return;
  }
  const out: string[] = [
    `deployment ${config.kafka.groupPrefix}: ${instances.length} live instance${instances.length === 1 ? '' : 's'} (registry in Redis ${redisAddress(config.redis.url)})`,
  ];
  const hashes = instances.filter((i) => i.rulesHash !== undefined);
  if (new Set(hashes.map((i) => i.rulesHash)).size > 1)
    out.push(
      `MIXED RULES in the cluster: ${describeMix(hashes.map((i) => ({ instance: i.instance, hash: i.rulesHash! })))}`,
    );
  for (const instance of instances) out.push(describeInstance(instance));
  out.push('links');
  for (const l of links) {
    const held = l.partitions.filter((p) => p.heldBy.length > 0).length;
    out.push(
      `  ${l.link}  group ${l.group}  lag ${l.lag ?? '?'}  ${held}/${l.partitions.length} partitions held`,
    );
    if (l.pause) out.push(`    PAUSED: ${pausedBy(l.pause)}`);
    const loose = l.partitions.filter((p) => p.heldBy.length === 0);
    if (loose.length > 0)
      out.push(`    held by no instance (rebalancing?): ${partitionsText(byTopic(loose))}`);
  }
  for (const [link, pause] of cluster.paused)
    if (!linkGroups.has(link)) out.push(`  ${link}  PAUSED: ${pausedBy(pause)} (no live instance runs it)`);
  if (lag.error) out.push(`lag unknown: ${lag.error}`);
  console.log(out.join('\n'));
}

const CLUSTER_COLUMNS = ['link', 'state', 'partitions', 'lag', 'applied', 'dead letters', 'retries'] as const;

/** One instance: a heading line, its rules and health, then one row per link. */
function describeInstance(
  instance: Omit<LiveInstance, 'links'> & {
    readonly links: readonly InstanceLinkView[];
    readonly statusError?: string;
  },
): string {
  const echo = instance.health.echo;
  const heading = [
    instance.instance,
    instance.admin,
    `up ${duration(Date.parse(instance.heartbeatAt) - Date.parse(instance.startedAt))}`,
    `heartbeat ${(instance.heartbeatAgeMs / 1000).toFixed(1)} s ago`,
    instance.rulesHash ? `rules ${instance.rulesHash}` : undefined,
    instance.health.ready ? 'ready' : 'starting',
    `echo ${echo.state}${echo.reason ? `: ${oneLine(echo.reason)}` : ''}`,
  ]
    .filter((p) => p !== undefined)
    .join('  ');
  const lines = [heading];
  if (instance.statusError) lines.push(`  /status not answered: ${oneLine(instance.statusError)}`);
  if (instance.links.length === 0) return [...lines, '  no links yet'].join('\n');
  const rows = instance.links.map((l) => {
    const n = (key: string): string => {
      const value = l.counters?.[key];
      return value === undefined ? '-' : String(value);
    };
    return [
      l.link,
      l.state,
      partitionsText(l.partitions) || '-',
      l.lag ?? '?',
      n('applied'),
      n('deadLettered'),
      n('retries'),
    ];
  });
  const widths = CLUSTER_COLUMNS.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string =>
    `  ${cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')}`.trimEnd();
  lines.push(line(CLUSTER_COLUMNS));
  for (const [i, l] of instance.links.entries()) {
    lines.push(line(rows[i]!));
    if (l.waitingFor) lines.push(`    waiting for: ${oneLine(l.waitingFor)}`);
  }
  return lines.join('\n');
}

/** `topic[0,2] other[1]`. */
function partitionsText(partitions: Readonly<Record<string, readonly number[]>>): string {
  return Object.entries(partitions)
    .filter(([, list]) => list.length > 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([topic, list]) => `${topic}[${[...list].sort((a, b) => a - b).join(',')}]`)
    .join(' ');
}

function byTopic(partitions: readonly { topic: string; partition: number }[]): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const p of partitions) (out[p.topic] ??= []).push(p.partition);
  return out;
}

/** `1h02m`, `3m05s`, `12s`. */
function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
