/**
 * Stable error codes. Each code is part of dbtwin's operator interface: it appears in logs, dead
 * letters and CLI output, so a code is never renamed or reused. Ranges:
 * - DBT1xxx configuration (the operator must change something before dbtwin can go on),
 * - DBT2xxx source/decoding (a message could not be understood),
 * - DBT3xxx target/apply,
 * - DBT4xxx services and infrastructure,
 * - DBT5xxx cutover (a move or finalize refused: what would have to hold first),
 * - DBT9xxx bugs (dbtwin itself is wrong; report them).
 */
export enum ErrorCode {
  /** A configuration file or option is invalid. Fix the named key and start again. */
  ConfigInvalid = 'DBT1001',
  /** A Kafka Connect connector config file is invalid or was rejected by Kafka Connect. */
  ConnectorConfigInvalid = 'DBT1002',
  /** A change arrived for a table the link has no mapping for. Add the table to the link, or exclude it at the connector. */
  TableNotMapped = 'DBT1003',
  /** A change names a column that the target table does not have. Add the column or map it in the link. */
  ColumnNotMapped = 'DBT1004',
  /** The target table does not exist or has no primary key, so changes cannot be applied idempotently. */
  TargetTableUnusable = 'DBT1005',
  /**
   * A conflict rule file under `rules/` is invalid (`dbtwin rules check` lists every problem as
   * file:line:col). At start dbtwin refuses to run; on a live reload the edit is rejected and the last
   * good rules keep running. Fix the named key and save again.
   */
  RulesInvalid = 'DBT1006',

  /** A Kafka message value is not valid JSON. The raw message is kept in the dead-letter queue. */
  MessageNotJson = 'DBT2001',
  /** A message is JSON but not a Debezium change envelope (missing `op`, `source`, …). */
  EnvelopeInvalid = 'DBT2002',
  /** A field value does not match its declared Debezium type or logical type. */
  FieldValueInvalid = 'DBT2003',

  /** A value cannot be stored in its target column (range, length, type). The row goes to the dead-letter queue. */
  ValueDoesNotFit = 'DBT3001',
  /** The target rejected a row for a constraint (foreign key, unique key other than the primary key, check). */
  ConstraintViolation = 'DBT3002',
  /** The target rejected a statement for a reason that retrying will not change (classified poison). */
  ApplyRejected = 'DBT3003',
  /** The target is down, restarting, or refused a lock/deadlock: the link pauses, backs off and retries. */
  TargetUnavailable = 'DBT3004',
  /**
   * The ping-pong breaker quarantined the row: its changes kept switching direction between the sides
   * (two writers fighting over it, or an echo loop). Its changes wait in the dead-letter queue.
   * `dbtwin breaker list` shows the row's history; fix the writers, then `dbtwin breaker release` and
   * `dbtwin dlq replay`.
   */
  RowQuarantined = 'DBT3005',
  /**
   * A conflict the rules leave to an operator (policy `manual`, or a merge that could not decide: a
   * custom function that failed, values a strategy cannot combine). The change waits in the
   * dead-letter queue; `dbtwin conflicts list` shows the three versions of the row.
   */
  ConflictHeld = 'DBT3006',
  /**
   * `lww` by commit time met a conflict whose target row holds a change the reverse link has not read
   * yet, so its commit time is unknown: the batch waits (up to 15 s) for the reverse link to read it,
   * so both links compare the same two commit times. Past that, the side order decides and the ledger
   * says so. Long waits mean the reverse link lags or is stopped: `dbtwin status`.
   */
  ConflictVersionPending = 'DBT3007',

  /** A service of the local stack or of the deployment is unreachable. dbtwin retries with backoff. */
  ServiceUnreachable = 'DBT4001',
  /** Kafka Connect reports a connector or task FAILED. Its trace names the cause. */
  ConnectorFailed = 'DBT4002',

