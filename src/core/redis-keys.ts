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
 */
export function echoKeys(namespace: string): {
  readonly echoEpoch: string;
  echoRow(rowKey: string): string;
  breakerHistory(rowId: string): string;
  readonly quarantine: string;
} {
  return {
    echoEpoch: `${namespace}:echo:epoch`,
    echoRow: (rowKey) => `${namespace}:echo:row:${rowKey}`,
    breakerHistory: (rowId) => `${namespace}:breaker:history:${rowId}`,
    quarantine: `${namespace}:breaker:quarantine`,
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
