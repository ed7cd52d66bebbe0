import { BaseErrorClassifier, oneLine, type VendorError } from '../base-error-classifier.js';
import type { ClassifiedError } from '../dialect.js';
import { OracleBatchError } from './oracle-driver.js';

/**
 * Codes after which the same statement will succeed later: pause the partition, back off, retry.
 * ORA codes come from Oracle Database Error Messages; NJS codes from node-oracledb's lib/errors.js
 * (Thin mode raises them itself for network failures, and wraps some ORA codes in NJS-500).
 */
const RETRIABLE: Readonly<Record<string, string>> = {
  // Locks and concurrency
  'ORA-00060': 'deadlock detected while waiting for resource',
  'ORA-00054': 'resource busy and acquire with NOWAIT specified or timeout expired',
  'ORA-30006': 'resource busy; acquire with WAIT timeout expired',
  'ORA-00051': 'timeout occurred while waiting for a resource',
  'ORA-04021': 'timeout occurred while waiting to lock an object',
  'ORA-08177': "can't serialize access for this transaction",
  'ORA-01555': 'snapshot too old',
  'ORA-04068': 'existing state of packages has been discarded',
  // Connection lost
  'ORA-03113': 'end-of-file on communication channel (connection lost)',
  'ORA-03114': 'not connected to Oracle',
  'ORA-03135': 'connection lost contact',
  'ORA-01012': 'not logged on',
  'ORA-02396': 'exceeded maximum idle time, please connect again',
  'ORA-01013': 'user requested cancel of current operation (call timeout)',
  // Listener / host unreachable
  'ORA-12514': 'listener does not currently know of the service (database not registered yet)',
  'ORA-12541': 'no listener',
  'ORA-12170': 'connect timeout occurred',
  'ORA-12537': 'TNS connection closed',
  'ORA-12528': 'listener: all appropriate instances are blocking new connections',
  'ORA-12516': 'listener could not find an available handler',
  'ORA-12519': 'no appropriate service handler found',
  'ORA-12520': 'listener could not find an available handler for the requested server type',
  'ORA-12543': 'destination host unreachable',
  'ORA-12547': 'lost contact',
  // Database starting up or shutting down
  'ORA-01033': 'initialization or shutdown in progress',
  'ORA-01034': 'ORACLE not available',
  'ORA-01089': 'immediate shutdown or close in progress',
  'ORA-01090': 'shutdown in progress - connection is not permitted',
  'ORA-25408': 'cannot safely replay call (failover during a call)',
  'ORA-00257': 'archiver error: the database blocks writes until archive space is freed',
  // Session limits: the target is saturated, not the row wrong
  'ORA-00018': 'maximum number of sessions exceeded',
  'ORA-00020': 'maximum number of processes exceeded',
  // Credentials and account state: every row would fail the same way, so keep them (retry with
  // backoff, nothing lost) instead of dead-lettering the whole stream; the operator fixes the account.
  'ORA-01017': 'invalid username/password; logon denied',
  'ORA-28000': 'the account is locked',
  'ORA-01045': 'user lacks CREATE SESSION privilege',
  // node-oracledb Thin network errors
  'NJS-500': 'connection to Oracle Database was closed or broken',
  'NJS-501': 'connection to host terminated unexpectedly',
  'NJS-503': 'connection to host could not be established',
  'NJS-504': 'connection through the web proxy failed',
  'NJS-510': 'connection to host timed out',
  'NJS-511': 'connection to listener was refused',
  'NJS-518': 'service is not registered with the listener',
  'NJS-521': 'connection received end-of-file on communication channel',
  'NJS-003': 'invalid or closed connection',
  'NJS-040': 'connection request timeout: the pool queue waited too long',
  'NJS-076': 'connection request rejected: the pool queue is full',
};

/** Codes after which this row/statement will never succeed as it is: dead-letter it, the rest flows on. */
const POISON: Readonly<Record<string, string>> = {
  'ORA-00001': 'unique constraint violated',
  'ORA-02291': 'integrity constraint violated - parent key not found',
  'ORA-02292': 'integrity constraint violated - child record found',
  'ORA-01400': 'cannot insert NULL',
  'ORA-01407': 'cannot update to NULL',
  'ORA-12899': 'value too large for column',
  'ORA-01438': 'value larger than specified precision allowed for this column',
  'ORA-01722': 'invalid number',
  'ORA-01843': 'not a valid month',
  'ORA-01861': 'literal does not match format string',
  'ORA-01841': 'full year must be between -4713 and +9999, and not be 0',
  'ORA-01847': 'day of month must be between 1 and last day of month',
  'ORA-01873': 'the leading precision of the interval is too small',
  'ORA-02290': 'check constraint violated',
  'ORA-00942': 'table or view does not exist',
  'ORA-00904': 'invalid identifier',
  'ORA-01031': 'insufficient privileges',
  'ORA-38104': 'columns referenced in the ON clause cannot be updated',
  'ORA-32795': 'cannot insert into a generated always identity column',
};

