import type { ChangeEvent } from '../core/change-event.js';
import { DbtwinError } from '../core/dbtwin-error.js';
import { ErrorCode } from '../core/error-codes.js';
import type { Logger } from '../core/logger.js';
import type { JsonRow } from '../core/value-json.js';
import type { Row } from '../core/values.js';
import { rowToJson } from '../core/value-json.js';
import type { DbtwinConfig, LinkConfig, SideConfig } from '../config/dbtwin-config.js';
import { isOwnWriteAtCapture } from '../echo/capture-exclusion.js';
import type { EchoLayer } from '../echo/echo-store.js';
import type { LinkLoopGuard } from '../echo/link-loop-guard.js';
import type { RowFingerprint } from '../echo/row-fingerprint.js';
import type { ErrorClassifier, Introspector } from '../engines/dialect.js';
import type { ConflictRecord, MergeFunctionRunner } from '../rules/conflict-resolver.js';
import { LinkConflictRules } from '../rules/link-conflict-rules.js';
import { builtInRuleSet, usesCommitTime, type ConflictType, type RuleSet } from '../rules/rule-set.js';
import { decodeDebeziumMessage } from '../source/debezium-decoder.js';
import type { SourceMessage } from '../source/kafka-change-source.js';
import type { AppliedChanges } from './applied-changes.js';
import { collapseInRounds } from './change-collapser.js';
import { TableRouter, type TableRoute } from './table-router.js';
import { TargetApplier, type ConflictRules, type MetConflict } from './target-applier.js';
import type { TargetSide } from './target-side.js';

/** A message that cannot be applied as it is, and why; the dead-letter queue stores it whole. */
export interface DeadLetterDraft {
  readonly message: SourceMessage;
  readonly code: ErrorCode;
  readonly reason: string;
  /** Source table (`schema.table`) when it was decoded. */
  readonly table?: string;
  readonly key?: JsonRow;
}

/** Where dead letters go. Must have stored them durably when the promise resolves. */
export interface DeadLetterSink {
  addAll(letters: readonly DeadLetterDraft[]): Promise<void>;
}

/** Counters of one link; every field only grows. */
export interface LinkCounters {
  /** Kafka messages handled (all kinds). */
  received: number;
  /** Native row changes written to the target and committed (no-ops excluded: they write nothing). */
  applied: number;
  /** Changes made unnecessary by a later change of the same key in the same batch. */
  superseded: number;
  /** Changes whose `dbtwin-origin` is the link's target side: never applied back (design §3.1). */
  skippedOwnOrigin: number;
  /** Echoes of the reverse link's writes dropped because their fingerprint was pending in Redis (design §3.2). */
  echoesRedis: number;
  /**
   * Echoes dropped because their fingerprint was pending in this process's own copy while Redis no
   * longer had it (Redis flushed or restarted; both links of the pair in this process).
   */
  echoesLocal: number;
  /** dbtwin's own writes recognised at capture level: query marker, Oracle user, GTID domain (design §3.3). */
  echoesCapture: number;
  /** Changes whose row already equalled the target (or deletes of absent rows): nothing written (design §3.4). */
  noOps: number;
  /** Keys this link quarantined because they bounced between the sides too often (design §3.5). */
  breakerTrips: number;
  /** Changes not applied because their key is quarantined (dead-lettered with the key's history). */
  quarantined: number;
  /** Tombstones, transaction markers, heartbeats, schema changes, skipped truncates. */
  skippedOther: number;
  deadLettered: number;
  /** Times a batch was retried because the target was unavailable. */
  retries: number;
  /** Conflicts the shadow rules (`dbtwin run --shadow`) would have decided differently. */
  shadowDifferences: number;
  /**
   * Changes read again whose target transaction had committed already (their offsets were not
   * committed: a rebalance, a failed offset commit, a crash): skipped, so each takes effect once.
   */
  appliedBefore: number;
}

/** A fresh set of counters, every one at zero. */
export function zeroCounters(): LinkCounters {
  return {
    received: 0,
    applied: 0,
    superseded: 0,
    skippedOwnOrigin: 0,
    echoesRedis: 0,
    echoesLocal: 0,
    echoesCapture: 0,
    noOps: 0,
    breakerTrips: 0,
    quarantined: 0,
    skippedOther: 0,
    deadLettered: 0,
    retries: 0,
    shadowDifferences: 0,
    appliedBefore: 0,
  };
}

