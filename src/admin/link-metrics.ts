import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { LinkCounters } from '../pipeline/link-pipeline.js';
import type { ConflictCount, LinkStatus } from '../pipeline/link-runner.js';
import type { HealCounts } from '../rules/row-healer.js';

/**
 * What `/metrics` reads of one link: a `LinkStatus` is one. `echo` absent (a link run without echo
 * suppression) counts as not degraded.
 */
export type LinkSnapshot = Pick<LinkStatus, 'link' | 'state' | 'counters' | 'echo'> &
  Partial<Pick<LinkStatus, 'conflicts'>>;

const ECHOES = 'dbtwin_echoes_suppressed_total';
const ECHOES_HELP =
  'Changes dropped as echoes of dbtwin writes, by the layer that caught them: origin_header (design 3.1), redis and local (3.2 fingerprints; local = this process kept them while Redis lost them), capture (3.3).';

/** Where one link counter is exported; `layer` only for `dbtwin_echoes_suppressed_total`. */
interface CounterSource {
  readonly metric: string;
  readonly help: string;
  readonly layer?: 'origin_header' | 'redis' | 'local' | 'capture';
}

/**
 * Every link counter and the Prometheus counter it feeds. A `Record` over all keys of `LinkCounters`:
 * a counter added to the pipeline fails the typecheck here until it is exported too.
 */
const COUNTER_SOURCES: Record<keyof LinkCounters, CounterSource> = {
  received: {
    metric: 'dbtwin_messages_received_total',
    help: 'Kafka messages the link handled (all kinds).',
  },
  applied: {
    metric: 'dbtwin_changes_applied_total',
    help: 'Row changes written to the target and committed (no-ops excluded).',
  },
  superseded: {
    metric: 'dbtwin_changes_superseded_total',
    help: 'Changes made unnecessary by a later change of the same key in the same batch.',
  },
  skippedOwnOrigin: { metric: ECHOES, help: ECHOES_HELP, layer: 'origin_header' },
  echoesRedis: { metric: ECHOES, help: ECHOES_HELP, layer: 'redis' },
  echoesLocal: { metric: ECHOES, help: ECHOES_HELP, layer: 'local' },
  echoesCapture: { metric: ECHOES, help: ECHOES_HELP, layer: 'capture' },
  noOps: {
    metric: 'dbtwin_noops_total',
    help: 'Changes whose row already equalled the target: nothing written (design 3.4).',
  },
  breakerTrips: {
    metric: 'dbtwin_breaker_trips_total',
    help: 'Keys quarantined by the ping-pong breaker (design 3.5).',
  },
  quarantined: {
    metric: 'dbtwin_quarantined_total',
    help: 'Changes not applied because their key is quarantined (dead-lettered with its history).',
  },
  skippedOther: {
    metric: 'dbtwin_messages_skipped_total',
    help: 'Tombstones, transaction markers, heartbeats, schema changes, skipped truncates.',
  },
  deadLettered: {
    metric: 'dbtwin_dead_letters_total',
    help: 'Messages put in the dead-letter queue.',
  },
  retries: {
    metric: 'dbtwin_retries_total',
    help: 'Batch attempts that failed because the target was unavailable, then retried.',
  },
  shadowDifferences: {
    metric: 'dbtwin_shadow_differences_total',
    help: 'Conflicts the shadow rules (dbtwin run --shadow) would have decided differently; never applied.',
  },
  appliedBefore: {
    metric: 'dbtwin_changes_reread_applied_total',
    help: 'Changes read again (offsets not committed) whose target transaction had committed: skipped, applied once.',
  },
};

/** Every state a link can be in; a `Record` so a new state fails the typecheck until listed. */
const LINK_STATES: Record<LinkStatus['state'], true> = {
  starting: true,
  running: true,
  retrying: true,
  paused: true,
  stopped: true,
};

/** One link as a scrape exports it: counters already made monotonic. */
interface LinkFrame {
  readonly link: string;
  readonly state: string;
  readonly degraded: boolean;
  readonly conflicts: readonly ConflictCount[];
  readonly totals: Readonly<Record<keyof LinkCounters, number>>;
}

/**
 * The Prometheus metrics of one dbtwin process (design §7): the default process and Node.js metrics,
 * and per link its counters, its state and whether its echo suppression is degraded.
 *
 * Links are read from `links()` once per `render()`, so every metric of a scrape comes from the same
 * snapshot. Counters are monotonic even if a link's counters restart (a link re-opened, a provider
 * that rebuilds its runners): a value below the last one seen is taken as a restart from zero and the
 * exported total keeps growing from where it was. Each instance has its own `Registry`, so several in
 * one process (tests) share nothing.
 */
export class LinkMetrics {
  private readonly registry = new Registry();
  /** Per link and counter: the last value read and the total exported. */
  private readonly seen = new Map<string, { value: number; total: number }>();
  private frames: readonly LinkFrame[] = [];

