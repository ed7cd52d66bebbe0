/**
 * Every Redis key and BullMQ queue name dbtwin uses, built here and nowhere else, so that two
 * processes (or two releases) always agree on them and an operator can find them all in one file.
 * Side names are validated by the config loader (`[a-z][a-z0-9_-]*`), so the names built here never
 * hold the `:` that BullMQ reserves as its key separator.
 */

/**
 * Prefix of the Redis keys of every BullMQ queue dbtwin creates (`<prefix>:<queue>:<suffix>`). BullMQ's
 * own default, so its tools (Taskforce, bull-board) list dbtwin's queues without extra options.
 */
export const QUEUE_PREFIX = 'bull';

/**
 * The dead-letter queue of the link `<from>-><to>` of a deployment: `<namespace>-dlq-<from>-to-<to>`.
 * The namespace is the configuration's `kafka.groupPrefix` (default `dbtwin`), so two deployments
 * sharing one Redis keep their dead letters apart, as they keep their consumer groups apart.
 */
export function deadLetterQueueName(namespace: string, from: string, to: string): string {
  return `${namespace}-dlq-${from}-to-${to}`;
}

/**
 * The job id of a dead letter: `<topic>/<partition>/<offset>`. Stable per Kafka message, so a message
 * dead-lettered again (a batch retried after a crash) stays one entry. `/` cannot occur in a Kafka topic
 * name, so the id is unambiguous, and it is never an integer or `:`-separated, which BullMQ refuses.
 */
export function deadLetterJobId(topic: string, partition: number, offset: string): string {
  return `${topic}/${partition}/${offset}`;
}

/**
 * The keys of echo suppression and the ping-pong breaker of a deployment (design §3.2, §3.5), all
 * under `<namespace>:` (the configuration's `kafka.groupPrefix`).
 * - `echoEpoch`: a random value set once; when it is gone, Redis lost dbtwin's state (flushed or
 *   restarted without persistence) and pending fingerprints with it.
 * - `echoRow(rowKey)`: list of the states written to one row and still waiting for their echo, oldest
 *   first (a state may occur more than once).
 * - `breakerHistory(rowId)`: list of the latest applied changes of one row, newest first.
 * - `quarantine`: hash `rowId → JSON` of the rows the breaker tripped on.
 * - `echoVerdicts(topic, partition)`: sorted set of the offsets of one source partition found to be
 *   echoes and not committed yet, so a change read again (after a rebalance) is still an echo.
 */
export function echoKeys(namespace: string): {
  readonly echoEpoch: string;
  echoRow(rowKey: string): string;
  echoVerdicts(topic: string, partition: number): string;
  breakerHistory(rowId: string): string;
  readonly quarantine: string;
} {
  return {
    echoEpoch: `${namespace}:echo:epoch`,
    echoRow: (rowKey) => `${namespace}:echo:row:${rowKey}`,
    echoVerdicts: (topic, partition) => `${namespace}:echo:verdicts:${topic}:${partition}`,
    breakerHistory: (rowId) => `${namespace}:breaker:history:${rowId}`,
    quarantine: `${namespace}:breaker:quarantine`,
  };
}

/**
 * The keys of once-only apply (design §6, `pipeline/applied-changes.ts`), under `<namespace>:applied:`.
 * - `applied(link, topic, partition)`: sorted set `offset → offset`: the changes of one source
 *   partition that the link wrote to its target and committed there, kept until the offset is
 *   committed in Kafka, so a re-read of them (a rebalance, a failed offset commit) is skipped.
 */
export function appliedKeys(namespace: string): {
  applied(link: string, topic: string, partition: number): string;
} {
  return {
    applied: (link, topic, partition) => `${namespace}:applied:${link}:${topic}:${partition}`,
  };
}

/**
 * The keys of conflict handling (design §4), under `<namespace>:`.
 * - `rowVersion(rowKey)`: `<commit ms>|<state>`: the commit time of the change that gave one row on
 *   one side (the echo fingerprint's row key) the state named (the fingerprint's after hash).
 * - `rulesHashes`: hash `instance → JSON { hash, at }`: the rules each running process has in force,
 *   so a cluster running different rules is visible.
 */
export function conflictKeys(namespace: string): {
  rowVersion(rowKey: string): string;
  readonly rulesHashes: string;
} {
  return {
    rowVersion: (rowKey) => `${namespace}:version:${rowKey}`,
    rulesHashes: `${namespace}:rules:instances`,
  };
}

/**
 * The keys of the convergence check (design §4, `rules/row-healer.ts`), under `<namespace>:heal:`.
 * - `due`: sorted set `JSON [link, table, key] → ms (Redis clock)`: rows to compare on both sides once
 *   that time has come; a row scheduled again moves later, never earlier.
 * - `seen`: hash `member → hash of both sides' rows`: the difference a check found, so the next
 *   check can tell a settled difference (the same twice) from one still in flight.
 * - `state(rowKey)`: the after hash of the last state the links met for one row on one side (the
 *   echo fingerprint's row key): read from that side's log, or written there by a link. A row whose
 *   current state is not this one has a change still on its way (`rules/row-states.ts`).
 */
export function healKeys(namespace: string): {
  readonly due: string;
  readonly seen: string;
  state(rowKey: string): string;
} {
  return {
    due: `${namespace}:heal:due`,
    seen: `${namespace}:heal:seen`,
    state: (rowKey) => `${namespace}:heal:state:${rowKey}`,
  };
}

/**
 * The keys of the sidecar cluster (design §7), under `<namespace>:cluster:`.
 * - `instances`: hash `instance → JSON InstanceRecord` (`host:pid:adminPort`): what each running
 *   `dbtwin run` process last reported (links, partitions, rules hash, health).
 * - `deadlines`: sorted set `instance → ms (Redis clock)` after which the instance is dead: three
 *   missed heartbeats. Kept beside the hash so anyone can drop dead entries with one range query.
 * - `paused`: hash `link → JSON { by, at, reason? }`: the links an operator paused for the whole
 *   deployment (`dbtwin pause`); every process watches it. Never expires.
 */
export function clusterKeys(namespace: string): {
  readonly instances: string;
  readonly deadlines: string;
  readonly paused: string;
} {
  return {
    instances: `${namespace}:cluster:instances`,
    deadlines: `${namespace}:cluster:deadlines`,
    paused: `${namespace}:cluster:paused`,
  };
}

/**
 * The keys of the cutover registry (design §7, `cutover/cutover-registry.ts`), under
 * `<namespace>:cutover:`. None expires: the cutover of a deployment lasts weeks, across restarts.
 * - `instances`: hash `application instance → JSON { side, sinceMs, moves }`: the side each
 *   application instance writes to now (times on Redis's clock).
 * - `history`: list of JSON entries (`register`, `move`, `rollback`, `finalize`, `refused`), oldest
 *   first; capped at the newest 10,000 entries.
 * - `final`: JSON `{ side, atMs, stoppedLinks, by }` once `dbtwin cutover finalize` ran; absent before.
 * - `moving`: JSON `{ token, by, what, sinceMs }` while a move, rollback or finalize runs (its gates and
 *   the move): they go one at a time. Expires unless its holder renews it (a CLI killed mid-move).
 */
export function cutoverKeys(namespace: string): {
  readonly instances: string;
  readonly history: string;
  readonly final: string;
  readonly moving: string;
} {
  return {
    instances: `${namespace}:cutover:instances`,
    history: `${namespace}:cutover:history`,
    final: `${namespace}:cutover:final`,
    moving: `${namespace}:cutover:moving`,
  };
}
