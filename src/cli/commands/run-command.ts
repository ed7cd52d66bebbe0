import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { adminAddressOf } from '../../admin/admin-address.js';
import { AdminServer, type AdminEndpoint } from '../../admin/admin-server.js';
import { DASHBOARD_CUTOVER_MOVES, DashboardData } from '../../admin/dashboard-data.js';
import { ConsumerLag } from '../../source/consumer-lag.js';
import { LinkHistory } from '../../admin/link-history.js';
import { CutoverRegistry } from '../../cutover/cutover-registry.js';
import { CutoverRoute } from '../../cutover/cutover-route.js';
import { DbtwinError } from '../../core/dbtwin-error.js';
import { ErrorCode } from '../../core/error-codes.js';
import { createLogger } from '../../core/logger.js';
import { loadConfig } from '../../config/config-loader.js';
import type { DbtwinConfig, LinkConfig } from '../../config/dbtwin-config.js';
import { DeadLetterQueue } from '../../pipeline/dead-letter-queue.js';
import { LinkRunner } from '../../pipeline/link-runner.js';
import { LoopGuard } from '../../echo/loop-guard.js';
import { ConflictLedger, ledgerTopic } from '../../rules/conflict-ledger.js';
import { RulesRuntime } from '../../rules/rules-runtime.js';
import { RulesHashRegistry } from '../../cluster/rules-hash-registry.js';
import { InstanceRegistry, type InstanceReport } from '../../cluster/instance-registry.js';
import { PauseControl, type PausedLinks } from '../../cluster/pause-control.js';
import { RowHealer } from '../../rules/row-healer.js';
import { configOption } from '../config-option.js';

/**
 * `dbtwin run [--link <from>-><to>]…`: runs every link of the configuration (or the named ones) in this
 * process until SIGINT/SIGTERM, then stops gracefully: each link finishes its batch, commits, leaves
 * its consumer group. Several processes running the same links share the partitions (design §7): each
 * registers itself in Redis (`InstanceRegistry`, what `dbtwin status` lists) and follows the links
 * paused for the whole deployment (`PauseControl`, `dbtwin pause|resume`).
 */
export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('run the replication links of the configuration (all, or those named with --link)')
    .addOption(configOption())
    .option('-l, --link <name...>', 'only these links, as <from>-><to>')
    .option('--admin-port <port>', 'admin HTTP port (0 = any free port; default from the config)')
    .option(
      '--instance <name>',
      'the application instance this sidecar serves: GET /route answers the side it writes to (dbtwin cutover); default $DBTWIN_INSTANCE',
      process.env['DBTWIN_INSTANCE'] || undefined,
    )
    .option(
      '--shadow <dir>',
      'candidate rules: evaluated beside the live ones on every conflict and never applied; each decision that would differ is logged ("shadow rules would decide differently") and counted (dbtwin_shadow_differences_total)',
    )
    .action(
      async (opts: {
        config: string;
        link?: string[];
        adminPort?: string;
        shadow?: string;
        instance?: string;
      }) => {
        const config = await loadConfig(opts.config);
        await runLinks(
          config,
          selectLinks(config, opts.link),
          opts.adminPort === undefined ? config.admin.port : Number(opts.adminPort),
          opts.shadow,
          opts.instance,
        );
      },
    );
}

function selectLinks(config: DbtwinConfig, names: readonly string[] | undefined): LinkConfig[] {
  if (!names || names.length === 0) return [...config.links];
  return names.map((name) => {
    const link = config.links.find((l) => l.name === name);
    if (!link) {
      throw new DbtwinError(ErrorCode.ConfigInvalid, `no link ${name} in ${config.file}`, {
        hint: `links there: ${config.links.map((l) => l.name).join(', ') || 'none'}`,
      });
    }
    return link;
  });
}