  /**
   * @param convergence the convergence check's counts of this process, read at each scrape; absent:
   *   the process runs no check (no `dbtwin_convergence_rows_total`).
   */
  constructor(
    private readonly links: () => readonly LinkSnapshot[],
    convergence?: () => HealCounts | undefined,
  ) {
    collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    // prom-client calls `collect` with the metric as `this`; the frames are read through this closure.
    const frames = (): readonly LinkFrame[] => this.frames;

    const keysByMetric = new Map<string, (keyof LinkCounters)[]>();
    for (const key of Object.keys(COUNTER_SOURCES) as (keyof LinkCounters)[]) {
      const metric = COUNTER_SOURCES[key].metric;
      keysByMetric.set(metric, [...(keysByMetric.get(metric) ?? []), key]);
    }
    for (const [name, keys] of keysByMetric) {
      const layered = keys.some((k) => COUNTER_SOURCES[k].layer !== undefined);
      new Counter({
        name,
        help: COUNTER_SOURCES[keys[0]!].help,
        labelNames: layered ? ['link', 'layer'] : ['link'],
        registers,
        collect(this: Counter) {
          this.reset();
          for (const frame of frames()) {
            for (const key of keys) {
              const layer = COUNTER_SOURCES[key].layer;
              this.inc(layer ? { link: frame.link, layer } : { link: frame.link }, frame.totals[key]);
            }
          }
        },
      });
    }
    new Counter({
      name: 'dbtwin_conflicts_total',
      help: 'Conflicts detected (design §4), by target table, type (insert-exists, update-differs, update-missing, delete-differs, delete-missing) and outcome (incoming, target, merged, ignored, manual).',
      labelNames: ['link', 'table', 'type', 'outcome'],
      registers,
      collect(this: Counter) {
        this.reset();
        for (const frame of frames())
          for (const c of frame.conflicts)
            this.inc({ link: frame.link, table: c.table, type: c.type, outcome: c.outcome }, c.count);
      },
    });
    new Gauge({
      name: 'dbtwin_link_state',
      help: 'The state of each link: 1 for the state it is in, 0 for the others.',
      labelNames: ['link', 'state'],
      registers,
      collect(this: Gauge) {
        this.reset();
        for (const frame of frames()) {
          for (const state of Object.keys(LINK_STATES)) this.set({ link: frame.link, state }, 0);
          this.set({ link: frame.link, state: frame.state }, 1);
        }
      },
    });
    if (convergence)
      new Counter({
        name: 'dbtwin_convergence_rows_total',
        help: 'Rows the convergence check (rules.heal) handled, by outcome: checked, agreed, rechecked (a difference still moving, or links not caught up), healed (the winning row written over the other side), left_alone (ignore/manual tables), failed.',
        labelNames: ['outcome'],
        registers,
        collect(this: Counter) {
          this.reset();
          const counts = convergence();
          if (!counts) return;
          for (const [key, value] of Object.entries(counts) as [keyof HealCounts, number][])
            this.inc({ outcome: key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`) }, value);
        },
      });
    new Gauge({
      name: 'dbtwin_echo_degraded',
      help: 'Echo suppression in Redis is degraded (Redis unreachable, or it lost its state): 1, otherwise 0. Replication goes on.',
      labelNames: ['link'],
      registers,
      collect(this: Gauge) {
        this.reset();
        for (const frame of frames()) this.set({ link: frame.link }, frame.degraded ? 1 : 0);
      },
    });
  }

  /** The `Content-Type` of `render()`'s text (Prometheus text format 0.0.4). */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Every metric in the Prometheus text format, the links read now. */
  async render(): Promise<string> {
    // Totals are computed here, synchronously and in call order, so concurrent scrapes cannot feed
    // the monotonic accounting an older snapshot after a newer one.
    this.frames = this.links().map((link) => ({
      link: link.link,
      state: link.state,
      degraded: link.echo?.state === 'degraded',
      conflicts: link.conflicts ?? [],
      totals: this.totalsOf(link),
    }));
    return this.registry.metrics();
  }

  private totalsOf(link: LinkSnapshot): Record<keyof LinkCounters, number> {
    const totals = {} as Record<keyof LinkCounters, number>;
    for (const key of Object.keys(COUNTER_SOURCES) as (keyof LinkCounters)[]) {
      // `?? 0`: a status from a runner that does not count this yet.
      const value = Math.max(0, link.counters[key] ?? 0);
      const id = `${link.link}\0${key}`;
      const last = this.seen.get(id);
      const total =
        last === undefined ? value : last.total + (value >= last.value ? value - last.value : value);
      this.seen.set(id, { value, total });
      totals[key] = total;
    }
    return totals;
  }
}
