import { type ErrorCode, type ErrorKind, kindOf } from './error-codes.js';

/**
 * The one error type dbtwin throws on purpose. `message` says what happened and names the thing
 * (table, field, file, service); `hint` says what the operator can do next.
 */
export class DbtwinError extends Error {
  readonly code: ErrorCode;
  readonly kind: ErrorKind;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DbtwinError';
    this.code = code;
    this.kind = kindOf(code);
    this.hint = options.hint;
  }

  /** `[DBT2003] message (hint)` — the form used in logs and CLI output. */
  describe(): string {
    return `[${this.code}] ${this.message}${this.hint ? ` — ${this.hint}` : ''}`;
  }
}
