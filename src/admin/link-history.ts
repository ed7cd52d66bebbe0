import type { LinkStatus } from '../pipeline/link-runner.js';

/** Default period between two samples: often enough for a readable curve, cheap for Kafka. */
export const DEFAULT_SAMPLE_MS = 5000;

/** Default length of the history kept per link: the dashboard's "last minutes". */
export const DEFAULT_HISTORY_MS = 10 * 60_000;

/** What the sampler reads of one link: a `LinkStatus` is one. */
export type HistoryLink = Pick<LinkStatus, 'link' | 'group' | 'topics' | 'state' | 'counters'>;

/**
 * Measures consumer lag: per consumer group, the messages of its topics not yet committed. Groups it
 * could not measure are absent from the answer; a rejection means Kafka did not answer at all.
 */
export type LagProbe = (
  groups: readonly { readonly group: string; readonly topics: readonly string[] }[],
) => Promise<ReadonlyMap<string, number>>;

/** One sample of one link. */
export interface LinkSample {
  /** When it was taken (epoch ms). */
  readonly at: number;
  readonly state: LinkStatus['state'];
  /** `counters.applied` at that time (this process's count). */
  readonly applied: number;
  /** The link's consumer-group lag in messages (the whole group, every instance); null when unknown. */
  readonly lag: number | null;
  /**
   * Changes applied per second since the previous sample of the link; null for its first sample. A
   * counter below the previous value (the runner was re-opened) counts as restarted from zero.
   */
  readonly appliedPerSecond: number | null;
}

/** Options of a {@link LinkHistory}. */
export interface LinkHistoryOptions {
  /** Period between samples, ms; default {@link DEFAULT_SAMPLE_MS}. */
  readonly sampleMs?: number;
  /** How much history to keep, ms; default {@link DEFAULT_HISTORY_MS}. */
  readonly historyMs?: number;
  /** Where lag comes from; without it every sample's lag is null. */
  readonly lag?: LagProbe;
}

/** A fixed-capacity buffer of the newest samples, oldest first when read. */
class SampleRing {
  private readonly slots: (LinkSample | undefined)[];
  private next = 0;
  private size = 0;

  constructor(capacity: number) {
    this.slots = new Array<LinkSample | undefined>(capacity);
  }

  push(sample: LinkSample): void {
    this.slots[this.next] = sample;
    this.next = (this.next + 1) % this.slots.length;
    this.size = Math.min(this.size + 1, this.slots.length);
  }

  last(): LinkSample | undefined {
    return this.size === 0 ? undefined : this.slots[(this.next - 1 + this.slots.length) % this.slots.length];
  }

  toArray(): LinkSample[] {
    const out: LinkSample[] = [];
    for (let i = this.size; i > 0; i--)
      out.push(this.slots[(this.next - i + this.slots.length) % this.slots.length]!);
    return out;
  }
}

/**
 * The recent history of each link this process runs, for the admin dashboard: every `sampleMs` it
 * reads the links, measures their consumer-group lag (one probe for all) and keeps per link a ring
 * buffer of `historyMs / sampleMs` samples; throughput is derived from the `applied` counter deltas.
 *
 * Invariants: at most one sample is in progress (a slow Kafka delays the next one instead of piling
 * them up); a link that stops appearing keeps its history until its last sample is older than
 * `historyMs`. The timer is unref'd: it never holds the process open.
 */
export class LinkHistory {
  readonly sampleMs: number;
  readonly historyMs: number;
  private readonly capacity: number;
  private readonly rings = new Map<string, SampleRing>();
  private timer: NodeJS.Timeout | undefined;
  private sampling: Promise<void> | undefined;
  private stopped = false;
  private lagFailure: string | undefined;

  constructor(
    private readonly links: () => readonly HistoryLink[],
    private readonly options: LinkHistoryOptions = {},
  ) {
    this.sampleMs = options.sampleMs ?? DEFAULT_SAMPLE_MS;
    this.historyMs = options.historyMs ?? DEFAULT_HISTORY_MS;
    this.capacity = Math.max(2, Math.ceil(this.historyMs / this.sampleMs) + 1);
  }

  /** Samples now, then every `sampleMs` until `stop()`. */
  start(): void {
    this.stopped = false;
    const tick = (): void => {
      void this.sample().finally(() => {
        if (this.stopped) return;
        this.timer = setTimeout(tick, this.sampleMs);
        this.timer.unref();
      });
    };
    tick();
  }

  /** Stops sampling; resolves once a sample in progress is done. The history stays readable. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.sampling;
  }

  /** Takes one sample of every link now (or joins the one in progress). */
  sample(): Promise<void> {
    this.sampling ??= this.sampleNow().finally(() => (this.sampling = undefined));
    return this.sampling;
  }

  /** The samples of `link`, oldest first; empty when it was never sampled. */
  series(link: string): readonly LinkSample[] {
    return this.rings.get(link)?.toArray() ?? [];
  }

  /** The newest sample of `link`. */
  latest(link: string): LinkSample | undefined {
    return this.rings.get(link)?.last();
  }

  /** Why the last lag measurement failed; undefined when it succeeded (or there is no probe). */
  lagError(): string | undefined {
    return this.lagFailure;
  }

  private async sampleNow(): Promise<void> {
    const links = this.links();
    let lags: ReadonlyMap<string, number> = new Map();
    if (this.options.lag && links.length > 0) {
      try {
        lags = await this.options.lag(links.map((l) => ({ group: l.group, topics: l.topics })));
        this.lagFailure = undefined;
      } catch (error) {
        this.lagFailure = error instanceof Error ? error.message : String(error);
      }
    }
    // Counters are read after the lag so that the two describe (nearly) the same moment.
    const at = Date.now();
    for (const now of this.links()) {
      let ring = this.rings.get(now.link);
      if (!ring) this.rings.set(now.link, (ring = new SampleRing(this.capacity)));
      const before = ring.last();
      const applied = now.counters.applied;
      const seconds = before ? (at - before.at) / 1000 : 0;
      const delta = before ? (applied >= before.applied ? applied - before.applied : applied) : 0;
      ring.push({
        at,
        state: now.state,
        applied,
        lag: lags.get(now.group) ?? null,
        appliedPerSecond: before && seconds > 0 ? delta / seconds : null,
      });
    }
    for (const [link, ring] of this.rings) {
      if (at - (ring.last()?.at ?? 0) > this.historyMs) this.rings.delete(link);
    }
  }
}
