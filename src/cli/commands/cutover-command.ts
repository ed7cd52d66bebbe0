import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import type { Redis } from 'ioredis';
import { InstanceRegistry } from '../../cluster/instance-registry.js';
import { PauseControl } from '../../cluster/pause-control.js';
import { loadConfig } from '../../config/config-loader.js';
import type { DbtwinConfig } from '../../config/dbtwin-config.js';
import { DbtwinError } from '../../core/dbtwin-error.js';
import { ErrorCode } from '../../core/error-codes.js';
import {
  linkBetween,
  measureGates,
  type GatePlan,
  type GateThresholds,
} from '../../cutover/cutover-gates.js';
import { CutoverRegistry, unknownInstance } from '../../cutover/cutover-registry.js';
import {
  failedGates,
  gateLines,
  gateReason,
  historyLine,
  statusLines,
} from '../../cutover/cutover-report.js';
import type { CutoverGateResult } from '../../cutover/cutover-state.js';
import { configOption } from '../config-option.js';

/** Exit code of a refused move, rollback or finalize (a gate failed, a race lost, not every instance moved, finalized). */
export const CUTOVER_REFUSED_EXIT = 5;

/** Codes that are refusals (exit 5), not failures (exit 1). */
const REFUSALS: readonly ErrorCode[] = [
  ErrorCode.CutoverGateFailed,
  ErrorCode.CutoverRaced,
  ErrorCode.CutoverNotUniform,
  ErrorCode.CutoverFinalized,
  ErrorCode.CutoverBusy,
];

/** How long `finalize` waits for the live instances to report the retired links paused, unless told otherwise. */
const DEFAULT_FINALIZE_WAIT_SECONDS = 15;

interface CommonOptions {
  config: string;
  json?: boolean;
}

interface GateOptions extends CommonOptions {
  force?: boolean;
  reason?: string;
  maxLag?: string;
  maxConflictsPerMinute?: string;
  conflictWindow?: string;
  tables?: string;
}

/**
 * `dbtwin cutover status|move|rollback|finalize` (design §7): moves application instances between the
 * sides one at a time, each move gated on measured lag, conflict rate and a clean verification, with
 * the state and its history in Redis (`CutoverRegistry`); each sidecar's `GET /route` answers its own
 * instance's side. Exit 0: done; 5: refused (the reason printed, with each gate's value and threshold);
 * 1: error.
 */
