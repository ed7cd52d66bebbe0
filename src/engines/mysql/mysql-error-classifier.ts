import { BaseErrorClassifier, oneLine, type VendorError } from '../base-error-classifier.js';
import type { ClassifiedError } from '../dialect.js';

/** Errors where nothing is wrong with the data: the same statement succeeds once the condition passes. */
const RETRIABLE = new Map<number, string>([
  // Deadlock victim: InnoDB rolled the transaction back; rerunning it succeeds.
  [1213, 'ER_LOCK_DEADLOCK'],
  // Row lock wait exceeded innodb_lock_wait_timeout: another transaction held the row for long.
  [1205, 'ER_LOCK_WAIT_TIMEOUT'],
  // NOWAIT/SKIP LOCKED found a lock (MySQL 8): the holder will finish.
  [3572, 'ER_LOCK_NOWAIT'],
  // A metadata/table lock was aborted (concurrent DDL); the next attempt sees the new state.
  [1689, 'ER_LOCK_ABORTED'],
  // The table changed under a statement (concurrent DDL); retrying re-reads the definition.
  [1412, 'ER_TABLE_DEF_CHANGED'],
  // A prepared statement must be re-prepared after DDL; the retry does that.
  [1615, 'ER_NEED_REPREPARE'],
  // max_connections reached: connections free up.
  [1040, 'ER_CON_COUNT_ERROR'],
  // max_user_connections reached for the apply user: connections free up.
  [1203, 'ER_TOO_MANY_USER_CONNECTIONS'],
  // innodb_thread_concurrency / too many active transactions: load passes.
  [1637, 'ER_TOO_MANY_CONCURRENT_TRXS'],
  // Server shutdown in progress: it comes back (or fails over).
  [1053, 'ER_SERVER_SHUTDOWN'],
  // Connection killed (MariaDB): by an operator or a failover; a new connection works.
  [1927, 'ER_CONNECTION_KILLED'],
  // Query interrupted (KILL QUERY, shutdown): not the data's fault.
  [1317, 'ER_QUERY_INTERRUPTED'],
  // max_execution_time (MySQL) exceeded: a load problem, not a data problem.
  [3024, 'ER_QUERY_TIMEOUT'],
  // max_statement_time (MariaDB) exceeded: a load problem, not a data problem.
  [1969, 'ER_STATEMENT_TIMEOUT'],
  // Server closed an idle connection (MySQL 8.0.24+ wait_timeout notice): reconnect.
  [4031, 'ER_CLIENT_INTERACTION_TIMEOUT'],
  // Network read/write errors and aborted connections reported by the server.
  [1152, 'ER_ABORTING_CONNECTION'],
  [1158, 'ER_NET_READ_ERROR'],
  [1159, 'ER_NET_READ_INTERRUPTED'],
  [1160, 'ER_NET_ERROR_ON_WRITE'],
  [1161, 'ER_NET_WRITE_INTERRUPTED'],
  [1184, 'ER_NEW_ABORTING_CONNECTION'],
  // Bad handshake: a connection-level failure, typically transient during restarts.
  [1043, 'ER_HANDSHAKE_ERROR'],
  // --read-only / super_read_only / read-only transaction: the server is a replica right now (failover); the new primary takes writes.
  [1290, 'ER_OPTION_PREVENTS_STATEMENT'],
  [1836, 'ER_READ_ONLY_MODE'],
  [1792, 'ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION'],
  // Disk or table space full: an operator frees space; dead-lettering every row would not help.
  [1021, 'ER_DISK_FULL'],
  [1114, 'ER_RECORD_FILE_FULL'],
  // Storage engine failed the commit: transient storage trouble.
  [1180, 'ER_ERROR_DURING_COMMIT'],
  // Access denied (login, database, table, column): an operator grants it; the rows are fine, so wait rather than dead-letter them all.
  [1045, 'ER_ACCESS_DENIED_ERROR'],
  [1044, 'ER_DBACCESS_DENIED_ERROR'],
  [1142, 'ER_TABLEACCESS_DENIED_ERROR'],
  [1143, 'ER_COLUMNACCESS_DENIED_ERROR'],
  // Client library: cannot connect (socket / TCP), server gone away, connection lost mid-query.
  [2002, 'CR_CONNECTION_ERROR'],
  [2003, 'CR_CONN_HOST_ERROR'],
  [2006, 'CR_SERVER_GONE_ERROR'],
  [2013, 'CR_SERVER_LOST'],
  [2055, 'CR_SERVER_LOST_EXTENDED'],
]);