/** How many conflicts of one kind a link met (design §4 metric by table, type and outcome). */
export interface ConflictCount {
  readonly table: string;
  readonly type: ConflictType;
  readonly outcome: ConflictRecord['outcome'];
  readonly count: number;
}

/** The conflict rules a link runs (design §4): the set in force now, and the custom merge functions. */
export interface ConflictRuleSource {
  readonly current: () => RuleSet;
  readonly runFunction: MergeFunctionRunner;
  /**
   * Candidate rules (`dbtwin run --shadow <dir>`): evaluated beside the live ones on every conflict,
   * never applied; each decision that would differ is logged and counted.
   */
  readonly shadow?: { readonly current: () => RuleSet; readonly runFunction: MergeFunctionRunner };
}

/** Without a runner, a `function` strategy cannot decide: the conflict goes to an operator. */
const noFunctions: MergeFunctionRunner = (strategy) =>
  Promise.resolve({
    manual: `function ${strategy.module}: custom merge functions are not loaded in this process`,
  });

/** What the pipeline needs from the target besides the applier: truncate, and the classifier for look-up errors. */
export interface TargetOps {
  truncate(schema: string, table: string): Promise<void>;
  readonly classifier: ErrorClassifier;
}

/** What one batch did, added to the counters once the whole batch is through. */
interface Counts {
  conflicts: MetConflict<SourceMessage>[];
  /** Rows met concurrently changed, for the convergence check: source table (bare name) and key. */
  suspects: { table: string; key: Row }[];
  applied: number;
  superseded: number;
  own: number;
  capture: number;
  redis: number;
  local: number;
  noOps: number;
  tripped: number;
  other: number;
  shadow: number;
  /** Changes read again that an earlier reading committed (AppliedChanges). */
  reread: number;
}

function newCounts(): Counts {
  return {
    conflicts: [],
    suspects: [],
    applied: 0,
    superseded: 0,
    own: 0,
    capture: 0,
    redis: 0,
    local: 0,
    noOps: 0,
    tripped: 0,
    other: 0,
    shadow: 0,
    reread: 0,
  };
}

interface Pending {
  readonly event: ChangeEvent;
  readonly message: SourceMessage;
}

/**
 * The stages of one link for one batch of Kafka messages (design §1): decode → classify by origin →
 * route (names from the catalog) → collapse per key → encode + apply in one transaction per table →
 * dead-letter what cannot be applied. It throws only when the batch must be retried as a whole
 * (`abort` errors: target or Redis unavailable); then nothing was committed and the caller backs off.
 */
export class LinkPipeline {
  readonly counters: LinkCounters = zeroCounters();

  /**
   * The pipeline of `link` writing to an opened target side. With `loop` (the link's guard and the
   * source side's catalog) it suppresses echoes, records its own writes' fingerprints and runs the
   * breaker; without it (dead-letter replay) it applies only.
   */
  static forLink(
    config: DbtwinConfig,
    link: LinkConfig,
    target: TargetSide,
    deadLetters: DeadLetterSink,
    logger: Logger,
    loop?: {
      readonly guard: LinkLoopGuard;
      readonly sourceCatalog: Introspector;
      /** Where committed changes are noted until their offsets are committed (once-only apply). */
      readonly applied?: AppliedChanges;
    },
    rules?: ConflictRuleSource,
  ): LinkPipeline {
    const from = config.sides[link.from]!;
    const to = config.sides[link.to]!;
    const router = new TableRouter(link, from, to, target.introspector, loop?.sourceCatalog);
    const fallback = builtInRuleSet(Object.keys(config.sides));
    const conflictRules = new LinkConflictRules(
      link.from,
      rules?.current ?? (() => fallback),
      rules?.runFunction ?? noFunctions,
      rules?.shadow,
    );
    return new LinkPipeline(
      link,
      from,
      router,
      new TargetApplier(target, link.name, to, conflictRules),
      target,
      deadLetters,
      logger,
      loop?.guard,
      conflictRules,
      loop?.applied,
    );
  }

  /** Kafka coordinates of the changes committed by the attempts of the batch in progress. */
  private readonly committedInBatch = new Set<string>();

  /** Conflicts met, by `table\ttype\toutcome`; only grows. */
  private readonly conflicts = new Map<string, number>();

  /** Echo decisions of the batch in progress, by Kafka coordinates, kept until the batch is through. */
  private readonly echoDecisions = new Map<string, EchoLayer | null>();

