import { setTimeout as sleep } from 'node:timers/promises';
import { DbtwinError } from '../core/dbtwin-error.js';
import type { Logger } from '../core/logger.js';
import { topicOf, type DbtwinConfig, type LinkConfig } from '../config/dbtwin-config.js';
import {
  KafkaChangeSource,
  type BatchControl,
  type PartitionAssignment,
  type SourceMessage,
} from '../source/kafka-change-source.js';
import { KafkaTopics } from '../source/kafka-topics.js';
import {
  LinkPipeline,
  type ConflictCount,
  type ConflictRuleSource,
  type DeadLetterSink,
  type LinkCounters,
} from './link-pipeline.js';
import { openSideCatalog, openTargetSide, type SideCatalog, type TargetSide } from './target-side.js';
import type { EchoHealth } from '../echo/echo-store.js';
import type { LoopGuard } from '../echo/loop-guard.js';
import type { LinkPause } from '../cluster/pause-control.js';

/** How often a link looks for table topics that did not exist yet. */
const TOPIC_WATCH_MS = 3000;

/** How often a pausing link checks whether its batch in flight is done. */
const PAUSE_SETTLE_CHECK_MS = 100;

/** What `/status` and `dbtwin status` show of a link. */
export type { ConflictCount } from './link-pipeline.js';

export interface LinkStatus {
  readonly link: string;
  readonly group: string;
  readonly topics: readonly string[];
  /**
   * `paused`: paused for the whole deployment (`dbtwin pause`), the batch in flight done and committed,
   * nothing being fetched. Until the batch in flight is done the link shows what it was doing.
   */
  readonly state: 'starting' | 'running' | 'retrying' | 'paused' | 'stopped';
  /** Table topics that do not exist yet (Debezium creates a table's topic on its first change). */
  readonly missingTopics: readonly string[];
  readonly counters: Readonly<LinkCounters>;
  /** The last reason the link is waiting for its target, while `retrying`. */
  readonly waitingFor?: string;
  /** Echo suppression's health (design §3: degraded while Redis is down or after it lost its state). */
  readonly echo?: EchoHealth;
  /** Conflicts met so far (design §4), by target table, type and outcome. */
  readonly conflicts: readonly ConflictCount[];
  /** Partitions of the link's topics this process holds: `{}` while the group rebalances. */
  readonly partitions: PartitionAssignment;
  /** Who paused the link and when, while it is paused (or pausing). */
  readonly pause?: LinkPause;
}

/** The consumer group of a link, shared by every instance that runs it. */
export function groupOf(config: DbtwinConfig, link: LinkConfig): string {
  return `${config.kafka.groupPrefix}.${link.from}-to-${link.to}`;
}

/**
 * Runs one link: a Kafka consumer group over the source side's table topics feeding the link's
 * pipeline, with offsets committed only after the target transaction (and any dead letters) are
 * durable. While the target is unavailable the affected partition is paused and the batch retried
 * with exponential backoff (`link.retry`), heartbeating so the group keeps the partition; it resumes
 * by itself. Other partitions go on.
 */
export class LinkRunner {
  private state: LinkStatus['state'] = 'starting';
  private waitingFor: string | undefined;
  private source: KafkaChangeSource | undefined;
  /** The reader that notes commit times ahead of the apply stage (`lww` by commit time); started when rules need it. */
  private versionSource: KafkaChangeSource | undefined;
  private versionTopics: readonly string[] = [];
  private subscribed: readonly string[] = [];
  private watch: NodeJS.Timeout | undefined;
  private resubscribing: Promise<void> = Promise.resolve();
  /** The operator's pause of this link (`dbtwin pause`), while in force. */
  private pauseInfo: LinkPause | undefined;
  private settleCheck: NodeJS.Timeout | undefined;
  private wasPaused = false;
  /**
   * Called when something others should see at once changed: the partitions held, the link paused
   * (its batch in flight done) or resumed. The process refreshes its entry in the cluster registry.
   */
  onChange: (() => void) | undefined;

  private constructor(
    readonly link: LinkConfig,
    private readonly config: DbtwinConfig,
    private readonly group: string,
    private readonly topics: readonly string[],
    readonly pipeline: LinkPipeline,
    private readonly target: TargetSide,
    private readonly logger: Logger,
    private readonly loop?: { readonly guard: LoopGuard; readonly catalog: SideCatalog },
  ) {}

