import type { Redis } from 'ioredis';
import type { Logger } from '../core/logger.js';
import { clusterKeys } from '../core/redis-keys.js';

/** How often a running process reads the paused links; default of `PauseControl.watch`. */
export const PAUSE_POLL_MS = 1000;

/** Who paused a link, when, and why. */
export interface LinkPause {
  /** `user@host` of the operator (or what `--by` said). */
  readonly by: string;
  /** ISO time of the pause. */
  readonly at: string;
  readonly reason?: string;
}

/** Paused links of a deployment: link (`<from>-><to>`) → who paused it. */
export type PausedLinks = ReadonlyMap<string, LinkPause>;

/**
 * The links an operator paused for a whole deployment (`dbtwin pause|resume`, design §7): one Redis
 * hash, link → `{ by, at, reason? }`, that every `dbtwin run` process polls (`PAUSE_POLL_MS`). A
 * paused link finishes the batch in flight, commits and stops fetching; resuming picks up from the
 * committed offsets, so nothing is lost. The hash never expires: a pause lasts until resumed, across
 * restarts of every process.
 */
export class PauseControl {
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    namespace: string,
  ) {
    this.key = clusterKeys(namespace).paused;
  }

  /** Pauses the links (again, with the new `by`/`reason`, when already paused). */
  async pause(links: readonly string[], pause: LinkPause): Promise<void> {
    if (links.length === 0) return;
    const text = JSON.stringify(pause);
    await this.redis.hset(this.key, ...links.flatMap((l) => [l, text]));
  }

  /** Resumes the links; returns those that were paused. */
  async resume(links: readonly string[]): Promise<string[]> {
    if (links.length === 0) return [];
    const before = await this.list();
    await this.redis.hdel(this.key, ...links);
    return links.filter((l) => before.has(l));
  }

  /** The paused links. Throws when Redis does not answer. */
  async list(): Promise<Map<string, LinkPause>> {
    const all = await this.redis.hgetall(this.key);
    const out = new Map<string, LinkPause>();
    for (const [link, text] of Object.entries(all)) out.set(link, parsePause(text));
    return out;
  }

  /**
   * Calls `onChange` with the paused links now and whenever they change, polling every `everyMs`.
   * While Redis does not answer, the last known state holds (a link is not resumed because Redis is
   * down) and one warning is logged. Returns the function that stops watching.
   */
  watch(
    onChange: (paused: PausedLinks) => void,
    logger: Logger,
    everyMs = PAUSE_POLL_MS,
    initial?: PausedLinks,
  ): () => void {
    let last = initial ? fingerprint(initial) : undefined;
    let failing = false;
    let busy = false;
    const poll = async (): Promise<void> => {
      if (busy) return;
      busy = true;
      try {
        const paused = await this.list();
        const now = fingerprint(paused);
        if (failing) logger.info('paused links: Redis answers again');
        failing = false;
        if (now !== last) {
          last = now;
          onChange(paused);
        }
      } catch (error) {
        if (!failing)
          logger.warn(
            { err: error },
            'paused links: Redis did not answer; links keep their last known state',
          );
        failing = true;
      } finally {
        busy = false;
      }
    };
    if (!initial) void poll();
    const timer = setInterval(() => void poll(), everyMs);
    timer.unref();
    return () => clearInterval(timer);
  }
}

/** A stable text of the paused links, to tell a change. */
function fingerprint(paused: PausedLinks): string {
  return JSON.stringify([...paused].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** A value written by hand or by another release still pauses its link. */
function parsePause(text: string): LinkPause {
  try {
    const v = JSON.parse(text) as { by?: unknown; at?: unknown; reason?: unknown } | null;
    return {
      by: typeof v?.by === 'string' ? v.by : 'unknown',
      at: typeof v?.at === 'string' ? v.at : 'unknown',
      ...(typeof v?.reason === 'string' ? { reason: v.reason } : {}),
    };
  } catch {
    return { by: 'unknown', at: 'unknown', reason: text };
  }
}