  constructor(
    private readonly link: LinkConfig,
    private readonly from: SideConfig,
    private readonly router: TableRouter,
    private readonly applier: TargetApplier,
    private readonly target: TargetOps,
    private readonly deadLetters: DeadLetterSink,
    private readonly logger: Logger,
    private readonly guard?: LinkLoopGuard,
    private readonly conflictRules?: ConflictRules,
    private readonly applied?: AppliedChanges,
  ) {}

  /** Conflicts met so far, by target table, type and outcome. */
  conflictCounts(): ConflictCount[] {
    return [...this.conflicts].map(([id, count]) => {
      const [table = '', type, outcome] = id.split('\t');
      return { table, type: type as ConflictType, outcome: outcome as ConflictRecord['outcome'], count };
    });
  }

  /**
   * Called with the conflicts of each batch once the batch is through (the conflict ledger, design §4).
   * A failure there fails the batch, which is retried: the ledger misses nothing.
   */
  onConflicts?: (conflicts: readonly MetConflict<SourceMessage>[]) => Promise<void>;

  /**
   * Called with the rows of each batch met concurrently changed (`ApplyOutcome.concurrent`), once the
   * batch is through: the convergence check schedules them. Best effort: a failure is logged, the
   * batch stands.
   */
  onSuspects?: (rows: readonly { readonly table: string; readonly key: Row }[]) => Promise<void>;

  /** Processes one batch (messages of one partition, in order). Resolves once everything is committed or dead-lettered. */
  async handle(messages: readonly SourceMessage[]): Promise<void> {
    const letters: DeadLetterDraft[] = [];
    const counts = newCounts();
    // Offsets read before whose changes a target transaction already committed (the offset commit
    // did not follow: a rebalance, a crash): applied once, never again (a delta would count twice).
    // They leave before collapsing, so the changes after them collapse from where they ended.
    const again = this.applied ? await this.applied.among(this.link.name, messages) : new Set();
    counts.reread = again.size;
    let segment: Pending[] = [];
    for (const message of messages) {
      if (again.has(message)) continue;
      let event: ChangeEvent;
      try {
        const result = this.decode(message);
        if (result.kind !== 'event') {
          counts.other++;
          continue;
        }
        event = result.event;
      } catch (error) {
        if (!(error instanceof DbtwinError)) throw error;
        letters.push({ message, code: error.code, reason: error.message });
        continue;
      }
      if (event.origin === this.link.to) {
        counts.own++;
        continue;
      }
      if (isOwnWriteAtCapture(event, this.from.capture)) {
        counts.capture++;
        continue;
      }
      if (event.op === 't') {
        // Changes before the truncate are applied first, so the target sees the same order.
        await this.applySegment(segment, letters, counts);
        segment = [];
        await this.truncate(event, message, letters, counts);
        continue;
      }
      segment.push({ event, message });
    }
    await this.applySegment(segment, letters, counts);
    if (letters.length > 0) {
      try {
        await this.deadLetters.addAll(letters);
      } catch (cause) {
        throw new DbtwinError(
          ErrorCode.ServiceUnreachable,
          `link ${this.link.name}: cannot store ${letters.length} dead letter(s) in Redis`,
          {
            hint: 'the batch is retried (already applied rows are re-applied idempotently) once Redis answers',
            cause,
          },
        );
      }
      for (const l of letters) {
        this.logger.warn(
          {
            code: l.code,
            topic: l.message.topic,
            partition: l.message.partition,
            offset: l.message.offset,
            table: l.table,
            key: l.key,
          },
          `dead-lettered: ${l.reason}`,
        );
      }
    }
    // Counted only once the whole batch is through, so a retried batch is not counted twice.
    for (const m of messages) {
      this.echoDecisions.delete(coordinateOf(m));
      this.committedInBatch.delete(coordinateOf(m));
    }
    for (const met of counts.conflicts) {
      const id = `${met.table}\t${met.record.type}\t${met.record.outcome}`;
      this.conflicts.set(id, (this.conflicts.get(id) ?? 0) + 1);
    }
    if (counts.conflicts.length > 0) await this.onConflicts?.(counts.conflicts);
    if (counts.suspects.length > 0 && this.onSuspects)
      await this.onSuspects(counts.suspects).catch((error: unknown) =>
        this.logger.warn(
          { err: error, rows: counts.suspects.length },
          'could not schedule rows for the convergence check (Redis); they are checked when next met',
        ),
      );
    const c = this.counters;
    c.received += messages.length;
    c.applied += counts.applied;
    c.superseded += counts.superseded;
    c.skippedOwnOrigin += counts.own;
    c.echoesRedis += counts.redis;
    c.echoesLocal += counts.local;
    c.echoesCapture += counts.capture;
    c.noOps += counts.noOps;
    c.breakerTrips += counts.tripped;
    c.quarantined += letters.filter((l) => l.code === ErrorCode.RowQuarantined).length;
    c.skippedOther += counts.other;
    c.deadLettered += letters.length;
    c.shadowDifferences += counts.shadow;
    c.appliedBefore += counts.reread;
  }

