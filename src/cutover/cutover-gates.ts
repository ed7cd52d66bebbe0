import { Kafka, logLevel } from 'kafkajs';
import type { Redis } from 'ioredis';
import { ConsumerLag } from '../source/consumer-lag.js';
import { InstanceRegistry } from '../cluster/instance-registry.js';
import { PauseControl } from '../cluster/pause-control.js';
import { topicOf, type DbtwinConfig, type LinkConfig } from '../config/dbtwin-config.js';
import { DbtwinError } from '../core/dbtwin-error.js';
import { ErrorCode } from '../core/error-codes.js';
import { groupOf } from '../pipeline/link-runner.js';
import { ledgerTopic } from '../rules/conflict-ledger.js';
import { verifyPair } from './pair-verification.js';
import type { CutoverGateResult } from './cutover-state.js';

/** The thresholds of the gates: the configuration's `cutover:` section, each overridable per command. */
export interface GateThresholds {
  /** Most unconsumed messages per link (consumer-group lag). */
  readonly maxLag: number;
  /** Most conflict-ledger entries per minute over the window. */
  readonly maxConflictsPerMinute: number;
  /** The conflict window, seconds. */
  readonly conflictWindowSeconds: number;
}

/** Which gates one operation measures. */
export interface GatePlan {
  /** Links whose lag must be under the threshold (and which must be running, not paused). */
  readonly lag: readonly LinkConfig[];
  /** Whether the conflict rate is a gate. */
  readonly conflicts: boolean;
  /** Verifications that are gates (`verify <link>`): the link whose two sides are compared, and which tables (default all). */
  readonly verify?: readonly { readonly link: LinkConfig; readonly tables?: readonly string[] }[];
}

/**
 * Measures the gates of a cutover move, rollback or finalize (design §7) from sources that hold
 * cluster-wide, whichever processes run or died:
 * - `lag <link>`: the link's consumer group's lag in Kafka (end offsets minus committed offsets over
 *   the link's table topics); it fails too when the link is paused for the deployment or no live
 *   instance of the registry runs it, since its lag would then not drain;
 * - `conflicts`: entries written to the conflict ledger topic (`<groupPrefix>.conflicts`) within the
 *   window, per minute, found by offsets at the window's start time (no message is read);
 * - `verify`: divergent rows between the link's two sides (`verifyPair`, re-checking rows in flight);
 *   measured only when every other gate holds, because it is the slow one.
 *
 * A gate that cannot be measured (Kafka down) fails with the reason in `detail`. Never throws for
 * a measurement; throws DbtwinError only for a plan the configuration cannot satisfy.
 */
export async function measureGates(
  config: DbtwinConfig,
  redis: Redis,
  plan: GatePlan,
  thresholds: GateThresholds,
  onNotice: (text: string) => void = () => undefined,
): Promise<CutoverGateResult[]> {
  const [lags, conflicts] = await Promise.all([
    measureLags(config, redis, plan.lag, thresholds.maxLag),
    plan.conflicts ? measureConflicts(config, thresholds) : Promise.resolve(undefined),
  ]);
  const out = [...lags, ...(conflicts ? [conflicts] : [])];
  for (const verify of plan.verify ?? []) {
    if (out.some((g) => !g.pass))
      out.push({
        name: `verify ${verify.link.name}`,
        value: null,
        threshold: 0,
        unit: 'divergent rows',
        pass: false,
        skipped: true,
      });
    else out.push(await measureVerification(config, verify, onNotice));
  }
  return out;
}

/** The link `<from>-><to>` of the configuration; a DbtwinError naming what is missing when there is none. */
export function linkBetween(config: DbtwinConfig, from: string, to: string): LinkConfig {
  const link = config.links.find((l) => l.from === from && l.to === to);
  if (!link)
    throw new DbtwinError(
      ErrorCode.ConfigInvalid,
      `${config.file} has no link ${from}->${to}: a cutover between ${from} and ${to} needs both directions`,
      { hint: `add links: [{ from: ${from}, to: ${to} }, { from: ${to}, to: ${from} }]` },
    );
  return link;
}

