/**
 * Runs custom merge functions (the `function` column strategy, design §4) in worker threads, so that
 * a function that loops, throws, crashes or returns nonsense sends its conflict to `manual` with the
 * reason and never stops, blocks for long, or crashes the link.
 *
 * One persistent worker per module file, started at the first call. Calls to one module run one at a
 * time, each under the strategy's `timeoutMs`, counted from when the worker starts the call (not from
 * the worker's start-up, which under `tsx` alone can take longer than a tight limit). A call that runs
 * too long has its worker terminated; the next call starts a fresh one. A module file that changes
 * (mtime or size, checked at every call) or a `reset()` gets a fresh worker, importing the new code.
 */
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../core/logger.js';
import type { Value } from '../core/values.js';
import type { MergeFunctionRunner } from './conflict-resolver.js';
import type { MergeWorkerCall, MergeWorkerMessage, MergeWorkerStart } from './merge-function-worker.js';
import type { ColumnMergeInput, ColumnMergeResult } from './policies/merge-strategies.js';
import type { ColumnStrategy } from './rule-set.js';

/**
 * What a custom merge function receives: its module's default export is called as
 * `(input: MergeFunctionInput) => Value | Promise<Value>`.
 *
 * Every value is a dbtwin `Value` (src/core/values.ts), in the target's terms, and the function must
 * return one of the same kind as `current`/`incoming` (or `null`):
 * - `null`; `boolean`; `number` (int32, float, double); `bigint` (64-bit integers); `string` (text);
 *   `Uint8Array` (bytes);
 * - `{ type: 'decimal', unscaled: bigint, scale: number }` — exactly `unscaled × 10^-scale`;
 * - `{ type: 'date', days: number }` — days since 1970-01-01;
 * - `{ type: 'time', micros: bigint }` — a time of day (MySQL: a duration, may be negative);
 * - `{ type: 'timestamp', micros: bigint, nanos: number }` — wall clock, µs since 1970-01-01T00:00;
 * - `{ type: 'timestamptz', micros: bigint, nanos: number }` — an instant, µs since the epoch, UTC;
 * - `{ type: 'interval', micros?: bigint, iso?: string }`;
 * - `{ type: 'json', text: string }` — the document as text (parse it, return new text);
 * - `{ type: 'bits', bytes: Uint8Array, length: number }` — BIT(n), little-endian bytes.
 *
 * Numbers of any kind (number, bigint, decimal) count as one kind, so a function may return a bigint
 * for a decimal column; everything else must keep its kind.
 */
export interface MergeFunctionInput {
  /** The conflicting column, lower-cased target name. */
  readonly column: string;
  /** The incoming change's before-image value; undefined when it has none (an insert met an existing row). */
  readonly base: Value | undefined;
  /** The value the incoming change wrote on its side. */
  readonly incoming: Value;
  /** The value the target row holds now. */
  readonly current: Value;
  /** The side the change comes from, as named in the configuration. */
  readonly incomingSide: string;
  /** The side being written. */
  readonly targetSide: string;
}

/** A {@link MergeFunctionRunner} that owns worker threads. */
export type ManagedMergeFunctionRunner = MergeFunctionRunner & {
  /**
   * Forgets every loaded module: the next call of each imports its file again in a fresh worker. For
   * the rules watcher, after any change under the rules directory (a module's own mtime is checked
   * at every call anyway, but a module it imports is not). Resolves once the old workers are gone.
   */
  reset(): Promise<void>;
  /**
   * Terminates every worker; calls still running, and any later call, go to `manual`. Workers keep
   * the process alive (reading their console output holds the event loop even after `unref()`), so
   * the owner calls this on shutdown, as it closes its connections.
   */
  close(): Promise<void>;
};

/** How long a module's top-level code (and its worker's start-up) may take before it counts as broken. */
const LOAD_TIMEOUT_MS = 10_000;

/** A heap bound per worker, so a function that hoards memory kills its worker, not the process. */
const WORKER_HEAP_MB = 256;