  private async applySegment(
    segment: readonly Pending[],
    letters: DeadLetterDraft[],
    counts: Counts,
  ): Promise<void> {
    const routed: { pending: Pending; route: TableRoute }[] = [];
    const routes = new Map<string, TableRoute | null>();
    for (const p of segment) {
      let route = routes.get(p.event.table);
      if (route === undefined) {
        try {
          route = await this.router.route(p.event.table);
        } catch (caught) {
          const error = this.asDbtwinError(
            caught,
            `reading the catalog of ${this.link.to} for ${p.event.table}`,
          );
          if (error.kind !== 'steering') throw error;
          route = null;
          for (const q of segment.filter((q) => q.event.table === p.event.table))
            letters.push({
              message: q.message,
              code: error.code,
              reason: error.message,
              table: q.event.table,
              key: rowToJson(q.event.key) ?? {},
            });
        }
        routes.set(p.event.table, route);
      }
      if (route) routed.push({ pending: p, route });
    }
    const native = await this.dropEchoes(routed, counts);
    const byTable = new Map<TableRoute, Pending[]>();
    for (const { pending, route } of native) {
      const list = byTable.get(route) ?? [];
      list.push(pending);
      byTable.set(route, list);
    }
    for (const [route, pending] of byTable) {
      for (const round of collapseInRounds(pending.map((p) => ({ event: p.event, message: p.message })))) {
        // A retried batch skips what an earlier attempt already committed.
        const changes = round.filter((c) => !this.committedInBatch.has(coordinateOf(c.message)));
        const outcome = await this.applier.apply(route, changes, this.guard);
        for (const c of outcome.committed) this.committedInBatch.add(coordinateOf(c.message));
        // Every change collapsed into a committed write is noted. Held changes (dead-lettered at the
        // end of the batch) are not: a re-read after a crash must dead-letter them again.
        const held = new Set(outcome.rejected.map((r) => r.change));
        await this.applied?.note(
          this.link.name,
          outcome.committed.filter((c) => !held.has(c)).flatMap((c) => c.messages),
        );
        counts.applied += outcome.applied;
        counts.noOps += outcome.noOps;
        counts.tripped += outcome.tripped;
        for (const met of outcome.conflicts) counts.conflicts.push(met);
        const table = route.sourceInfo?.name ?? route.source.slice(route.source.indexOf('.') + 1);
        for (const change of outcome.concurrent) counts.suspects.push({ table, key: change.key });
        for (const d of outcome.shadowDifferences) {
          counts.shadow++;
          this.logger.info(
            { table: d.table, key: rowToJson(d.change.key), live: d.live, shadow: d.shadow },
            `shadow rules would decide differently: ${d.table} ${JSON.stringify(rowToJson(d.change.key))}: live ${d.live}; shadow ${d.shadow}`,
          );
        }
        counts.superseded += changes.reduce((n, c) => n + c.superseded, 0);
        for (const { change, error } of outcome.rejected) {
          letters.push({
            message: change.message,
            code: error.code,
            reason: error.message,
            table: route.source,
            key: rowToJson(change.key) ?? {},
          });
        }
      }
    }
  }

  /**
   * Echo suppression (design §3.2): one consume call for the whole segment; a change whose fingerprint
   * was pending is the echo of the reverse link's write and goes no further.
   */
  private async dropEchoes(
    routed: readonly { pending: Pending; route: TableRoute }[],
    counts: Counts,
  ): Promise<{ pending: Pending; route: TableRoute }[]> {
    const guard = this.guard;
    if (!guard || routed.length === 0) return [...routed];
    // A batch retried after a failed apply must not consume again: its echoes' fingerprints are gone.
    const decided = routed.map(({ pending }) => this.echoDecisions.get(coordinateOf(pending.message)));
    const prints = routed.map(({ pending, route }, i) =>
      decided[i] === undefined ? guard.fingerprintOf(pending.event, route) : undefined,
    );
    const known = prints.flatMap((f, i) =>
      f === undefined ? [] : [{ f, message: routed[i]!.pending.message }],
    );
    await guard.noteRead(known.map((k) => k.f));
    const layers = await guard.consume(
      known.map((k) => k.f),
      known.map(({ message }) => ({
        topic: message.topic,
        partition: message.partition,
        offset: message.offset,
      })),
    );
    const out: { pending: Pending; route: TableRoute }[] = [];
    let next = 0;
    routed.forEach((r, i) => {
      let layer = decided[i];
      if (layer === undefined) {
        layer = prints[i] === undefined ? null : (layers[next++] ?? null);
        this.echoDecisions.set(coordinateOf(r.pending.message), layer);
      }
      if (layer === 'redis') counts.redis++;
      else if (layer === 'local') counts.local++;
      else out.push(r);
    });
    return out;
  }

