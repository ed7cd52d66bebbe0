import type { LiveInstance } from '../cluster/instance-registry.js';
import type { CutoverInstance, CutoverMove, CutoverReader, CutoverFinal } from '../cutover/cutover-state.js';
import type { QuarantinedRow } from '../echo/ping-pong-breaker.js';
import type { LinkStatus } from '../pipeline/link-runner.js';
import type { AdminEndpoint } from './admin-server.js';
import { DASHBOARD_HTML } from './dashboard-page.js';
import type { LinkHistory, LinkSample } from './link-history.js';

/** Default bound on each source the dashboard asks (Redis, BullMQ, the cutover registry), ms. */
export const DASHBOARD_SOURCE_TIMEOUT_MS = 2000;

/** How many cutover history entries the dashboard shows, newest first. */
export const DASHBOARD_CUTOVER_MOVES = 8;

/** How many quarantined rows the dashboard lists (it always shows how many there are). */
export const DASHBOARD_QUARANTINED_ROWS = 5;

/** What the dashboard reads; only `links` and `history` are required. */
export interface DashboardSources {
  /** The links this process runs, read at every request. */
  readonly links: () => readonly LinkStatus[];
  /** Their recent samples (lag, throughput), kept by the process. */
  readonly history: LinkHistory;
  /** This process's instance id (`host:pid:adminPort`), shown in the header. */
  readonly instance?: () => string;
  /** Dead letters waiting in the link's queue (`DeadLetterQueue.count`). */
  readonly deadLetters?: (link: string) => Promise<number>;
  /** Rows the ping-pong breaker holds in quarantine, for the whole deployment. */
  readonly quarantined?: () => Promise<readonly QuarantinedRow[]>;
  /** The cutover registry (design §7); absent: the page says it is not connected. */
  readonly cutover?: CutoverReader;
  /** The live instances of the deployment (cluster registry). */
  readonly cluster?: () => Promise<readonly LiveInstance[]>;
  /** Bound on each asynchronous source, ms; default {@link DASHBOARD_SOURCE_TIMEOUT_MS}. */
  readonly timeoutMs?: number;
}

/**
 * One part of the page read from a source that may be missing or failing: `absent` (not wired in
 * this process), `error` (it did not answer in time, or threw), `ok`. One failing source never blanks
 * the rest of the page.
 */
export type DashboardSection<T> =
  | { readonly state: 'ok'; readonly data: T }
  | { readonly state: 'absent' }
  | { readonly state: 'error'; readonly error: string };

/** The cutover state as the page shows it. */
export interface DashboardCutover {
  readonly instances: readonly CutoverInstance[];
  /** The newest {@link DASHBOARD_CUTOVER_MOVES} entries, newest first. */
  readonly recent: readonly CutoverMove[];
  readonly finalized: CutoverFinal | null;
}

/** One link as the page shows it. */
export interface DashboardLink {
  readonly link: string;
  readonly state: LinkStatus['state'];
  readonly waitingFor?: string;
  readonly pausedBy?: string;
  readonly echo: string;
  /** The newest sample's lag (messages); null when unknown. */
  readonly lag: number | null;
  /** The newest sample's throughput (applied changes/s); null before two samples. */
  readonly appliedPerSecond: number | null;
  readonly applied: number;
  readonly received: number;
  readonly deadLettered: number;
  readonly breakerTrips: number;
  readonly quarantined: number;
  readonly retries: number;
  readonly conflicts: number;
  /** Dead letters waiting in the link's queue now. */
  readonly deadLetterQueue: DashboardSection<number>;
  /** Samples within the window, oldest first: `[at, lag, appliedPerSecond]`. */
  readonly series: readonly (readonly [number, number | null, number | null])[];
}

/** Conflicts of one kind on one link (this process, since it started). */
export interface DashboardConflict {
  readonly link: string;
  readonly table: string;
  readonly type: string;
  readonly outcome: string;
  readonly count: number;
}

/** What `/dashboard/data` answers; JSON-safe. */
export interface DashboardDocument {
  readonly generatedAt: string;
  readonly now: number;
  readonly instance: string;
  readonly historyMs: number;
  readonly sampleMs: number;
  /** Why the last lag measurement failed, when it did. */
  readonly lagError?: string;
  readonly cutover: DashboardSection<DashboardCutover>;
  readonly links: readonly DashboardLink[];
  readonly conflicts: {
    readonly byType: readonly { readonly type: string; readonly count: number }[];
    readonly rows: readonly DashboardConflict[];
  };
  readonly breaker: {
    readonly trips: number;
    readonly quarantined: DashboardSection<{
      readonly total: number;
      readonly rows: readonly Pick<QuarantinedRow, 'table' | 'key' | 'trippedAt' | 'trippedBy' | 'flips'>[];
    }>;
  };
  readonly cluster: DashboardSection<
    readonly {
      readonly instance: string;
      readonly admin: string;
      readonly ready: boolean;
      readonly heartbeatAgeMs: number;
      readonly links: readonly { readonly link: string; readonly state: string }[];
    }[]
  >;
}

/**
 * The admin dashboard of a `dbtwin run` process (issue 7): `/dashboard` serves a self-contained page
 * (inline CSS, inline script, SVG charts drawn by the page; nothing fetched from elsewhere) that polls
 * `/dashboard/data` every 2 s for the document `build()` assembles — cutover state per application
 * instance, lag and throughput per link over the history window, conflicts by type, dead letters,
 * breaker trips and quarantined rows, the cluster's instances.
 *
 * Counters (applied, conflicts, trips…) are this process's since it started, like `/metrics`; lag is
 * the consumer group's, so it covers every instance running the link.
 */
