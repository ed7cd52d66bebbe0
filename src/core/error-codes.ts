/**
 * Stable error codes. Each code is part of dbtwin's operator interface: it appears in logs, dead
 * letters and CLI output, so a code is never renamed or reused. Ranges:
 * - DBT1xxx configuration and steering (the operator must change something),
 * - DBT2xxx source/decoding (a message could not be understood),
 * - DBT3xxx target/apply,
 * - DBT4xxx local stack and infrastructure,
 * - DBT9xxx bugs (dbtwin itself is wrong; report them).
 */
export enum ErrorCode {
  /** A configuration file or option is invalid. Fix the named key and start again. */
  ConfigInvalid = 'DBT1001',
  /** A Kafka Connect connector config file is invalid or was rejected by Kafka Connect. */
  ConnectorConfigInvalid = 'DBT1002',

  /** A Kafka message value is not valid JSON. The raw message is kept in the dead-letter queue. */
  MessageNotJson = 'DBT2001',
  /** A message is JSON but not a Debezium change envelope (missing `op`, `source`, …). */
  EnvelopeInvalid = 'DBT2002',
  /** A field value does not match its declared Debezium type or logical type. */
  FieldValueInvalid = 'DBT2003',

  /** A service of the local stack or of the deployment is unreachable. dbtwin retries with backoff. */
  ServiceUnreachable = 'DBT4001',
  /** Kafka Connect reports a connector or task FAILED. Its trace names the cause. */
  ConnectorFailed = 'DBT4002',

  /** An internal invariant was broken. This is a bug in dbtwin. */
  InternalInvariant = 'DBT9001',
}

/**
 * How an error should be handled:
 * - `steering`: the operator must change configuration or input; retrying alone will not help;
 * - `abort`: this piece of work cannot go on now (a service is down); retry later or elsewhere;
 * - `bug`: dbtwin is wrong.
 */
export type ErrorKind = 'steering' | 'abort' | 'bug';

const KIND_BY_PREFIX: Record<string, ErrorKind> = {
  DBT1: 'steering',
  DBT2: 'steering',
  DBT3: 'abort',
  DBT4: 'abort',
  DBT9: 'bug',
};

/** The handling kind of a code, from its range. */
export function kindOf(code: ErrorCode): ErrorKind {
  return KIND_BY_PREFIX[code.slice(0, 4)] ?? 'bug';
}