  /**
   * The source partition's offsets below `nextOffset` are committed: the echo verdicts kept for a
   * re-read of them go. Best effort.
   */
  async committed(topic: string, partition: number, nextOffset: string): Promise<void> {
    await this.guard?.committed(topic, partition, nextOffset);
    await this.applied?.committed(this.link.name, topic, partition, nextOffset);
  }

  /** Whether any table's rules in force decide by source commit time (then versions are noted). */
  needsCommitTimes(): boolean {
    const set = this.conflictRules?.ruleSet();
    return set !== undefined && [set.defaults, ...set.tables.values()].some(usesCommitTime);
  }

  /**
   * Notes the commit time and row state of every change of these messages whose table decides
   * conflicts by commit time (`lww` by commit time, design §4), for the reverse link's applier. Run by
   * a reader of its own, ahead of the apply stage: the reverse link may be waiting for exactly these,
   * and it must never wait for a link that is itself waiting. Best effort; never throws.
   */
  async noteCommitTimes(messages: readonly SourceMessage[]): Promise<void> {
    const guard = this.guard;
    const rules = this.conflictRules;
    if (!guard || !rules || !this.needsCommitTimes()) return;
    const seen: { fingerprint: RowFingerprint; commitMs: number }[] = [];
    for (const message of messages) {
      try {
        const result = this.decode(message);
        if (result.kind !== 'event' || result.event.op === 't') continue;
        const event = result.event;
        const route = await this.router.route(event.table);
        if (!usesCommitTime(rules.forTable(route))) continue;
        const fingerprint = guard.fingerprintOf(event, route);
        if (fingerprint) seen.push({ fingerprint, commitMs: event.sourceTsMs });
      } catch {
        // A message the link cannot decode or route is the apply stage's to report (dead letter).
      }
    }
    await guard.noteSeen(seen);
  }

  /** A message of the link's source side, decoded with its Kafka position and dbtwin's headers. */
  private decode(message: SourceMessage): ReturnType<typeof decodeDebeziumMessage> {
    return decodeDebeziumMessage(message.key, message.value, {
      side: this.link.from,
      kafka: { topic: message.topic, partition: message.partition, offset: message.offset },
      originHeader: message.headers['dbtwin-origin'],
      hopHeader: message.headers['dbtwin-hop'],
    });
  }

  private async truncate(
    event: ChangeEvent,
    message: SourceMessage,
    letters: DeadLetterDraft[],
    counts: Counts,
  ): Promise<void> {
    if (this.link.truncate === 'skip') {
      counts.other++;
      this.logger.warn(
        { table: event.table },
        `link ${this.link.name}: truncate of ${event.table} not applied (links.truncate = skip)`,
      );
      return;
    }
    try {
      const route = await this.router.route(event.table);
      await this.target.truncate(route.target.schema, route.target.name);
      counts.applied++;
    } catch (caught) {
      const error = this.asDbtwinError(caught, `truncating the target of ${event.table}`);
      if (error.kind !== 'steering') throw error;
      letters.push({ message, code: error.code, reason: error.message, table: event.table });
    }
  }

  /** Vendor errors met while reaching the target, classified: retriable → TargetUnavailable, poison → ApplyRejected. */
  private asDbtwinError(error: unknown, doing: string): DbtwinError {
    if (error instanceof DbtwinError) return error;
    const verdict = this.target.classifier.classify(error);
    const code = verdict.class === 'retriable' ? ErrorCode.TargetUnavailable : ErrorCode.ApplyRejected;
    return new DbtwinError(
      code,
      `link ${this.link.name}: ${doing} failed: ${verdict.reason} (${verdict.vendorCode})`,
      { cause: error },
    );
  }
}

function coordinateOf(message: SourceMessage): string {
  return `${message.topic}/${message.partition}/${message.offset}`;
}
