/**
 * The worker thread that hosts one custom merge function (`merge-function-runner.ts`). It imports the
 * module once, says whether that worked, then runs one call per message. It imports nothing at run
 * time (only types), so it starts fast both as TypeScript under `tsx` and as built JavaScript, and a
 * broken rules module can only break this thread, never the link.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type { MergeFunctionInput } from './merge-function-runner.js';

/** What the runner gives the worker at start (`workerData`). */
export interface MergeWorkerStart {
  /** The module's file URL, with `?v=<mtime>` so each version is a distinct module. */
  readonly moduleUrl: string;
}

/** One call, runner → worker. */
export interface MergeWorkerCall {
  readonly id: number;
  readonly input: MergeFunctionInput;
}

/** Worker → runner. */
export type MergeWorkerMessage =
  /** The module loaded and its default export is a function: calls may come. */
  | { readonly type: 'ready' }
  /** The module could not be loaded; `stack` (when there is one) points the author at the line. */
  | { readonly type: 'load-error'; readonly message: string; readonly stack?: string }
  /** The function's value, not yet checked: the runner checks it on its side of the clone. */
  | { readonly type: 'result'; readonly id: number; readonly value: unknown }
  /** The function threw (or its promise rejected). */
  | { readonly type: 'threw'; readonly id: number; readonly message: string }
  /** The function's value cannot be cloned to the runner (a function, a symbol, a class with private state…). */
  | { readonly type: 'unclonable'; readonly id: number; readonly message: string };

type MergeFunction = (input: MergeFunctionInput) => unknown;

if (parentPort) void start(parentPort, workerData as MergeWorkerStart);

async function start(port: MessagePort, data: MergeWorkerStart): Promise<void> {
  const send = (message: MergeWorkerMessage): void => port.postMessage(message);
  let run: MergeFunction;
  try {
    const loaded = (await import(data.moduleUrl)) as { readonly default?: unknown };
    if (typeof loaded.default !== 'function') {
      const found = loaded.default === undefined ? 'no default export' : `a ${typeof loaded.default}`;
      send({ type: 'load-error', message: `its default export must be a function; found ${found}` });
      return;
    }
    run = loaded.default as MergeFunction;
  } catch (error) {
    const stack = error instanceof Error ? error.stack : undefined;
    send({ type: 'load-error', message: errorText(error), ...(stack ? { stack } : {}) });
    return;
  }
  port.on('message', (call: MergeWorkerCall) => {
    void (async () => {
      let value: unknown;
      try {
        value = await run(call.input);
      } catch (error) {
        send({ type: 'threw', id: call.id, message: errorText(error) });
        return;
      }
      try {
        send({ type: 'result', id: call.id, value });
      } catch (error) {
        send({ type: 'unclonable', id: call.id, message: errorText(error) });
      }
    })();
  });
  send({ type: 'ready' });
}

/** `Name: message` for errors, the text of anything else thrown; never throws itself. */
function errorText(error: unknown): string {
  try {
    if (error instanceof Error) return `${error.name}: ${error.message}`;
    return typeof error === 'string' ? error : `a non-error value ${String(error)}`;
  } catch {
    return 'a value that cannot be printed';
  }
}