export class DashboardData {
  private readonly timeoutMs: number;

  constructor(private readonly sources: DashboardSources) {
    this.timeoutMs = sources.timeoutMs ?? DASHBOARD_SOURCE_TIMEOUT_MS;
  }

  /** `/dashboard` and `/dashboard/data`, for `AdminState.endpoints`. */
  endpoints(): ReadonlyMap<string, AdminEndpoint> {
    return new Map<string, AdminEndpoint>([
      ['/dashboard', () => ({ code: 200, body: DASHBOARD_HTML, contentType: 'text/html; charset=utf-8' })],
      ['/dashboard/data', async () => ({ code: 200, body: await this.build() })],
    ]);
  }

  /** The document the page renders, every source read now (concurrently, each bounded). */
  async build(): Promise<DashboardDocument> {
    const s = this.sources;
    const links = s.links();
    const [cutover, quarantined, cluster, ...queues] = await Promise.all([
      this.section(s.cutover && (() => s.cutover!.status())),
      this.section(s.quarantined),
      this.section(s.cluster),
      ...links.map((l) => this.section(s.deadLetters && (() => s.deadLetters!(l.link)))),
    ]);
    const now = Date.now();
    const rows = links.flatMap((l) => l.conflicts.map((c) => ({ link: l.link, ...c })));
    const byType = new Map<string, number>();
    for (const c of rows) byType.set(c.type, (byType.get(c.type) ?? 0) + c.count);
    const lagError = s.history.lagError();
    return {
      generatedAt: new Date(now).toISOString(),
      now,
      instance: s.instance?.() ?? '',
      historyMs: s.history.historyMs,
      sampleMs: s.history.sampleMs,
      ...(lagError ? { lagError } : {}),
      cutover: mapSection(cutover, (status) => ({
        instances: [...status.instances].sort((a, b) => a.instance.localeCompare(b.instance)),
        recent: status.history.slice(-DASHBOARD_CUTOVER_MOVES).reverse(),
        finalized: status.finalized,
      })),
      links: links.map((l, i) => this.linkView(l, queues[i] as DashboardSection<number>, now)),
      conflicts: {
        byType: [...byType].map(([type, count]) => ({ type, count })).sort((a, b) => b.count - a.count),
        rows: rows.sort((a, b) => b.count - a.count),
      },
      breaker: {
        trips: links.reduce((n, l) => n + l.counters.breakerTrips, 0),
        quarantined: mapSection(quarantined, (all) => ({
          total: all.length,
          rows: all
            .slice(-DASHBOARD_QUARANTINED_ROWS)
            .reverse()
            .map((r) => ({
              table: r.table,
              key: r.key,
              trippedAt: r.trippedAt,
              trippedBy: r.trippedBy,
              flips: r.flips,
            })),
        })),
      },
      cluster: mapSection(cluster, (instances) =>
        instances.map((i) => ({
          instance: i.instance,
          admin: i.admin,
          ready: i.health.ready,
          heartbeatAgeMs: i.heartbeatAgeMs,
          links: i.links.map((l) => ({ link: l.link, state: l.state })),
        })),
      ),
    };
  }

  private linkView(l: LinkStatus, queue: DashboardSection<number>, now: number): DashboardLink {
    const history = this.sources.history;
    const latest: LinkSample | undefined = history.latest(l.link);
    return {
      link: l.link,
      state: l.state,
      ...(l.waitingFor ? { waitingFor: l.waitingFor } : {}),
      ...(l.pause ? { pausedBy: `${l.pause.by}${l.pause.reason ? `: ${l.pause.reason}` : ''}` } : {}),
      echo: l.echo ? (l.echo.state === 'ok' ? 'ok' : `degraded: ${l.echo.reason ?? ''}`) : 'off',
      lag: latest?.lag ?? null,
      appliedPerSecond: latest?.appliedPerSecond ?? null,
      applied: l.counters.applied,
      received: l.counters.received,
      deadLettered: l.counters.deadLettered,
      breakerTrips: l.counters.breakerTrips,
      quarantined: l.counters.quarantined,
      retries: l.counters.retries,
      conflicts: l.conflicts.reduce((n, c) => n + c.count, 0),
      deadLetterQueue: queue,
      series: history
        .series(l.link)
        .filter((p) => now - p.at <= history.historyMs)
        .map((p) => [p.at, p.lag, roundRate(p.appliedPerSecond)] as const),
    };
  }

  /** Reads one optional source, bounded by the timeout; never rejects. */
  private async section<T>(read: (() => Promise<T>) | undefined): Promise<DashboardSection<T>> {
    if (!read) return { state: 'absent' };
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    try {
      return { state: 'ok', data: await Promise.race([read(), late]) };
    } catch (error) {
      return { state: 'error', error: error instanceof Error ? error.message : String(error) };
    } finally {
      clearTimeout(timer);
    }
  }
}

function mapSection<T, U>(section: DashboardSection<T>, map: (data: T) => U): DashboardSection<U> {
  return section.state === 'ok' ? { state: 'ok', data: map(section.data) } : section;
}

/** Two decimals are plenty for a chart and keep the document small. */
function roundRate(rate: number | null): number | null {
  return rate === null ? null : Math.round(rate * 100) / 100;
}