async function measureLags(
  config: DbtwinConfig,
  redis: Redis,
  links: readonly LinkConfig[],
  maxLag: number,
): Promise<CutoverGateResult[]> {
  if (links.length === 0) return [];
  const namespace = config.kafka.groupPrefix;
  const groups = links.map((link) => ({
    link,
    group: groupOf(config, link),
    topics: Object.keys(link.tables).map((t) => topicOf(config.sides[link.from]!, t)),
  }));
  const probe = new ConsumerLag(config.kafka.brokers, 'dbtwin-cutover');
  const [lag, instances, paused] = await Promise.all([
    probe.measure(groups).then(
      (v) => ({ v }),
      (error: unknown) => ({ error: `Kafka did not answer: ${messageOf(error)}` }),
    ),
    InstanceRegistry.list(redis, namespace).catch(() => undefined),
    new PauseControl(redis, namespace).list().catch(() => undefined),
  ]);
  await probe.close();
  return groups.map(({ link, group }): CutoverGateResult => {
    const base = { name: `lag ${link.name}`, threshold: maxLag, unit: 'messages' };
    if ('error' in lag) return { ...base, value: null, pass: false, detail: lag.error };
    const value = lag.v.get(group) ?? 0;
    const pause = paused?.get(link.name);
    const runners = instances?.filter((i) =>
      i.links.some((l) => l.link === link.name && l.state !== 'stopped'),
    );
    const why = pause
      ? `paused by ${pause.by} at ${pause.at}${pause.reason ? `: ${pause.reason}` : ''}; its lag cannot drain`
      : runners !== undefined && runners.length === 0
        ? 'no live dbtwin instance runs it; its lag cannot drain'
        : undefined;
    return {
      ...base,
      value,
      pass: value <= maxLag && why === undefined,
      detail: why ?? `group ${group}${runners ? `, run by ${runners.length} instance(s)` : ''}`,
    };
  });
}

/** Conflict-ledger entries per minute over the window, counted by offsets at the window's start. */
async function measureConflicts(
  config: DbtwinConfig,
  thresholds: GateThresholds,
): Promise<CutoverGateResult> {
  const topic = ledgerTopic(config.kafka.groupPrefix);
  const base = {
    name: 'conflicts',
    threshold: thresholds.maxConflictsPerMinute,
    unit: `per minute over ${thresholds.conflictWindowSeconds} s`,
  };
  const admin = new Kafka({
    clientId: 'dbtwin-cutover',
    brokers: [...config.kafka.brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
    requestTimeout: 5000,
    retry: { retries: 1, initialRetryTime: 200 },
  }).admin();
  try {
    await admin.connect();
    let count = 0;
    if ((await admin.listTopics()).includes(topic)) {
      const since = Date.now() - thresholds.conflictWindowSeconds * 1000;
      const [ends, starts] = await Promise.all([
        admin.fetchTopicOffsets(topic),
        admin.fetchTopicOffsetsByTimestamp(topic, since),
      ]);
      for (const end of ends) {
        const start = starts.find((s) => s.partition === end.partition)?.offset ?? end.high;
        count += Math.max(0, Number(end.high) - Number(start));
      }
    }
    const value = Math.round((count / (thresholds.conflictWindowSeconds / 60)) * 100) / 100;
    return {
      ...base,
      value,
      pass: value <= thresholds.maxConflictsPerMinute,
      detail: `${count} ledger entries on ${topic}`,
    };
  } catch (error) {
    return { ...base, value: null, pass: false, detail: `Kafka did not answer: ${messageOf(error)}` };
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function measureVerification(
  config: DbtwinConfig,
  verify: NonNullable<GatePlan['verify']>[number],
  onNotice: (text: string) => void,
): Promise<CutoverGateResult> {
  const base = { name: `verify ${verify.link.name}`, threshold: 0, unit: 'divergent rows' };
  try {
    const report = await verifyPair(config, {
      link: verify.link.name,
      ...(verify.tables ? { tables: verify.tables } : {}),
      onNotice,
    });
    const keys = report.tables.flatMap((t) => t.divergent.map((d) => `${t.table} ${JSON.stringify(d.key)}`));
    return {
      ...base,
      value: report.divergent,
      pass: report.divergent === 0,
      detail:
        `${report.tables.length} table(s), ${report.rows} rows of ${report.sides.a} and ${report.sides.b} compared` +
        (keys.length > 0
          ? `; divergent: ${keys.slice(0, 5).join(', ')}${keys.length > 5 ? ', …' : ''} (dbtwin verify lists them all)`
          : ''),
    };
  } catch (error) {
    return { ...base, value: null, pass: false, detail: `verification failed: ${messageOf(error)}` };
  }
}

function messageOf(error: unknown): string {
  return error instanceof DbtwinError
    ? error.describe()
    : error instanceof Error
      ? error.message
      : String(error);
}