  /** Connects to the target and prepares the consumer (not started yet). */
  /**
   * Connects to the target (and, with `guard`, to the source side's catalog, for fingerprints) and
   * prepares the consumer (not started yet). `guard` is the process's loop protection; without it the
   * link applies what it reads with no echo suppression (only for tools and tests).
   */
  static async open(
    config: DbtwinConfig,
    link: LinkConfig,
    deadLetters: DeadLetterSink,
    logger: Logger,
    guard?: LoopGuard,
    rules?: ConflictRuleSource,
  ): Promise<LinkRunner> {
    const log = logger.child({ link: link.name });
    const from = config.sides[link.from]!;
    const target = await openTargetSide(config, link.to);
    let catalog: SideCatalog | undefined;
    try {
      catalog = guard ? await openSideCatalog(config, link.from) : undefined;
    } catch (error) {
      await target.close();
      throw error;
    }
    const loop = guard && catalog ? { guard, catalog } : undefined;
    const pipeline = LinkPipeline.forLink(
      config,
      link,
      target,
      deadLetters,
      log,
      loop
        ? { guard: guard!.forLink(link), sourceCatalog: catalog!.introspector, applied: guard!.applied }
        : undefined,
      rules,
    );
    const topics = Object.keys(link.tables).map((t) => topicOf(from, t));
    return new LinkRunner(link, config, groupOf(config, link), topics, pipeline, target, log, loop);
  }

  /**
   * Joins the group over the table topics that exist and starts applying. Topics that do not exist
   * yet are watched for (every `TOPIC_WATCH_MS`); when one appears the consumer re-subscribes, so a
   * table whose first change comes later is picked up without a restart.
   */
  async start(): Promise<void> {
    await this.subscribe();
    await this.readCommitTimes();
    this.state = 'running';
    const missing = this.missing();
    this.logger.info(
      { group: this.group, topics: this.subscribed, missingTopics: missing },
      `link ${this.link.name} running`,
    );
    this.watch = setInterval(() => {
      this.resubscribing = this.resubscribing
        .then(() => this.subscribe())
        .then(() => this.readCommitTimes())
        .catch((error: unknown) => {
          this.logger.warn(
            { err: error },
            `link ${this.link.name}: checking for new topics failed; will try again`,
          );
        });
    }, TOPIC_WATCH_MS);
  }

  /** Finishes the batch in flight, commits, leaves the group, closes the target pool. */
  async stop(): Promise<void> {
    clearInterval(this.watch);
    clearInterval(this.settleCheck);
    await this.resubscribing;
    await this.versionSource?.stop();
    await this.source?.stop();
    await this.target.close();
    await this.loop?.catalog.close();
    this.state = 'stopped';
  }

  private missing(): string[] {
    return this.topics.filter((t) => !this.subscribed.includes(t));
  }

  /** (Re)starts the consumer when the set of existing table topics grew. */
  private async subscribe(): Promise<void> {
    if (this.subscribed.length === this.topics.length) return;
    const existing = await new KafkaTopics(this.config.kafka.brokers).existing(this.topics);
    if (existing.length === this.subscribed.length) return;
    await this.source?.stop();
    const source = new KafkaChangeSource({
      brokers: this.config.kafka.brokers,
      groupId: this.group,
      clientId: `dbtwin-${this.link.from}-to-${this.link.to}`,
      topics: existing,
      // A new group starts at the beginning: the topics hold exactly what the snapshot and the
      // stream captured, and applying it is idempotent.
      fromBeginning: true,
      concurrency: this.link.concurrency,
      onAssignment: (assignment) => {
        this.logger.info({ partitions: assignment }, `link ${this.link.name}: partitions held`);
        this.onChange?.();
      },
      onCommitted: (topic, partition, next) => this.pipeline.committed(topic, partition, next),
      logger: this.logger,
    });
    // A paused link joins paused: the new consumer fetches nothing until the link is resumed.
    if (this.pauseInfo) source.pause();
    await source.start((messages, control) => this.handle(messages, control));
    this.logger.info(
      { topics: existing },
      this.subscribed.length > 0
        ? `link ${this.link.name}: new topics, consumer re-subscribed`
        : `link ${this.link.name}: consumer subscribed`,
    );
    this.source = source;
    this.subscribed = existing;
  }

  /**
   * While any table's rules decide by commit time, a second consumer (group `<link group>.versions`)
   * reads the same topics ahead of the apply stage and notes each change's commit time: the reverse
   * link's applier waits for those, and must not wait for this link's apply stage, which may itself be
   * waiting for the reverse link (design §4, `lww` by commit time).
   */
  private async readCommitTimes(): Promise<void> {
    if (!this.loop || !this.pipeline.needsCommitTimes()) return;
    if (this.versionSource && this.versionTopics.length === this.subscribed.length) return;
    if (this.subscribed.length === 0) return;
    await this.versionSource?.stop();
    const source = new KafkaChangeSource({
      brokers: this.config.kafka.brokers,
      groupId: `${this.group}.versions`,
      clientId: `dbtwin-${this.link.from}-to-${this.link.to}-versions`,
      topics: this.subscribed,
      fromBeginning: true,
      concurrency: this.link.concurrency,
      logger: this.logger,
    });
    await source.start((messages) => this.pipeline.noteCommitTimes(messages));
    this.versionSource = source;
    this.versionTopics = this.subscribed;
    this.logger.info(
      { group: `${this.group}.versions`, topics: this.subscribed },
      `link ${this.link.name}: reading commit times ahead of the apply stage (lww by commit time)`,
    );
  }

