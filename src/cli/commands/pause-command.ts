import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import type { Redis } from 'ioredis';
import { loadConfig } from '../../config/config-loader.js';
import type { DbtwinConfig } from '../../config/dbtwin-config.js';
import { DbtwinError } from '../../core/dbtwin-error.js';
import { ErrorCode } from '../../core/error-codes.js';
import { redisAddress } from '../../core/redis-connection.js';
import { InstanceRegistry, type LiveInstance } from '../../cluster/instance-registry.js';
import { PauseControl } from '../../cluster/pause-control.js';
import { configOption } from '../config-option.js';

/** How long `dbtwin pause|resume` waits for every live instance to follow, unless told otherwise. */
export const DEFAULT_PAUSE_WAIT_SECONDS = 15;

interface PauseOptions {
  config: string;
  link?: string[];
  reason?: string;
  wait: string;
}

/**
 * `dbtwin pause|resume [--link <from>-><to>…]`: pauses or resumes links for the whole deployment
 * (design §7; default: every link of the configuration). The pause is one Redis hash every `dbtwin run`
 * process polls each second (`PauseControl`): a paused link finishes its batch in flight, commits and
 * fetches nothing more; resuming goes on from the committed offsets, so nothing is lost. The pause
 * lasts until resumed, across restarts.
 *
 * Each command prints the links it changed, then waits (`--wait`, default 15 s) until every live
 * instance of the registry that runs them reports them paused (or no longer paused), and exits 0; past
 * the wait it names the instances that have not followed and exits 1 (the pause stays in force).
 */
export function registerPauseCommand(program: Command): void {
  const common = (command: Command): Command =>
    command
      .addOption(configOption())
      .option('-l, --link <name...>', 'only these links, as <from>-><to> (default: every link)')
      .option(
        '--wait <seconds>',
        'how long to wait for every live instance to follow',
        String(DEFAULT_PAUSE_WAIT_SECONDS),
      );

  common(
    program
      .command('pause')
      .description(
        'pause links on every instance of the deployment: each finishes its batch in flight, commits, and fetches nothing until dbtwin resume',
      ),
  )
    .option('--reason <text>', 'why, shown by dbtwin status')
    .action(async (opts: PauseOptions) => {
      await withCluster(opts, async (config, redis, links, waitMs) => {
        const by = operator();
        await new PauseControl(redis, config.kafka.groupPrefix).pause(links, {
          by,
          at: new Date().toISOString(),
          ...(opts.reason ? { reason: opts.reason } : {}),
        });
        console.log(
          `paused ${links.join(', ')} for deployment ${config.kafka.groupPrefix} (by ${by}${opts.reason ? `: ${opts.reason}` : ''})`,
        );
        await follow(config, redis, links, waitMs, true);
      });
    });

  common(
    program
      .command('resume')
      .description('resume links paused with dbtwin pause, on every instance of the deployment'),
  ).action(async (opts: PauseOptions) => {
    await withCluster(opts, async (config, redis, links, waitMs) => {
      const resumed = await new PauseControl(redis, config.kafka.groupPrefix).resume(links);
      const untouched = links.filter((l) => !resumed.includes(l));
      if (resumed.length > 0)
        console.log(`resumed ${resumed.join(', ')} for deployment ${config.kafka.groupPrefix}`);
      if (untouched.length > 0) console.log(`not paused: ${untouched.join(', ')}`);
      await follow(config, redis, links, waitMs, false);
    });
  });
}

async function withCluster(
  opts: PauseOptions,
  work: (config: DbtwinConfig, redis: Redis, links: string[], waitMs: number) => Promise<void>,
): Promise<void> {
  const waitMs = Number(opts.wait) * 1000;
  if (!(waitMs >= 0))
    throw new DbtwinError(ErrorCode.ConfigInvalid, `--wait ${opts.wait} is not a number of seconds`);
  const config = await loadConfig(opts.config);
  const links = selectLinks(config, opts.link);
  const redis: Redis = await InstanceRegistry.connect(config.redis.url);
  try {
    await work(config, redis, links, waitMs);
  } catch (error) {
    if (error instanceof DbtwinError) throw error;
    throw new DbtwinError(
      ErrorCode.ServiceUnreachable,
      `Redis at ${redisAddress(config.redis.url)} stopped answering: ${error instanceof Error ? error.message : String(error)}`,
      {
        hint: 'run the command again once Redis answers; dbtwin status shows what each instance runs',
        cause: error,
      },
    );
  } finally {
    redis.disconnect();
  }
}

function selectLinks(config: DbtwinConfig, names: readonly string[] | undefined): string[] {
  const all = config.links.map((l) => l.name);
  if (!names || names.length === 0) return all;
  for (const name of names)
    if (!all.includes(name))
      throw new DbtwinError(ErrorCode.ConfigInvalid, `no link ${name} in ${config.file}`, {
        hint: `links there: ${all.join(', ') || 'none'}`,
      });
  return [...new Set(names)];
}

/** `user@host`, for the record of who paused. */
function operator(): string {
  let user: string;
  try {
    user = os.userInfo().username;
  } catch {
    user = process.env['USER'] ?? 'unknown';
  }
  return `${user}@${os.hostname()}`;
}

/**
 * Waits until every live instance running one of `links` reports it paused (`paused`) or no longer
 * paused, polling the registry; prints the outcome. Past `waitMs` it names the instances that have not
 * followed and sets exit code 1.
 */
async function follow(
  config: DbtwinConfig,
  redis: Redis,
  links: readonly string[],
  waitMs: number,
  paused: boolean,
): Promise<void> {
  const deadline = Date.now() + waitMs;
  const started = Date.now();
  for (;;) {
    const instances = await InstanceRegistry.list(redis, config.kafka.groupPrefix);
    const running = instances.filter((i) => i.links.some((l) => links.includes(l.link)));
    const behind = lagging(running, links, paused);
    if (behind.length === 0) {
      const what = paused ? 'paused' : 'running again';
      console.log(
        running.length === 0
          ? `no live instance runs ${links.join(', ')} now; instances that start will find ${links.length === 1 ? 'it' : 'them'} ${paused ? 'paused' : 'running'}`
          : `${running.length} live instance${running.length === 1 ? '' : 's'} report ${links.join(', ')} ${what} (${((Date.now() - started) / 1000).toFixed(1)} s): ${running.map((i) => i.instance).join(', ')}`,
      );
      return;
    }
    if (Date.now() >= deadline) {
      console.error(
        `dbtwin: after ${waitMs / 1000} s, not ${paused ? 'paused' : 'resumed'} yet on: ${behind.join('; ')}`,
      );
      console.error(
        paused
          ? '  the pause stays in force; a link pauses once its batch in flight is done (a link waiting for its target, once the target is back). dbtwin status shows each instance'
          : '  the links are resumed in Redis; an instance follows within a second unless it cannot reach Redis. dbtwin status shows each instance',
      );
      process.exitCode = 1;
      return;
    }
    await sleep(Math.min(500, Math.max(0, deadline - Date.now())));
  }
}

/** `instance (link: state)` for each instance whose link is not yet in the wanted state. */
function lagging(instances: readonly LiveInstance[], links: readonly string[], paused: boolean): string[] {
  const out: string[] = [];
  for (const i of instances) {
    const off = i.links.filter((l) => links.includes(l.link) && (l.state === 'paused') !== paused);
    if (off.length > 0) out.push(`${i.instance} (${off.map((l) => `${l.link}: ${l.state}`).join(', ')})`);
  }
  return out;
}
