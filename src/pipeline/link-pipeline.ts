import type { ChangeEvent } from '../core/change-event.js';
import { DbtwinError } from '../core/dbtwin-error.js';
import { ErrorCode } from '../core/error-codes.js';
import type { Logger } from '../core/logger.js';
import type { JsonRow } from '../core/value-json.js';
import { rowToJson } from '../core/value-json.js';
import type { DbtwinConfig, LinkConfig } from '../config/dbtwin-config.js';
import type { ErrorClassifier } from '../engines/dialect.js';
import { decodeDebeziumMessage } from '../source/debezium-decoder.js';
import type { SourceMessage } from '../source/kafka-change-source.js';
import { collapseChanges } from './change-collapser.js';
import { TableRouter } from './table-router.js';
import { TargetApplier } from './target-applier.js';
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
  /** Row changes written to the target and committed. */
  applied: number;
  /** Changes made unnecessary by a later change of the same key in the same batch. */
  superseded: number;
  /** Changes whose `dbtwin-origin` is the link's target side: never applied back (design §3.1). */
  skippedOwnOrigin: number;
  /** Tombstones, transaction markers, heartbeats, schema changes, skipped truncates. */
  skippedOther: number;
  deadLettered: number;
  /** Times a batch was retried because the target was unavailable. */
  retries: number;
}

/** What the pipeline needs from the target besides the applier: truncate, and the classifier for look-up errors. */
export interface TargetOps {
  truncate(schema: string, table: string): Promise<void>;
  readonly classifier: ErrorClassifier;
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
  readonly counters: LinkCounters = {
    received: 0,
    applied: 0,
    superseded: 0,
    skippedOwnOrigin: 0,
    skippedOther: 0,
    deadLettered: 0,
    retries: 0,
  };

  /** The pipeline of `link` writing to an opened target side. */
  static forLink(
    config: DbtwinConfig,
    link: LinkConfig,
    target: TargetSide,
    deadLetters: DeadLetterSink,
    logger: Logger,
  ): LinkPipeline {
    const router = new TableRouter(
      link,
      config.sides[link.from]!,
      config.sides[link.to]!,
      target.introspector,
    );
    return new LinkPipeline(link, router, new TargetApplier(target, link.name), target, deadLetters, logger);
  }

  constructor(
    private readonly link: LinkConfig,
    private readonly router: TableRouter,
    private readonly applier: TargetApplier,
    private readonly target: TargetOps,
    private readonly deadLetters: DeadLetterSink,
    private readonly logger: Logger,
  ) {}

  /** Processes one batch (messages of one partition, in order). Resolves once everything is committed or dead-lettered. */
  async handle(messages: readonly SourceMessage[]): Promise<void> {
    const letters: DeadLetterDraft[] = [];
    const counts = { applied: 0, superseded: 0, own: 0, other: 0 };
    let segment: Pending[] = [];
    for (const message of messages) {
      let event: ChangeEvent;
      try {
        const result = decodeDebeziumMessage(message.key, message.value, {
          side: this.link.from,
          kafka: { topic: message.topic, partition: message.partition, offset: message.offset },
          originHeader: message.headers['dbtwin-origin'],
          hopHeader: message.headers['dbtwin-hop'],
        });
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
    this.counters.received += messages.length;
    this.counters.applied += counts.applied;
    this.counters.superseded += counts.superseded;
    this.counters.skippedOwnOrigin += counts.own;
    this.counters.skippedOther += counts.other;
    this.counters.deadLettered += letters.length;
  }

  private async applySegment(
    segment: readonly Pending[],
    letters: DeadLetterDraft[],
    counts: { applied: number; superseded: number },
  ): Promise<void> {
    const byTable = new Map<string, Pending[]>();
    for (const p of segment) {
      const list = byTable.get(p.event.table) ?? [];
      list.push(p);
      byTable.set(p.event.table, list);
    }
    for (const [table, pending] of byTable) {
      let route;
      try {
        route = await this.router.route(table);
      } catch (caught) {
        const error = this.asDbtwinError(caught, `reading the catalog of ${this.link.to} for ${table}`);
        if (error.kind !== 'steering') throw error;
        for (const p of pending)
          letters.push({
            message: p.message,
            code: error.code,
            reason: error.message,
            table,
            key: rowToJson(p.event.key) ?? {},
          });
        continue;
      }
      const changes = collapseChanges(pending.map((p) => ({ event: p.event, message: p.message })));
      const outcome = await this.applier.apply(route, changes);
      counts.applied += outcome.applied;
      counts.superseded += changes.reduce((n, c) => n + c.superseded, 0);
      for (const { change, error } of outcome.rejected) {
        letters.push({
          message: change.message,
          code: error.code,
          reason: error.message,
          table,
          key: rowToJson(change.key) ?? {},
        });
      }
    }
  }

  private async truncate(
    event: ChangeEvent,
    message: SourceMessage,
    letters: DeadLetterDraft[],
    counts: { other: number; applied: number },
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
