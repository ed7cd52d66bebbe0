import { BaseErrorClassifier, oneLine, type VendorError } from '../base-error-classifier.js';
import type { ClassifiedError } from '../dialect.js';

/** SQLSTATEs where nothing is wrong with the data: the same statement succeeds once the condition passes. */
const RETRIABLE_CODES = new Map<string, string>([
  // serialization_failure: a concurrent transaction won; the standard says retry.
  ['40001', 'serialization_failure'],
  // deadlock_detected: this transaction was the victim; a rerun succeeds.
  ['40P01', 'deadlock_detected'],
  // statement_completion_unknown: the connection broke during COMMIT; the idempotent batch can run again.
  ['40003', 'statement_completion_unknown'],
  // lock_not_available: lock_timeout or NOWAIT hit a lock another transaction holds.
  ['55P03', 'lock_not_available'],
  // object_in_use: concurrent DDL/maintenance holds the table.
  ['55006', 'object_in_use'],
  // query_canceled: statement_timeout or an operator's cancel, not the data.
  ['57014', 'query_canceled'],
  // admin_shutdown / crash_shutdown / cannot_connect_now: the server is going down or still starting.
  ['57P01', 'admin_shutdown'],
  ['57P02', 'crash_shutdown'],
  ['57P03', 'cannot_connect_now'],
  // idle_session_timeout (PG 14+) and idle_in_transaction_session_timeout closed our session: reconnect.
  ['57P05', 'idle_session_timeout'],
  ['25P03', 'idle_in_transaction_session_timeout'],
  // read_only_sql_transaction: connected to a standby (failover in progress); the new primary takes writes.
  ['25006', 'read_only_sql_transaction'],
  // snapshot_too_old: a long snapshot expired; a new transaction has a new one.
  ['72000', 'snapshot_too_old'],
  // system_error / io_error: the server's host has trouble, not the row.
  ['58000', 'system_error'],
  ['58030', 'io_error'],
  // invalid_authorization_specification / invalid_password / insufficient_privilege: an operator
  // fixes the login or the grants; the rows are fine, so wait rather than dead-letter them all.
  ['28000', 'invalid_authorization_specification'],
  ['28P01', 'invalid_password'],
  ['42501', 'insufficient_privilege'],
]);

/** SQLSTATE classes that are retriable as a whole. */
const RETRIABLE_CLASSES = new Map<string, string>([
  // 08: connection_exception (connection failure, does not exist, rejected): reconnect.
  ['08', 'connection exception'],
  // 53: insufficient_resources (disk full, out of memory, too many connections 53300): load or an operator clears it.
  ['53', 'insufficient resources'],
]);

/**
 * SQLSTATE classes that are poison: the statement fails this way whatever the timing. Listed for the
 * reason text; any other SQLSTATE is poison too (see BaseErrorClassifier).
 */
const POISON_CLASSES = new Map<string, string>([
  // 23: integrity_constraint_violation (unique 23505, foreign key 23503, not null 23502, check 23514, exclusion 23P01).
  ['23', 'integrity constraint violation'],
  // 22: data_exception (value too long 22001, out of range 22003, bad datetime 22007/22008, bad text 22P02, NUL 22021).
  ['22', 'data exception'],
  // 42: syntax error or access rule violation (undefined table 42P01 / column 42703, datatype mismatch 42804), except 42501 above.
  ['42', 'syntax error or undefined object'],
  // 21: cardinality_violation (ON CONFLICT touching one row twice).
  ['21', 'cardinality violation'],
  // 0A: feature_not_supported (e.g. writing a generated column).
  ['0A', 'feature not supported'],
  // XX: internal_error / data_corrupted / index_corrupted: retrying will hit the same page.
  ['XX', 'internal error'],
]);

/** node-postgres messages, without a code, for a connection that broke, closed or timed out. */
const RETRIABLE_MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect/,
  /is not queryable/,
  /^Cannot use a pool after calling end on the pool/,
  /^Query read timeout/,
];

const SQLSTATE = /^[0-9A-Z]{5}$/;

/**
 * PostgreSQL errors by SQLSTATE (pg puts it on `code`): listed codes, then whole classes; then
 * node-postgres connection messages. Node network errors and the unknown-error policy come from
 * {@link BaseErrorClassifier}: an unlisted SQLSTATE is poison. `vendorCode` is the SQLSTATE.
 */
export class PostgresErrorClassifier extends BaseErrorClassifier {
  protected classifyVendor(error: VendorError): ClassifiedError | undefined {
    const reason = oneLine(error.message);
    const code = error.code;
    if (code !== undefined && SQLSTATE.test(code)) {
      const cls = code.slice(0, 2);
      if (RETRIABLE_CODES.has(code) || RETRIABLE_CLASSES.has(cls)) {
        return { class: 'retriable', vendorCode: code, reason };
      }
      const known = POISON_CLASSES.get(cls);
      return { class: 'poison', vendorCode: code, reason: known ? reason : `unlisted error: ${reason}` };
    }
    if (RETRIABLE_MESSAGES.some((m) => m.test(error.message))) {
      return { class: 'retriable', vendorCode: code ?? 'pg', reason };
    }
    return undefined;
  }
}