  /**
   * Pauses the link for the operator (`pause`), or resumes it (`undefined`). Pausing lets the batch
   * in flight finish and commit, then fetches nothing; the state turns `paused` once that is done.
   * Resuming fetches again from the committed offsets.
   */
  setPause(pause: LinkPause | undefined): void {
    const was = this.pauseInfo;
    this.pauseInfo = pause;
    if (pause && !was) {
      // Only the apply consumer: the commit-time reader (lww by commit time) writes nothing to the
      // target, and the reverse link may be waiting for the commit times it notes.
      this.source?.pause();
      this.logger.info(
        { by: pause.by, reason: pause.reason },
        `link ${this.link.name}: pausing (finishing the batch in flight)`,
      );
      clearInterval(this.settleCheck);
      this.settleCheck = setInterval(() => this.checkSettled(), PAUSE_SETTLE_CHECK_MS);
      this.settleCheck.unref();
      this.checkSettled();
    } else if (!pause && was) {
      clearInterval(this.settleCheck);
      this.source?.resume();
      this.wasPaused = false;
      this.logger.info(`link ${this.link.name}: resumed`);
      this.onChange?.();
    }
  }

  private paused(): boolean {
    return this.pauseInfo !== undefined && (this.source === undefined || this.source.settled());
  }

  private checkSettled(): void {
    if (!this.paused() || this.wasPaused) return;
    this.wasPaused = true;
    clearInterval(this.settleCheck);
    this.logger.info(`link ${this.link.name}: paused (batch in flight committed; fetching nothing)`);
    this.onChange?.();
  }

  status(): LinkStatus {
    return {
      link: this.link.name,
      group: this.group,
      topics: this.topics,
      state: this.state !== 'stopped' && this.state !== 'starting' && this.paused() ? 'paused' : this.state,
      missingTopics: this.missing(),
      counters: { ...this.pipeline.counters },
      conflicts: this.pipeline.conflictCounts(),
      partitions: this.source?.partitions() ?? {},
      ...(this.pauseInfo ? { pause: this.pauseInfo } : {}),
      ...(this.waitingFor ? { waitingFor: this.waitingFor } : {}),
      ...(this.loop ? { echo: this.loop.guard.echoes.state() } : {}),
    };
  }

  /**
   * One fetched batch, in chunks of at most `link.batchMaxRows` messages, each chunk one target
   * transaction per table. Offsets are committed by the source after the last chunk; a crash in
   * between re-applies the earlier chunks, which is harmless (idempotent apply).
   */
  private async handle(messages: readonly SourceMessage[], control: BatchControl): Promise<void> {
    for (let from = 0; from < messages.length; from += this.link.batchMaxRows) {
      // Between chunks too: a long batch must not outlast the session timeout (kafkajs sends a
      // heartbeat only when the interval has passed). A rebalance throws here: the batch is fetched
      // again by whoever holds the partition next, the chunks applied so far re-apply as no-ops.
      if (from > 0) await control.heartbeat();
      await this.handleChunk(messages.slice(from, from + this.link.batchMaxRows), control);
    }
  }

  private async handleChunk(messages: readonly SourceMessage[], control: BatchControl): Promise<void> {
    let resume: (() => void) | undefined;
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          await this.pipeline.handle(messages);
          if (resume) {
            this.state = 'running';
            this.waitingFor = undefined;
            this.logger.info(
              { topic: control.topic, partition: control.partition, attempts: attempt },
              `link ${this.link.name}: target back, partition resumed`,
            );
          }
          return;
        } catch (error) {
          if (!(error instanceof DbtwinError) || error.kind !== 'abort') throw error;
          this.pipeline.counters.retries++;
          const delay = Math.min(
            this.link.retry.initialMs * 2 ** Math.min(attempt, 16),
            this.link.retry.maxMs,
          );
          if (!resume) {
            resume = control.pause();
            this.state = 'retrying';
            this.waitingFor = error.message;
            this.logger.warn(
              { code: error.code, topic: control.topic, partition: control.partition },
              `partition paused: ${error.message}`,
            );
          } else if (attempt % 10 === 0) {
            this.logger.warn({ code: error.code, attempts: attempt }, `still waiting: ${error.message}`);
          }
          await this.wait(delay, control);
        }
      }
    } finally {
      // Also when the wait gave up (stop, rebalance): a partition left paused here would never be
      // fetched again by this consumer if the group gave it back.
      resume?.();
    }
  }

  /** Sleeps in short steps, heartbeating; gives up (without commit) when the consumer is stopping. */
  private async wait(ms: number, control: BatchControl): Promise<void> {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      if (!control.isRunning())
        throw new Error(`link ${this.link.name}: stopping while waiting for the target`);
      await sleep(Math.min(1000, until - Date.now()));
      await control.heartbeat();
    }
  }
}
