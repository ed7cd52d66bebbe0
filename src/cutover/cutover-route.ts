import type { AdminReply } from '../admin/admin-server.js';
import type { Logger } from '../core/logger.js';
import type { CutoverRegistry } from './cutover-registry.js';

/** How long `/route` waits for Redis before it answers from its last known route; default of `CutoverRoute`. */
export const ROUTE_REDIS_TIMEOUT_MS = 500;

/** What `GET /route` answers (200). */
export interface RouteAnswer {
  readonly instance: string;
  /** The side the application instance writes to. */
  readonly side: string;
  /** Since when (ISO 8601, Redis's clock). */
  readonly since: string;
  readonly moves: number;
  /** True once the cutover is finalized: the answer will not change any more. */
  readonly finalized: boolean;
  /** Set when Redis did not answer and this is the last answer known (`error` says why). */
  readonly stale?: true;
  readonly error?: string;
}

/**
 * `GET /route` of a sidecar (`dbtwin run --instance <name>`, design §7): which side its own application
 * instance writes to, read from the cutover registry at each request (one Redis round trip), so a move
 * shows at the next request. An instance the registry does not know yet is registered at
 * `initialSide` (the configuration's `cutover.initialSide`; the final side once finalized).
 *
 * When Redis does not answer within `timeoutMs`, the last known answer is served with `stale: true`
 * (200): an application keeps writing where it wrote, and never gets a 500 for a known instance. Only
 * before any answer was ever known does it answer 503.
 */
export class CutoverRoute {
  private last: RouteAnswer | undefined;
  private failing = false;

  constructor(
    private readonly registry: CutoverRegistry,
    /** The application instance this sidecar serves. */
    readonly instance: string,
    private readonly initialSide: string,
    /** Who registers it, for the history: this process (`host:pid:adminPort`). */
    private readonly by: string,
    private readonly logger: Logger,
    private readonly timeoutMs = ROUTE_REDIS_TIMEOUT_MS,
  ) {}

  /** Registers the instance now if it is not (best effort: a failure is retried at the next request). */
  async start(): Promise<void> {
    await this.answer();
  }

  /** The reply of `GET /route`. */
  async reply(): Promise<AdminReply> {
    const answer = await this.answer();
    return answer
      ? { code: 200, body: answer }
      : {
          code: 503,
          body: {
            instance: this.instance,
            error: 'the cutover registry in Redis has not answered yet; ask again',
          },
        };
  }

  private async answer(): Promise<RouteAnswer | undefined> {
    try {
      const fresh = await withTimeout(this.read(), this.timeoutMs);
      if (this.failing) this.logger.info({ instance: this.instance }, '/route: Redis answers again');
      this.failing = false;
      this.last = fresh;
      return fresh;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (!this.failing)
        this.logger.warn(
          { err: error, instance: this.instance },
          '/route: the cutover registry did not answer; serving the last known route as stale',
        );
      this.failing = true;
      return this.last ? { ...this.last, stale: true, error: message } : undefined;
    }
  }

  private async read(): Promise<RouteAnswer> {
    let { instance, finalized } = await this.registry.route(this.instance);
    if (!instance) {
      const registered = await this.registry.register(this.instance, this.initialSide, this.by);
      if (registered.registered)
        this.logger.info(
          { instance: this.instance, side: registered.instance.side },
          `application instance ${this.instance} registered for cutover, writing to ${registered.instance.side}`,
        );
      instance = registered.instance;
      finalized ??= (await this.registry.route(this.instance)).finalized;
    }
    return {
      instance: this.instance,
      side: instance.side,
      since: instance.since,
      moves: instance.moves,
      finalized: finalized !== null,
    };
  }
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