/**
 * The merge function runner for the modules under `rulesDir` (a strategy's `module` is relative to
 * it). Never throws and never rejects: every failure is a `{ manual: 'function <module>: …' }`.
 */
export function createMergeFunctionRunner(rulesDir: string, logger: Logger): ManagedMergeFunctionRunner {
  const root = resolve(rulesDir);
  const script = workerScript();
  const slots = new Map<string, ModuleSlot>();
  let closed = false;

  const run = async (
    strategy: Extract<ColumnStrategy, { kind: 'function' }>,
    column: string,
    input: ColumnMergeInput,
  ): Promise<ColumnMergeResult> => {
    const label = `function ${strategy.module}`;
    try {
      if (closed) return { manual: `${label}: the merge function runner is closed` };
      const file = resolve(root, strategy.module);
      const inside = relative(root, file);
      if (inside === '' || inside.startsWith('..') || isAbsolute(inside))
        return {
          manual: `${label}: cannot be loaded for column ${column}: the module is not under the rules directory ${root}`,
        };
      let slot = slots.get(file);
      if (!slot) {
        slot = new ModuleSlot(file, strategy.module, script, logger);
        slots.set(file, slot);
      }
      const outcome = await slot.call(
        {
          column,
          ...input,
          base: copyBytes(input.base),
          incoming: copyBytes(input.incoming),
          current: copyBytes(input.current),
        },
        strategy.timeoutMs,
        () => closed,
      );
      return toResult(label, column, input, outcome, strategy.timeoutMs);
    } catch (error) {
      // Nothing above should throw; this keeps the promise from rejecting if something does.
      logger.error({ err: error, module: strategy.module, column }, 'merge function runner failed');
      return { manual: `${label}: failed on column ${column}: ${String(error)}` };
    }
  };

  return Object.assign(run, {
    async reset(): Promise<void> {
      await Promise.all([...slots.values()].map((slot) => slot.reset()));
    },
    async close(): Promise<void> {
      closed = true;
      await Promise.all([...slots.values()].map((slot) => slot.close()));
    },
  });
}

/** How one call ended, before it becomes a {@link ColumnMergeResult}. */
type CallOutcome =
  | { readonly kind: 'value'; readonly value: unknown }
  | { readonly kind: 'threw'; readonly message: string }
  | { readonly kind: 'unclonable'; readonly message: string }
  | { readonly kind: 'load-error'; readonly message: string }
  | { readonly kind: 'crashed'; readonly message: string }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'closed' };

function toResult(
  label: string,
  column: string,
  input: ColumnMergeInput,
  outcome: CallOutcome,
  timeoutMs: number,
): ColumnMergeResult {
  switch (outcome.kind) {
    case 'timeout':
      return { manual: `${label}: ran longer than ${timeoutMs} ms` };
    case 'closed':
      return { manual: `${label}: the merge function runner is closed` };
    case 'load-error':
      return { manual: `${label}: cannot be loaded for column ${column}: ${outcome.message}` };
    case 'crashed':
      return { manual: `${label}: its worker failed on column ${column}: ${outcome.message}` };
    case 'threw':
      return { manual: `${label}: threw on column ${column}: ${outcome.message}` };
    case 'unclonable':
      return {
        manual: `${label}: returned a value that cannot be passed between threads for column ${column}: ${outcome.message}`,
      };
    case 'value': {
      const checked = checkValue(outcome.value, input);
      if ('error' in checked)
        return { manual: `${label}: returned a bad value for column ${column}: ${checked.error}` };
      return { value: checked.value };
    }
  }
}

/**
 * One module file: its worker (when started), the version it runs, and the queue that keeps its
 * calls one at a time (so each call's time limit measures that call only).
 */
