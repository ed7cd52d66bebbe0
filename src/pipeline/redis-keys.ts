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
