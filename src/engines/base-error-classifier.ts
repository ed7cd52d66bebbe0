import { DbtwinError } from '../core/dbtwin-error.js';
import type { ClassifiedError, ErrorClassifier } from './dialect.js';

/**
 * Node socket and DNS error codes: the target could not be reached or the connection broke. Nothing
 * is wrong with the data, so these are retriable whatever the engine.
 */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * Sorts errors into retriable and poison in Debezium's per-engine classifier style: an engine
 * classifier knows its vendor codes; this base adds what every engine shares.
 *
 * Order: a `DbtwinError` by its kind (`abort` → retriable); then the engine's vendor codes; then node
 * network errors (also inside an `AggregateError`) → retriable. Whatever is left is poison: a
 * database error with a code nobody listed will most likely fail again the same way, and a retriable
 * verdict would stall the partition forever, while poison sends one change to the dead-letter queue
 * where an operator can replay it. Errors that are not database errors at all but network failures
 * are the exception, and are retriable.
 */
export abstract class BaseErrorClassifier implements ErrorClassifier {
  /** The verdict from this engine's vendor codes, or undefined when the error carries none it knows. */
  protected abstract classifyVendor(error: VendorError): ClassifiedError | undefined;

  classify(error: unknown): ClassifiedError {
    if (error instanceof DbtwinError) {
      return {
        class: error.kind === 'abort' ? 'retriable' : 'poison',
        vendorCode: error.code,
        reason: oneLine(error.message),
      };
    }
    const vendor = asVendorError(error);
    return (
      this.classifyVendor(vendor) ??
      networkVerdict(vendor) ?? {
        class: 'poison',
        vendorCode: vendor.code ?? 'unknown',
        reason: oneLine(vendor.message || 'unknown error'),
      }
    );
  }
}

/** The fields drivers put on their errors, read defensively from anything thrown. */
export interface VendorError {
  readonly message: string;
  /** Node (`ECONNREFUSED`), mysql2 (`ER_DUP_ENTRY`) or pg (SQLSTATE `23505`) code. */
  readonly code: string | undefined;
  /** MySQL/MariaDB server or client error number. */
  readonly errno: number | undefined;
  /** The errors inside an `AggregateError` (a connect that tried several addresses). */
  readonly inner: readonly VendorError[];
}

/** The first line of a message, at most 300 characters: reasons go to logs and dead letters. */
export function oneLine(message: string): string {
  const first = message.split('\n', 1)[0] ?? '';
  return first.length > 300 ? `${first.slice(0, 297)}…` : first;
}

function asVendorError(error: unknown): VendorError {
  if (typeof error !== 'object' || error === null) {
    return { message: String(error), code: undefined, errno: undefined, inner: [] };
  }
  const e = error as Record<string, unknown>;
  return {
    message: typeof e['message'] === 'string' ? e['message'] : '',
    code: typeof e['code'] === 'string' ? e['code'] : undefined,
    errno: typeof e['errno'] === 'number' ? e['errno'] : undefined,
    inner: Array.isArray(e['errors']) ? (e['errors'] as unknown[]).map(asVendorError) : [],
  };
}

function networkVerdict(error: VendorError): ClassifiedError | undefined {
  const code = [error.code, ...error.inner.map((e) => e.code)].find((c) => c && NETWORK_CODES.has(c));
  if (code === undefined) return undefined;
  return {
    class: 'retriable',
    vendorCode: code,
    reason: oneLine(error.message || error.inner.find((e) => e.message)?.message || code),
  };
}