async function runLinks(
  config: DbtwinConfig,
  links: readonly LinkConfig[],
  adminPort: number,
  shadowDir?: string,
  appInstance?: string,
): Promise<void> {
  const logger = createLogger('dbtwin');
  const runners: LinkRunner[] = [];
  const sinks: DeadLetterQueue[] = [];
  // One loop guard for the process: links of a pair in one process share its local fingerprints.
  const loop = LoopGuard.open(config, logger);
  const ledger = new ConflictLedger(config.kafka.brokers, ledgerTopic(config.kafka.groupPrefix));
  let rules: RulesRuntime | undefined;
  let shadow: RulesRuntime | undefined;
  let registry: RulesHashRegistry | undefined;
  let cluster: InstanceRegistry | undefined;
  let healer: RowHealer | undefined;
  let unwatch: (() => void) | undefined;
  let paused: PausedLinks = new Map();
  let ready = false;
  let instance = '';
  // The admin dashboard (/dashboard): lag and throughput per link sampled by this process, the rest
  // read from Redis at each poll.
  const dashboardLag = new ConsumerLag(config.kafka.brokers, 'dbtwin-dashboard');
  const cutover = new CutoverRegistry(loop.redis, config.kafka.groupPrefix);
  // GET /route: the side this sidecar's application instance writes to (dbtwin cutover).
  const route =
    appInstance === undefined
      ? undefined
      : new CutoverRoute(
          cutover,
          appInstance,
          config.cutover.initialSide,
          `dbtwin run ${os.hostname()}:${process.pid}`,
          logger,
        );
  const routeEndpoint: AdminEndpoint = () =>
    route?.reply() ?? {
      code: 404,
      body: { error: 'this dbtwin run serves no application instance: start it with --instance <name>' },
    };
  const history = new LinkHistory(() => runners.map((r) => r.status()), {
    lag: (groups) => dashboardLag.measure(groups),
  });
  const dashboard = new DashboardData({
    links: () => runners.map((r) => r.status()),
    history,
    instance: () => instance,
    // `sinks` is filled in the order of `links` as they open.
    deadLetters: async (link) => {
      const sink = sinks[links.findIndex((l) => l.name === link)];
      if (!sink) throw new Error(`link ${link} is not open yet`);
      return sink.count();
    },
    quarantined: () => loop.breaker.list(),
    cluster: () => InstanceRegistry.list(loop.redis, config.kafka.groupPrefix),
    // Only the newest moves are shown: no need to read the registry's whole history every 2 s.
    cutover: { status: () => cutover.status(DASHBOARD_CUTOVER_MOVES) },
  });
  const admin = new AdminServer(
    {
      ready: () => ready,
      status: () => ({
        config: config.file,
        pid: process.pid,
        instance,
        rules: rules
          ? { ...rules.status(), ...(registry ? { cluster: registry.snapshot() } : {}) }
          : undefined,
        ...(shadow ? { shadowRules: shadow.status() } : {}),
        ...(healer ? { convergenceCheck: healer.counts } : {}),
        links: runners.map((r) => r.status()),
      }),
      links: () => runners.map((r) => r.status()),
      convergence: () => healer?.counts,
      endpoints: new Map([...dashboard.endpoints(), ['/route', routeEndpoint]]),
    },
    adminPort,
    config.admin.host,
  );
  const port = await admin.start();
  instance = `${os.hostname()}:${process.pid}:${port}`;
  history.start();
  logger.info({ adminPort: port, links: links.map((l) => l.name) }, 'dbtwin starting');

  let stopping: Promise<void> | undefined;
  const stop = (signal: string): Promise<void> =>
    (stopping ??= (async () => {
      logger.info({ signal }, 'stopping: finishing batches, committing, leaving groups');
      ready = false;
      unwatch?.();
      await history.stop();
      await dashboardLag.close();
      await Promise.allSettled(runners.map((r) => r.stop()));
      await healer?.stop();
      await Promise.allSettled(sinks.map((s) => s.close()));
      // Deregistered after the links left their groups (their partitions are gone from the record by
      // then) and before the Redis connection closes.
      await cluster?.stop();
      await registry?.stop();
      await loop.close();
      await ledger.close().catch(() => undefined);
      await rules?.close();
      await shadow?.close();
      await admin.stop();
      logger.info('stopped');
    })());
  const stopped = new Promise<void>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const)
      process.once(signal, () => void stop(signal).then(resolve));
  });

  try {
    await loop.ready();
    await ledger.open();
    rules = await RulesRuntime.open(config, logger);
    if (shadowDir !== undefined) {
      shadow = await RulesRuntime.open(config, logger.child({ shadow: true }), path.resolve(shadowDir));
      logger.info(
        { shadowRules: shadow.status() },
        `shadow rules from ${shadowDir}: evaluated beside the live rules, never applied`,
      );
    }
    const live = rules;
    registry = new RulesHashRegistry(
      loop.redis,
      config.kafka.groupPrefix,
      `${os.hostname()}:${process.pid}:${port}`,
      () => live.status().hash,
      logger,
    );
    await registry.start();
    const registered = new InstanceRegistry(
      loop.redis,
      config.kafka.groupPrefix,
      instance,
      (): InstanceReport => ({
        admin: advertisedAdmin(config.admin.host, port),
        host: os.hostname(),
        pid: process.pid,
        config: config.file,
        links: runners.map((r) => {
          const s = r.status();
          return {
            link: s.link,
            group: s.group,
            topics: s.topics,
            state: s.state,
            partitions: s.partitions,
            ...(s.waitingFor ? { waitingFor: s.waitingFor } : {}),
          };
        }),
        rulesHash: live.status().hash,
        health: { ready, echo: loop.echoes.state() },
      }),
      logger,
    );
    cluster = registered;
    await registered.start();
    await route?.start();
    paused = await new PauseControl(loop.redis, config.kafka.groupPrefix).list().catch((error: unknown) => {
      logger.warn(
        { err: error },
        'could not read the paused links from Redis; starting every link unpaused until Redis answers',
      );
      return new Map();
    });
    if (paused.size > 0)
      logger.info({ paused: Object.fromEntries(paused) }, 'links paused for the deployment (dbtwin resume)');
    unwatch = new PauseControl(loop.redis, config.kafka.groupPrefix).watch(
      (now) => {
        paused = now;
        for (const r of runners) r.setPause(now.get(r.link.name));
        registered.touch();
      },
      logger,
      undefined,
      paused,
    );
    const source = shadow ? { ...rules.source, shadow: shadow.source } : rules.source;
    if (config.rules.heal.enabled) {
      healer = new RowHealer(config, loop.redis, loop.echoes, loop.states, live.source.current, logger, {
        quietMs: config.rules.heal.quietMs,
      });
      healer.start();
    }
    const checker = healer;
    for (const link of links) {
      const sink = DeadLetterQueue.forLink(config, link);
      sinks.push(sink);
      const runner = await LinkRunner.open(config, link, sink, logger, loop, source);
      runner.pipeline.onConflicts = (conflicts) => ledger.publish(link, conflicts);
      if (checker) runner.pipeline.onSuspects = (rows) => checker.schedule(link.name, rows);
      runner.onChange = () => registered.touch();
      runner.setPause(paused.get(link.name));
      runners.push(runner);
      await runner.start();
    }
  } catch (error) {
    await stop('startup failure');
    throw error;
  }
  ready = true;
  cluster.touch();
  await stopped;
}

/**
 * The admin URL other hosts reach this process by: the bind address, or this host's name when it
 * binds every address (`0.0.0.0`, `::`, as in containers), where the loopback would name the reader's
 * own host.
 */
function advertisedAdmin(host: string, port: number): string {
  const wildcard = host === '0.0.0.0' || host === '::' || host === '[::]';
  return adminAddressOf(wildcard ? os.hostname() : host, port).url;
}