class ModuleSlot {
  private host: WorkerHost | undefined;
  /** A version that failed to load: not retried (a worker per conflict) until the file changes. */
  private failed: { readonly version: string; readonly message: string } | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly file: string,
    private readonly module: string,
    private readonly script: WorkerScript,
    private readonly logger: Logger,
  ) {}

  call(input: MergeFunctionInput, timeoutMs: number, isClosed: () => boolean): Promise<CallOutcome> {
    return this.enqueue(() => this.callNow(input, timeoutMs, isClosed));
  }

  reset(): Promise<void> {
    return this.enqueue(async () => {
      this.failed = undefined;
      await this.stop();
    });
  }

  /** Not queued: a call running now must end now, with `closed`. */
  async close(): Promise<void> {
    await this.stop();
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const next = this.queue.then(task);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async callNow(
    input: MergeFunctionInput,
    timeoutMs: number,
    isClosed: () => boolean,
  ): Promise<CallOutcome> {
    if (isClosed()) return { kind: 'closed' };
    let version: string;
    let mtimeMs: number;
    try {
      const info = await stat(this.file);
      if (!info.isFile()) return { kind: 'load-error', message: `${this.file} is not a file` };
      version = `${info.mtimeMs}:${info.size}`;
      mtimeMs = info.mtimeMs;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return {
        kind: 'load-error',
        message:
          code === 'ENOENT' ? `no such file ${this.file}` : `cannot read ${this.file}: ${String(error)}`,
      };
    }
    if (this.failed?.version === version) return { kind: 'load-error', message: this.failed.message };
    if (this.host && (this.host.dead || this.host.version !== version)) {
      if (!this.host.dead && this.host.version !== version)
        this.logger.info({ module: this.module }, 'merge function changed: loading the new version');
      await this.stop();
    }
    if (isClosed()) return { kind: 'closed' };
    if (!this.host) {
      const url = pathToFileURL(this.file);
      // A fresh worker already has an empty module cache; the version in the URL also keeps any
      // loader-level cache (tsx) from serving the old text, and shows the version in stack traces.
      url.search = `?v=${mtimeMs}`;
      this.host = new WorkerHost(this.script, url.href, version, this.module, this.logger);
    }
    const host = this.host;
    const loaded = await host.loaded;
    if (loaded.kind === 'closed') return loaded;
    if (loaded.kind !== 'ready') {
      // A worker that dies while importing (process.exit or a heap blow-up at top level) is as
      // broken as a module that throws: neither is retried until the file changes.
      const message =
        loaded.kind === 'load-error'
          ? loaded.message
          : `its worker failed while loading it: ${loaded.message}`;
      this.failed = { version, message };
      this.logger.warn(
        {
          module: this.module,
          reason: message,
          ...(loaded.kind === 'load-error' ? { stack: loaded.stack } : {}),
        },
        'merge function cannot be loaded',
      );
      await this.stop();
      return { kind: 'load-error', message };
    }
    // setTimeout fires at once past 2^31 − 1 ms; the rule schema should never let such a value by.
    const outcome = await host.call(input, Math.min(Math.max(timeoutMs, 1), 2_147_483_647));
    if (outcome.kind === 'timeout') {
      this.logger.warn(
        { module: this.module, column: input.column, timeoutMs },
        'merge function ran too long: worker terminated',
      );
    }
    if (host.dead && this.host === host) this.host = undefined;
    return outcome;
  }

  private async stop(): Promise<void> {
    const host = this.host;
    this.host = undefined;
    if (host) await host.terminate();
  }
}

type LoadOutcome =
  | { readonly kind: 'ready' }
  | { readonly kind: 'load-error'; readonly message: string; readonly stack?: string }
  | { readonly kind: 'crashed'; readonly message: string }
  | { readonly kind: 'closed' };

/** One worker thread running one version of one module; at most one call at a time. */
class WorkerHost {
  /** Settles once: the module loaded, failed to, or the worker died or was stopped first. */
  readonly loaded: Promise<LoadOutcome>;
  /** Set once the worker has ended or been told to: the slot then starts a new one. */
  dead = false;
  private readonly worker: Worker;
  private settleLoad: (outcome: LoadOutcome) => void = () => undefined;
  private pending: { readonly id: number; readonly settle: (outcome: CallOutcome) => void } | undefined;
  private nextId = 0;