export function registerCutoverCommand(program: Command): void {
  const cutover = program
    .command('cutover')
    .description(
      'move application instances between the sides one at a time, gated on lag, conflicts and verification',
    );

  const common = (command: Command): Command =>
    command.addOption(configOption()).option('--json', 'print the outcome as JSON');
  const gated = (command: Command): Command =>
    common(command)
      .option('--force', 'skip the gates (recorded in the history as forced)')
      .option('--reason <text>', 'why, recorded in the history')
      .option('--max-lag <messages>', 'most unconsumed messages per link (default: cutover.maxLag, 1000)');

  common(
    cutover.command('status').description('the instances, their sides, recent history and the gates now'),
  )
    .option('--history <n>', 'history entries to show', '20')
    .action(async (opts: CommonOptions & { history: string }) => {
      await withRegistry(opts, async (config, redis, registry) => {
        const status = await registry.status();
        const plan: GatePlan = { lag: config.links, conflicts: true };
        const gates = await measureGates(config, redis, plan, thresholdsOf(config, {}));
        if (opts.json)
          console.log(JSON.stringify({ deployment: config.kafka.groupPrefix, ...status, gates }, null, 2));
        else
          for (const line of statusLines(
            config.kafka.groupPrefix,
            status,
            gates,
            whole(opts.history, '--history', 0),
          ))
            console.log(line);
      });
    });

  gated(
    cutover
      .command('move <instance>')
      .description('move an application instance to a side, if its gates hold'),
  )
    .requiredOption('--to <side>', 'the side it should write to')
    .option(
      '--max-conflicts-per-minute <n>',
      'most conflicts per minute (default: cutover.maxConflictsPerMinute, 10)',
    )
    .option(
      '--conflict-window <seconds>',
      'window of the conflict rate (default: cutover.conflictWindowSeconds, 300)',
    )
    .option(
      '-t, --tables <names>',
      'tables the verification compares, comma-separated (default: cutover.verifyTables, else all)',
    )
    .action(async (instance: string, opts: GateOptions & { to: string }) => {
      await withRegistry(opts, async (config, redis, registry) => {
        if (!Object.hasOwn(config.sides, opts.to))
          throw new DbtwinError(
            ErrorCode.ConfigInvalid,
            `--to ${opts.to}: no side ${opts.to} in ${config.file}`,
            {
              hint: `sides there: ${Object.keys(config.sides).join(', ')}`,
            },
          );
        const from = await sideOf(registry, instance);
        if (from === opts.to) {
          report(opts, { action: 'move', instance, from, to: opts.to, outcome: 'unchanged', gates: [] }, [
            `${instance} writes to ${from} already: nothing to do`,
          ]);
          return;
        }
        const forward = linkBetween(config, from, opts.to);
        const tables = opts.tables
          ?.split(',')
          .map((t) => t.trim())
          .filter((t) => t !== '');
        const verifyTables = tables && tables.length > 0 ? tables : config.cutover.verifyTables;
        const plan: GatePlan = {
          lag: [forward, linkBetween(config, opts.to, from)],
          conflicts: true,
          verify: [{ link: forward, ...(verifyTables ? { tables: verifyTables } : {}) }],
        };
        await gatedMove(config, redis, registry, opts, { instance, from, to: opts.to, kind: 'move', plan });
      });
    });

  gated(
    cutover
      .command('rollback <instance>')
      .description(
        'move an application instance back to the side it came from; gated on the lag of the link back only (the emergency path)',
      ),
  ).action(async (instance: string, opts: GateOptions) => {
    await withRegistry(opts, async (config, redis, registry) => {
      const status = await registry.status(Number.MAX_SAFE_INTEGER);
      const current = status.instances.find((i) => i.instance === instance);
      if (!current) throw unknownInstance(instance, config.kafka.groupPrefix);
      const last = status.history.findLast(
        (m) => m.instance === instance && (m.kind === 'move' || m.kind === 'rollback') && m.from !== null,
      );
      if (!last || last.from === null)
        throw new DbtwinError(
          ErrorCode.ConfigInvalid,
          `${instance} has never moved: there is nothing to roll back`,
          {
            hint: `it writes to ${current.side}; dbtwin cutover move ${instance} --to <side> moves it`,
          },
        );
      // The writes the instance made since its move must reach the side it returns to before it reads
      // there: only the link back is a gate. Conflicts and a verification are skipped on purpose — a
      // rollback is the emergency path, and they may be why it is needed.
      const plan: GatePlan = { lag: [linkBetween(config, current.side, last.from)], conflicts: false };
      await gatedMove(config, redis, registry, opts, {
        instance,
        from: current.side,
        to: last.from,
        kind: 'rollback',
        plan,
      });
    });
  });

  gated(
    cutover
      .command('finalize')
      .description(
        'once every instance writes to one side: verify every table, then stop the links into that side (nobody writes to their source any more)',
      ),
  )
    .option(
      '--wait <seconds>',
      'how long to wait for the live instances to stop the links',
      String(DEFAULT_FINALIZE_WAIT_SECONDS),
    )
    .action(async (opts: GateOptions & { wait: string }) => {
      await withRegistry(opts, async (config, redis, registry) => {
        const waitMs = whole(opts.wait, '--wait', 0) * 1000;
        const status = await registry.status(1);
        const sides = [...new Set(status.instances.map((i) => i.side))];
        if (!status.finalized && sides.length > 1) {
          const bySide = sides.map(
            (side) =>
              `${status.instances
                .filter((i) => i.side === side)
                .map((i) => i.instance)
                .join(', ')} on ${side}`,
          );
          throw new DbtwinError(
            ErrorCode.CutoverNotUniform,
            `finalize refused: the instances do not all write to one side: ${bySide.join('; ')}`,
            { hint: 'move the rest first: dbtwin cutover move <instance> --to <side>' },
          );
        }
        // Finalized already, or nothing registered: the registry refuses with the reason.
        if (status.finalized || sides.length === 0)
          await registry.finalize({ side: '-', retiredSide: '-', stoppedLinks: [], by: operator() });
        const side = sides[0]!;
        const into = config.links.filter((l) => l.to === side);
        // The last verification compares every table of every link being stopped, whatever
        // cutover.verifyTables says: after this, changes on those links' sources are not carried.
        const plan: GatePlan = {
          lag: config.links.filter((l) => l.to === side || l.from === side),
          conflicts: false,
          verify: into.map((link) => ({ link })),
        };
        const retiredSide = into.map((l) => l.from).join(',') || '-';
        const stoppedLinks = into.map((l) => l.name);
        const by = operator();
        // The gates and the finalize hold the deployment's move lock: no move runs meanwhile.
        const decided = await registry.oneAtATime(by, `finalize to ${side}`, async () => {
          const gates = opts.force
            ? []
            : await measureGates(config, redis, plan, thresholdsOf(config, opts), notice(opts));
          const failed = failedGates(gates);
          if (failed.length > 0) {
            await refuseRecorded(
              registry,
              opts,
              { refused: 'finalize', instance: '*', from: retiredSide, to: side, gates },
              gateRefusal(`finalize to ${side} refused: ${failed.map(gateReason).join('; ')}`),
            );
            return undefined;
          }
          const final = await registry.finalize({
            side,
            retiredSide,
            stoppedLinks,
            by,
            ...(opts.force ? { forced: true } : {}),
            gates,
          });
          return { gates, final };
        });
        if (!decided) return;
        const { gates, final } = decided;
        if (stoppedLinks.length > 0)
          await new PauseControl(redis, config.kafka.groupPrefix).pause(stoppedLinks, {
            by,
            at: final.at,
            reason: `retired by dbtwin cutover finalize: every application instance writes to ${side}`,
          });
        const behind = await waitPaused(config, redis, stoppedLinks, waitMs);
        const fallback = config.links.filter((l) => l.from === side).map((l) => l.name);
        report(
          opts,
          { action: 'finalize', to: side, outcome: 'finalized', gates, final, notStopped: behind },
          [
            ...(opts.force ? ['gates skipped (--force; recorded in the history)'] : gateLines(gates)),
            `finalized: every instance writes to ${side}; stopped ${stoppedLinks.join(', ') || 'no link'}; ${fallback.join(', ') || 'no link'} keeps running, so the other side stays a fallback`,
            ...(behind.length > 0
              ? [
                  `not stopped yet after ${waitMs / 1000} s on: ${behind.join('; ')} (the stop stays in force; dbtwin status shows each instance)`,
                ]
              : []),
          ],
        );
        if (behind.length > 0) process.exitCode = 1;
      });
    });
}