/** Errors about this row or statement: the same statement will fail the same way. */
const POISON = new Map<number, string>([
  // Duplicate value in a unique key other than the one the upsert resolves on.
  [1062, 'ER_DUP_ENTRY'],
  [1586, 'ER_DUP_ENTRY_WITH_KEY_NAME'],
  [1022, 'ER_DUP_KEY'],
  // Foreign key: parent row missing / child rows still reference the row.
  [1452, 'ER_NO_REFERENCED_ROW_2'],
  [1451, 'ER_ROW_IS_REFERENCED_2'],
  [1216, 'ER_NO_REFERENCED_ROW'],
  [1217, 'ER_ROW_IS_REFERENCED'],
  // CHECK constraint failed (MySQL 8 / MariaDB).
  [3819, 'ER_CHECK_CONSTRAINT_VIOLATED'],
  [4025, 'ER_CONSTRAINT_FAILED'],
  // NULL into a NOT NULL column / no value and no default for one.
  [1048, 'ER_BAD_NULL_ERROR'],
  [1364, 'ER_NO_DEFAULT_FOR_FIELD'],
  // Value does not fit the column (strict mode): too long, out of range, wrong value for the type.
  [1406, 'ER_DATA_TOO_LONG'],
  [1264, 'ER_WARN_DATA_OUT_OF_RANGE'],
  [1690, 'ER_DATA_OUT_OF_RANGE'],
  [1366, 'ER_TRUNCATED_WRONG_VALUE_FOR_FIELD'],
  [1292, 'ER_TRUNCATED_WRONG_VALUE'],
  [1265, 'WARN_DATA_TRUNCATED'],
  [1367, 'ER_ILLEGAL_VALUE_FOR_TYPE'],
  [1411, 'ER_WRONG_VALUE_FOR_TYPE'],
  [3140, 'ER_INVALID_JSON_TEXT'],
  // Writing a generated column (MySQL / MariaDB): the mapping must leave it out.
  [3105, 'ER_NON_DEFAULT_VALUE_FOR_GENERATED_COLUMN'],
  [1906, 'ER_WARNING_NON_DEFAULT_VALUE_FOR_VIRTUAL_COLUMN'],
  // The row is larger than max_allowed_packet / the row format allows: raise the limit, then replay.
  [1153, 'ER_NET_PACKET_TOO_LARGE'],
  [1118, 'ER_TOO_BIG_ROWSIZE'],
  // The table or a column does not exist, or the statement does not parse: schema drift or a mapping error.
  [1146, 'ER_NO_SUCH_TABLE'],
  [1054, 'ER_BAD_FIELD_ERROR'],
  [1064, 'ER_PARSE_ERROR'],
  [1136, 'ER_WRONG_VALUE_COUNT_ON_ROW'],
  // "You need (at least one of) the … privilege(s)": an administrative privilege, not a table grant.
  // Apply statements never need one; the session setup of capture.exclusion gtid-domain does (BINLOG
  // REPLAY for SET SESSION gtid_domain_id), and MysqlDriver reports that case naming the privilege.
  [1227, 'ER_SPECIFIC_ACCESS_DENIED_ERROR'],
]);

/** mysql2's own codes for a connection that broke or was closed under a query. */
const RETRIABLE_CLIENT_CODES = new Set([
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR',
  'PROTOCOL_ENQUEUE_AFTER_QUIT',
]);

/** mysql2 messages without a code for the same situation (a pool closed during shutdown). */
const RETRIABLE_MESSAGES = [/^Pool is closed/, /connection is in closed state/];

/**
 * MySQL/MariaDB errors by errno (mysql2 puts the server's or client library's number on `errno` and
 * its symbol on `code`), then mysql2's connection codes; node network errors and the unknown-error
 * policy come from {@link BaseErrorClassifier}: an unlisted server errno is poison.
 * `vendorCode` is `SYMBOL/errno` (`ER_DUP_ENTRY/1062`).
 */
export class MysqlErrorClassifier extends BaseErrorClassifier {
  protected classifyVendor(error: VendorError): ClassifiedError | undefined {
    const errno = error.errno !== undefined && error.errno > 0 ? error.errno : undefined;
    const reason = oneLine(error.message);
    if (errno !== undefined) {
      const symbol = error.code ?? RETRIABLE.get(errno) ?? POISON.get(errno) ?? 'ER';
      const vendorCode = `${symbol}/${errno}`;
      if (RETRIABLE.has(errno)) return { class: 'retriable', vendorCode, reason };
      // Listed poison codes, and any other server error number (see BaseErrorClassifier).
      return {
        class: 'poison',
        vendorCode,
        reason: POISON.has(errno) ? reason : `unlisted error: ${reason}`,
      };
    }
    if (error.code !== undefined && RETRIABLE_CLIENT_CODES.has(error.code)) {
      return { class: 'retriable', vendorCode: error.code, reason };
    }
    if (RETRIABLE_MESSAGES.some((m) => m.test(error.message))) {
      return { class: 'retriable', vendorCode: error.code ?? 'mysql2', reason };
    }
    return undefined;
  }
}