  constructor(
    script: WorkerScript,
    moduleUrl: string,
    readonly version: string,
    private readonly module: string,
    private readonly logger: Logger,
  ) {
    this.loaded = new Promise<LoadOutcome>((resolveLoad) => {
      let done = false;
      const settle = (outcome: LoadOutcome): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolveLoad(outcome);
      };
      // Top-level code that never finishes would otherwise hold every conflict of this column.
      const timer = setTimeout(() => {
        settle({ kind: 'load-error', message: `loading took longer than ${LOAD_TIMEOUT_MS} ms` });
        void this.terminate();
      }, LOAD_TIMEOUT_MS);
      this.settleLoad = settle;
    });
    const start: MergeWorkerStart = { moduleUrl };
    this.worker = new Worker(script.script, {
      eval: script.eval,
      execArgv: workerExecArgv(),
      workerData: start,
      // The module's console output becomes log lines: stdout belongs to command output.
      stdout: true,
      stderr: true,
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
    });
    this.forward(this.worker.stdout, 'stdout');
    this.forward(this.worker.stderr, 'stderr');
    this.worker.on('message', (message: MergeWorkerMessage) => this.onMessage(message));
    this.worker.on('messageerror', (error: Error) =>
      this.finishCall({ kind: 'unclonable', message: `${error.name}: ${error.message}` }),
    );
    this.worker.on('error', (error: Error) => {
      this.logger.warn({ module: this.module, err: error }, 'merge function worker failed');
      this.died({ kind: 'crashed', message: `${error.name}: ${error.message}` });
    });
    this.worker.on('exit', (code: number) => {
      this.died({ kind: 'crashed', message: `the worker exited with code ${code}` });
    });
  }

  /** Runs one call; the time limit starts now, the module being loaded. */
  call(input: MergeFunctionInput, timeoutMs: number): Promise<CallOutcome> {
    if (this.dead) return Promise.resolve({ kind: 'crashed', message: 'the worker has stopped' });
    const id = ++this.nextId;
    return new Promise<CallOutcome>((resolveCall) => {
      const timer = setTimeout(() => {
        this.finishCall({ kind: 'timeout' });
        void this.terminate();
      }, timeoutMs);
      this.pending = {
        id,
        settle: (outcome) => {
          clearTimeout(timer);
          resolveCall(outcome);
        },
      };
      const call: MergeWorkerCall = { id, input };
      try {
        this.worker.postMessage(call);
      } catch (error) {
        this.finishCall({
          kind: 'crashed',
          message: `cannot pass the input to the worker: ${String(error)}`,
        });
      }
    });
  }

  /** Ends the worker; whatever waits on it ends as `closed`. */
  async terminate(): Promise<void> {
    this.died({ kind: 'closed' });
    try {
      await this.worker.terminate();
    } catch {
      // Already gone: nothing to stop.
    }
  }

  private onMessage(message: MergeWorkerMessage): void {
    switch (message.type) {
      case 'ready':
        this.settleLoad({ kind: 'ready' });
        return;
      case 'load-error':
        this.settleLoad({
          kind: 'load-error',
          message: message.message,
          ...(message.stack ? { stack: message.stack } : {}),
        });
        return;
      case 'result':
        if (this.pending?.id === message.id) this.finishCall({ kind: 'value', value: message.value });
        return;
      case 'threw':
      case 'unclonable':
        if (this.pending?.id === message.id)
          this.finishCall({ kind: message.type, message: message.message });
        return;
    }
  }

  private finishCall(outcome: CallOutcome): void {
    const pending = this.pending;
    this.pending = undefined;
    pending?.settle(outcome);
  }

  /** The worker ended (or is being ended): nothing may wait on it any longer. */
  private died(outcome: Extract<CallOutcome, { kind: 'crashed' | 'closed' }>): void {
    this.dead = true;
    this.settleLoad(outcome);
    this.finishCall(outcome);
  }

  private forward(stream: Readable, name: 'stdout' | 'stderr'): void {
    const lines = createInterface({ input: stream, crlfDelay: Infinity });
    lines.on('line', (line) => {
      if (name === 'stdout') this.logger.info({ module: this.module, stream: name }, line);
      else this.logger.warn({ module: this.module, stream: name }, line);
    });
  }
}