const VENDOR_CODE = /\b(?:ORA|NJS|DPI|TNS)-\d{3,5}\b/g;

/**
 * Sorts node-oracledb errors into retriable and poison by vendor code: the error's `code`
 * (`ORA-00001`, `NJS-500`), then every `ORA-`/`NJS-` code in its message (Thin mode reports a lost
 * session as `NJS-500` with the `ORA-03113` underneath), then its `cause`:
 * - a retriable code (listed above) → retriable;
 * - any other database or driver code (`ORA-`, `NJS-`, `DPI-`, `TNS-`), listed or not → poison: an
 *   unknown database error is taken to be about this statement or its data, which retrying will not
 *   change, so it goes to the dead-letter queue (replayable) instead of stalling the partition;
 * - no vendor code: the shared policy of {@link BaseErrorClassifier} — Node network errors
 *   (`ECONNREFUSED`, `ECONNRESET`, `ETIMEDOUT`, …) are retriable, since the database never saw the
 *   statement and nothing is wrong with the data; anything else is poison, as for every engine.
 * An {@link OracleBatchError} (`executeMany` batchErrors) is retriable if any failing row is, else
 * poison; its reason names the failing rows. A `DbtwinError` is retriable when its kind is `abort`.
 */
export class OracleErrorClassifier extends BaseErrorClassifier {
  override classify(error: unknown): ClassifiedError {
    if (error instanceof OracleBatchError) return classifyBatch(error);
    const verdict = super.classify(error);
    if (verdict.class !== 'poison' || verdict.vendorCode !== 'unknown') return verdict;
    if (typeof error !== 'object' || error === null) return verdict;
    const { errorNum, message, cause } = error as { errorNum?: unknown; message?: unknown; cause?: unknown };
    // A database error that carries only its number (`errorNum`), not the `ORA-` text.
    if (typeof errorNum === 'number' && errorNum > 0) {
      const code = `ORA-${String(errorNum).padStart(5, '0')}`;
      const text = typeof message === 'string' ? message : '';
      return this.classifyVendor({ message: `${code}: ${text}`, code, errno: undefined, inner: [] })!;
    }
    // Nothing recognised on the error itself: its cause may be the driver or socket error.
    if (cause !== undefined) {
      const inner = this.classify(cause);
      return { ...inner, reason: reasonWithOuter(error, inner.reason) };
    }
    return verdict;
  }

  protected classifyVendor(error: VendorError): ClassifiedError | undefined {
    const codes = [error.code, ...Array.from(error.message.matchAll(VENDOR_CODE), (m) => m[0])].filter(
      (c): c is string => c !== undefined && /^(?:ORA|NJS|DPI|TNS)-\d+$/.test(c),
    );
    if (codes.length === 0) return undefined;
    const reason = oneLine(error.message);
    const retriable = codes.find((c) => c in RETRIABLE);
    if (retriable)
      return { class: 'retriable', vendorCode: retriable, reason: reason || RETRIABLE[retriable]! };
    const code = codes[0]!;
    const known = POISON[code];
    return {
      class: 'poison',
      vendorCode: code,
      reason: known ? reason || known : `unlisted error: ${reason || code}`,
    };
  }
}

function classifyBatch(error: OracleBatchError): ClassifiedError {
  const retriable = error.failures.find((f) => f.code in RETRIABLE);
  const first = retriable ?? error.failures[0];
  return {
    class: retriable ? 'retriable' : 'poison',
    vendorCode: first?.code ?? 'ORA-?????',
    reason: oneLine(
      `${error.failures.length} of ${error.rowCount} rows failed (rows ${error.indexes.join(', ')}): ${first?.message ?? ''}`,
    ),
  };
}

function reasonWithOuter(error: unknown, inner: string): string {
  const outer = error instanceof Error ? oneLine(error.message) : '';
  return outer ? oneLine(`${outer}: ${inner}`) : inner;
}