/**
 * Measures the plan's gates (unless `--force`), then moves the instance atomically; prints the
 * outcome. A move holds the deployment's move lock for its gates and the move (instances move one at
 * a time, design §7; `CutoverBusy` while another runs). A rollback does not wait for it: it is the
 * emergency path, gated on the lag of the link back only, and the registry still refuses it
 * atomically if the instance moved meanwhile.
 */
async function gatedMove(
  config: DbtwinConfig,
  redis: Redis,
  registry: CutoverRegistry,
  opts: GateOptions,
  move: { instance: string; from: string; to: string; kind: 'move' | 'rollback'; plan: GatePlan },
): Promise<void> {
  const { instance, from, to, kind } = move;
  const measureAndMove = async (): Promise<void> => {
    const gates = opts.force
      ? []
      : await measureGates(config, redis, move.plan, thresholdsOf(config, opts), notice(opts));
    const failed = failedGates(gates);
    const what = { action: kind, instance, from, to, gates };
    if (failed.length > 0)
      return refuseRecorded(
        registry,
        opts,
        { refused: kind, instance, from, to, gates },
        gateRefusal(
          `${kind} of ${instance} from ${from} to ${to} refused: ${failed.map(gateReason).join('; ')}`,
        ),
      );
    const entry = await registry.move({
      instance,
      from,
      to,
      kind,
      by: operator(),
      ...(opts.force ? { forced: true } : {}),
      gates,
      ...(opts.reason ? { reason: opts.reason } : {}),
    });
    report(opts, { ...what, outcome: kind === 'move' ? 'moved' : 'rolled back', entry }, [
      ...(opts.force ? ['gates skipped (--force; recorded in the history)'] : gateLines(gates)),
      `${kind === 'move' ? 'moved' : 'rolled back'}: ${historyLine(entry)}`,
      `its sidecar's /route answers ${to} from now on`,
    ]);
  };
  return kind === 'move'
    ? registry.oneAtATime(operator(), `move of ${instance} to ${to}`, measureAndMove)
    : measureAndMove();
}

/** The refusal of a move, rollback or finalize whose gates failed. */
function gateRefusal(reason: string): DbtwinError {
  return new DbtwinError(ErrorCode.CutoverGateFailed, reason, {
    hint: 'try again once it holds (lag drains, conflicts calm down; dbtwin verify --repair fixes divergent rows), or pass --force',
  });
}

/**
 * A refusal by the gates: written to the registry's history (so the audit trail holds what was asked
 * and why it was refused; a Redis failure there is reported and the refusal stands), then printed.
 */