/**
 * The process's Node options, which a worker inherits, less `--input-type`: it applies to `-e` code
 * only, and a worker started from a file refuses to run with it (`node --input-type=module -e …`).
 */
function workerExecArgv(): string[] {
  const out: string[] = [];
  for (let i = 0; i < process.execArgv.length; i++) {
    const arg = process.execArgv[i]!;
    if (arg === '--input-type') i++;
    else if (!arg.startsWith('--input-type=')) out.push(arg);
  }
  return out;
}

/** What a worker runs: the entry file, or (from the TypeScript source) code that imports it. */
interface WorkerScript {
  readonly script: URL | string;
  readonly eval: boolean;
}

/**
 * The worker entry next to this file: `.js` in the build. From the TypeScript source under tsx,
 * Node 20 does not apply the inherited `--import tsx` to a worker's modules (privatenumber/tsx#354),
 * so the worker registers tsx itself before it imports the `.ts` entry.
 */
function workerScript(): WorkerScript {
  const built = new URL('./merge-function-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(built))) return { script: built, eval: false };
  const source = new URL('./merge-function-worker.ts', import.meta.url);
  let tsx: string;
  try {
    tsx = import.meta.resolve('tsx/esm/api');
  } catch {
    return { script: source, eval: false }; // fails in the worker, with Node's own message
  }
  const code =
    `import(${JSON.stringify(tsx)})` +
    `.then((tsx) => { tsx.register(); return import(${JSON.stringify(source.href)}); })`;
  return { script: code, eval: true };
}

/**
 * A value with its bytes in an array of their own: a `Buffer` is often a view into an 8 KiB pool,
 * and a structured clone copies the whole pool (other rows' data included) into the worker.
 */
function copyBytes<V extends Value | undefined>(value: V): V {
  if (value instanceof Uint8Array) return new Uint8Array(value) as V;
  if (typeof value === 'object' && value !== null && value.type === 'bits')
    return { ...value, bytes: new Uint8Array(value.bytes) };
  return value;
}

/** The kinds a returned value must match; all numbers are one kind. */
type ValueKind =
  | 'a boolean'
  | 'a number'
  | 'text'
  | 'bytes'
  | 'a date'
  | 'a time'
  | 'a timestamp'
  | 'a timestamptz'
  | 'an interval'
  | 'json'
  | 'bits';

function kindOf(value: Exclude<Value, null>): ValueKind {
  switch (typeof value) {
    case 'boolean':
      return 'a boolean';
    case 'number':
    case 'bigint':
      return 'a number';
    case 'string':
      return 'text';
    default:
      break;
  }
  if (value instanceof Uint8Array) return 'bytes';
  switch (value.type) {
    case 'decimal':
      return 'a number';
    case 'date':
      return 'a date';
    case 'time':
      return 'a time';
    case 'timestamp':
      return 'a timestamp';
    case 'timestamptz':
      return 'a timestamptz';
    case 'interval':
      return 'an interval';
    case 'json':
      return 'json';
    case 'bits':
      return 'bits';
  }
}

/**
 * The function's return value as a clean dbtwin `Value` (tagged objects rebuilt with only their own
 * fields, bytes copied), or what is wrong with it: not a Value, or of another kind than the column's
 * current and incoming values (NULL always allowed; any kind when both are NULL).
 */
function checkValue(raw: unknown, input: ColumnMergeInput): Checked {
  const checked = asValue(raw, input);
  if ('error' in checked) return checked;
  const shaped = checked.value;
  if (shaped === null) return checked;
  const expected = new Set(
    [input.current, input.incoming].filter((v): v is Exclude<Value, null> => v !== null).map(kindOf),
  );
  const kind = kindOf(shaped);
  if (expected.size > 0 && !expected.has(kind))
    return { error: `${kind}, but the column holds ${[...expected].join(' and ')}` };
  return checked;
}

type Checked = { readonly value: Value } | { readonly error: string };

/** `raw` rebuilt as a Value, or a description of why it is not one. */
function asValue(raw: unknown, input: ColumnMergeInput): Checked {
  const notValue = (what: string): Checked => ({ error: `${what}, which is not a dbtwin value` });
  switch (typeof raw) {
    case 'boolean':
    case 'bigint':
    case 'string':
      return { value: raw };
    case 'number':
      // NaN and ±Infinity break equality and most columns; allowed only when passed through.
      if (Number.isFinite(raw) || Object.is(raw, input.current) || Object.is(raw, input.incoming))
        return { value: raw };
      return { error: `the number ${raw}, which no column can hold exactly` };
    case 'undefined':
      return { error: 'undefined (return null for NULL)' };
    case 'object':
      break;
    default:
      return notValue(`a ${typeof raw}`);
  }
  if (raw === null) return { value: null };
  if (raw instanceof Uint8Array) return { value: new Uint8Array(raw) };
  if (raw instanceof Date)
    return {
      error:
        "a Date, which is not a dbtwin value (return { type: 'timestamp' | 'timestamptz', micros, nanos })",
    };
  if (Array.isArray(raw)) return notValue('an array');
  const o = raw as Record<string, unknown>;
  const int = (v: unknown): v is number => Number.isSafeInteger(v);
  const big = (v: unknown): v is bigint => typeof v === 'bigint';
  const bad = (type: string, fields: string): Checked => ({
    error: `an object of type '${type}' without the fields of a dbtwin ${type} value (${fields})`,
  });
  switch (o['type']) {
    case 'decimal':
      if (big(o['unscaled']) && int(o['scale']))
        return { value: { type: 'decimal', unscaled: o['unscaled'], scale: o['scale'] } };
      return bad('decimal', 'unscaled: bigint, scale: integer');
    case 'date':
      if (int(o['days'])) return { value: { type: 'date', days: o['days'] } };
      return bad('date', 'days: integer');
    case 'time':
      if (big(o['micros'])) return { value: { type: 'time', micros: o['micros'] } };
      return bad('time', 'micros: bigint');
    case 'timestamp':
    case 'timestamptz': {
      const nanos = o['nanos'] ?? 0;
      if (big(o['micros']) && int(nanos) && nanos >= 0 && nanos <= 999)
        return { value: { type: o['type'], micros: o['micros'], nanos } };
      return bad(o['type'], 'micros: bigint, nanos: integer 0–999');
    }
    case 'interval': {
      const micros = o['micros'];
      const iso = o['iso'];
      if (
        (micros === undefined || big(micros)) &&
        (iso === undefined || typeof iso === 'string') &&
        (micros !== undefined || iso !== undefined)
      )
        return {
          value: {
            type: 'interval',
            ...(micros !== undefined ? { micros } : {}),
            ...(iso !== undefined ? { iso } : {}),
          },
        };
      return bad('interval', 'micros: bigint and/or iso: string');
    }
    case 'json': {
      const text = o['text'];
      if (typeof text !== 'string') return bad('json', 'text: string');
      try {
        JSON.parse(text);
      } catch {
        return { error: 'a json value whose text is not valid JSON' };
      }
      return { value: { type: 'json', text } };
    }
    case 'bits': {
      const bytes = o['bytes'];
      const length = o['length'];
      if (bytes instanceof Uint8Array && int(length) && length >= 0 && length <= bytes.length * 8)
        return { value: { type: 'bits', bytes: new Uint8Array(bytes), length } };
      return bad('bits', 'bytes: Uint8Array, length: bit count');
    }
    default:
      return notValue('an object');
  }
}