  /**
   * A cutover move, rollback or finalize was refused because one of its gates did not hold: lag of a
   * link over its threshold, the conflict rate over its threshold, a verification that found divergent
   * rows, or a link no live instance runs. The refusal lists each gate with its measured value and
   * threshold. Wait (lag drains, conflicts calm down), fix the divergence (`dbtwin verify --repair`), or
   * pass `--force` (recorded in the history). `dbtwin cutover` exits 5.
   */
  CutoverGateFailed = 'DBT5001',
  /**
   * The instance is no longer on the side the move started from: another operator moved it meanwhile
   * (moves are atomic in Redis, so only one of two racing moves wins). `dbtwin cutover status` shows
   * where it is now. `dbtwin cutover` exits 5.
   */
  CutoverRaced = 'DBT5002',
  /**
   * `dbtwin cutover finalize` was refused because the registered application instances do not all
   * write to one side (or none is registered). Move the rest first. `dbtwin cutover` exits 5.
   */
  CutoverNotUniform = 'DBT5003',
  /**
   * The deployment's cutover is finalized: every instance writes to one side and the link from the
   * other side is stopped, so moves and rollbacks are refused. `dbtwin cutover` exits 5.
   */
  CutoverFinalized = 'DBT5004',
  /** No application instance of that name is registered (its sidecar registers it: `dbtwin run --instance`). */
  CutoverUnknownInstance = 'DBT5005',
  /**
   * Another move, rollback or finalize of the deployment is in progress (design §7: instances move one
   * at a time, each on gates measured with the others settled). The refusal names who holds it, for
   * which instance and since when; try again once it is done. `dbtwin cutover` exits 5.
   */
  CutoverBusy = 'DBT5006',

  /** An internal invariant was broken. This is a bug in dbtwin. */
  InternalInvariant = 'DBT9001',
}

/**
 * How an error should be handled:
 * - `steering`: the operator must change configuration or input; retrying alone will not help
 *   (a message with this kind of error goes to the dead-letter queue, the rest flows on);
 * - `abort`: this piece of work cannot go on now (a service is down); retry later;
 * - `bug`: dbtwin is wrong.
 */
export type ErrorKind = 'steering' | 'abort' | 'bug';

const KIND: Record<ErrorCode, ErrorKind> = {
  [ErrorCode.ConfigInvalid]: 'steering',
  [ErrorCode.ConnectorConfigInvalid]: 'steering',
  [ErrorCode.TableNotMapped]: 'steering',
  [ErrorCode.ColumnNotMapped]: 'steering',
  [ErrorCode.TargetTableUnusable]: 'steering',
  [ErrorCode.RulesInvalid]: 'steering',
  [ErrorCode.MessageNotJson]: 'steering',
  [ErrorCode.EnvelopeInvalid]: 'steering',
  [ErrorCode.FieldValueInvalid]: 'steering',
  [ErrorCode.ValueDoesNotFit]: 'steering',
  [ErrorCode.ConstraintViolation]: 'steering',
  [ErrorCode.ApplyRejected]: 'steering',
  [ErrorCode.TargetUnavailable]: 'abort',
  [ErrorCode.RowQuarantined]: 'steering',
  [ErrorCode.ConflictHeld]: 'steering',
  [ErrorCode.ConflictVersionPending]: 'abort',
  [ErrorCode.ServiceUnreachable]: 'abort',
  [ErrorCode.ConnectorFailed]: 'abort',
  [ErrorCode.CutoverGateFailed]: 'steering',
  [ErrorCode.CutoverRaced]: 'steering',
  [ErrorCode.CutoverNotUniform]: 'steering',
  [ErrorCode.CutoverFinalized]: 'steering',
  [ErrorCode.CutoverUnknownInstance]: 'steering',
  [ErrorCode.CutoverBusy]: 'steering',
  [ErrorCode.InternalInvariant]: 'bug',
};

/** The handling kind of a code. */
export function kindOf(code: ErrorCode): ErrorKind {
  return KIND[code];
}