async function refuseRecorded(
  registry: CutoverRegistry,
  opts: CommonOptions,
  asked: {
    readonly refused: 'move' | 'rollback' | 'finalize';
    readonly instance: string;
    readonly from: string;
    readonly to: string;
    readonly gates: readonly CutoverGateResult[];
  },
  error: DbtwinError,
): Promise<void> {
  const { refused, ...rest } = asked;
  const what = { action: refused, ...rest };
  try {
    const entry = await registry.recordRefusal({
      ...asked,
      by: operator(),
      reason: `[${error.code}] ${error.message}`,
    });
    refuse(opts, { ...what, entry }, error);
  } catch (cause) {
    console.error(`dbtwin: the refusal could not be written to the cutover history: ${String(cause)}`);
    refuse(opts, what, error);
  }
}

/** Prints a refusal: the gate table (or JSON) on stdout, the reason on stderr; exit 5. */
function refuse(opts: CommonOptions, what: Record<string, unknown>, error: DbtwinError): void {
  const gates = (what['gates'] ?? []) as CutoverGateResult[];
  if (opts.json)
    console.log(
      JSON.stringify({ ...what, outcome: 'refused', code: error.code, reason: error.message }, null, 2),
    );
  else if (gates.length > 0) for (const line of gateLines(gates)) console.log(line);
  console.error(`dbtwin: ${error.describe()}`);
  process.exitCode = CUTOVER_REFUSED_EXIT;
}

function report(opts: CommonOptions, what: Record<string, unknown>, lines: readonly string[]): void {
  if (opts.json) console.log(JSON.stringify(what, null, 2));
  else for (const line of lines) console.log(line);
}

/** Verification notices on stderr (stdout stays the report). */
function notice(opts: CommonOptions): (text: string) => void {
  return (text) => {
    if (!opts.json) console.error(text);
  };
}

async function sideOf(registry: CutoverRegistry, instance: string): Promise<string> {
  const { instance: found } = await registry.route(instance);
  if (!found) throw unknownInstance(instance, registry.namespace);
  return found.side;
}

function thresholdsOf(config: DbtwinConfig, opts: Partial<GateOptions>): GateThresholds {
  return {
    maxLag: opts.maxLag === undefined ? config.cutover.maxLag : whole(opts.maxLag, '--max-lag', 0),
    maxConflictsPerMinute:
      opts.maxConflictsPerMinute === undefined
        ? config.cutover.maxConflictsPerMinute
        : whole(opts.maxConflictsPerMinute, '--max-conflicts-per-minute', 0),
    conflictWindowSeconds:
      opts.conflictWindow === undefined
        ? config.cutover.conflictWindowSeconds
        : whole(opts.conflictWindow, '--conflict-window', 10),
  };
}

/**
 * Waits until every live instance running one of `links` reports it paused, up to `waitMs`; returns
 * `instance (link: state)` for those that have not.
 */
async function waitPaused(
  config: DbtwinConfig,
  redis: Redis,
  links: readonly string[],
  waitMs: number,
): Promise<string[]> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const instances = await InstanceRegistry.list(redis, config.kafka.groupPrefix);
    const behind = instances.flatMap((i) => {
      const off = i.links.filter(
        (l) => links.includes(l.link) && l.state !== 'paused' && l.state !== 'stopped',
      );
      return off.length === 0
        ? []
        : [`${i.instance} (${off.map((l) => `${l.link}: ${l.state}`).join(', ')})`];
    });
    if (behind.length === 0 || Date.now() >= deadline) return behind;
    await sleep(500);
  }
}

async function withRegistry(
  opts: CommonOptions,
  work: (config: DbtwinConfig, redis: Redis, registry: CutoverRegistry) => Promise<void>,
): Promise<void> {
  const config = await loadConfig(opts.config);
  const redis: Redis = await InstanceRegistry.connect(config.redis.url);
  try {
    await work(config, redis, new CutoverRegistry(redis, config.kafka.groupPrefix));
  } catch (error) {
    if (error instanceof DbtwinError && REFUSALS.includes(error.code)) return refuse(opts, {}, error);
    throw error;
  } finally {
    redis.disconnect();
  }
}

/** `user@host`, for the history. */
function operator(): string {
  let user = process.env['USER'] ?? process.env['LOGNAME'];
  try {
    user ??= os.userInfo().username;
  } catch {
    // No passwd entry (some containers): the host still says where it came from.
  }
  return `${user ?? 'unknown'}@${os.hostname()}`;
}

/** A whole number option of at least `min`. */
function whole(text: string, option: string, min: number): number {
  const n = /^\s*\d+\s*$/.test(text) ? Number.parseInt(text, 10) : NaN;
  if (Number.isSafeInteger(n) && n >= min) return n;
  throw new DbtwinError(
    ErrorCode.ConfigInvalid,
    `${option} ${JSON.stringify(text)}: a whole number ≥ ${min} is needed`,
  );
}
