import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { pino } from 'pino';
import type { Value } from '../../src/core/values.js';
import {
  createMergeFunctionRunner,
  type ManagedMergeFunctionRunner,
} from '../../src/rules/merge-function-runner.js';
import type { ColumnMergeInput, ColumnMergeResult } from '../../src/rules/policies/merge-strategies.js';

/** Log lines the runner wrote, parsed. */
const logged: Record<string, unknown>[] = [];
const logger = pino(
  { level: 'info' },
  new Writable({
    write(chunk: Buffer, _encoding, done): void {
      logged.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  }),
);

let dir: string;
let runner: ManagedMergeFunctionRunner;

/** Writes a module into the temporary rules dir. */
async function module(name: string, source: string): Promise<void> {
  await writeFile(join(dir, name), source);
}

/** `base` is required: undefined (no before-image) must not turn into a default. */
function input(current: Value, incoming: Value, base: Value | undefined): ColumnMergeInput {
  return { base, current, incoming, incomingSide: 'mariadb', targetSide: 'postgres' };
}

function call(
  name: string,
  current: Value,
  incoming: Value,
  timeoutMs = 2_000,
  base: Value | undefined = null,
): Promise<ColumnMergeResult> {
  return runner({ kind: 'function', module: name, timeoutMs }, 'c', input(current, incoming, base));
}

function manualOf(result: ColumnMergeResult): string {
  assert.ok(
    'manual' in result,
    `expected manual, got ${JSON.stringify(result, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))}`,
  );
  return result.manual;
}

describe('createMergeFunctionRunner', () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dbtwin-merge-fn-'));
    runner = createMergeFunctionRunner(dir, logger);
  });
  after(async () => {
    await runner.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('returns the value of a good function: a bigint, a decimal object', async () => {
    await module(
      'sum.mjs',
      `export default ({ current, incoming }) =>
         typeof current === 'bigint' ? current + incoming
         : { type: 'decimal', unscaled: current.unscaled + incoming.unscaled, scale: current.scale };`,
    );
    assert.deepEqual(await call('sum.mjs', 1n, 2n), { value: 3n });
    assert.deepEqual(
      await call(
        'sum.mjs',
        { type: 'decimal', unscaled: 150n, scale: 2 },
        { type: 'decimal', unscaled: 25n, scale: 2 },
      ),
      { value: { type: 'decimal', unscaled: 175n, scale: 2 } },
    );
  });

  it('passes every kind of value through the thread boundary and back unchanged', async () => {
    await module('identity.mjs', 'export default ({ current }) => current;');
    const pooled = Buffer.from('bytes'); // a view into Buffer's shared pool
    const values: Value[] = [
      null,
      true,
      -1.5,
      2n ** 70n,
      'text ✓',
      new Uint8Array(pooled),
      { type: 'decimal', unscaled: -12345678901234567890n, scale: 10 },
      { type: 'date', days: -3 },
      { type: 'time', micros: -3_020_399_000_000n },
      { type: 'timestamp', micros: 1_700_000_000_123_456n, nanos: 789 },
      { type: 'timestamptz', micros: 1n, nanos: 0 },
      { type: 'interval', micros: 90_000_000n },
      { type: 'interval', iso: 'P1Y2M' },
      { type: 'json', text: '{"b":1,"a":[true,null]}' },
      { type: 'bits', bytes: new Uint8Array([0b101, 1]), length: 9 },
    ];
    for (const value of values) assert.deepEqual(await call('identity.mjs', value, value), { value });
    // A pooled Buffer goes across as its own bytes, not the pool's.
    const back = await call('identity.mjs', pooled, pooled);
    assert.ok('value' in back && back.value instanceof Uint8Array);
    assert.equal(Buffer.from(back.value).toString(), 'bytes');
    assert.equal(back.value.buffer.byteLength, 5);
  });

  it('gives the function its column, base and sides', async () => {
    await module(
      'echo-input.mjs',
      `export default (input) => JSON.stringify([input.column, input.base === undefined ? 'no base' : input.base, input.incomingSide, input.targetSide]);`,
    );
    const strategy = { kind: 'function', module: 'echo-input.mjs', timeoutMs: 2_000 } as const;
    assert.deepEqual(await runner(strategy, 'c', input('x', 'y', undefined)), {
      value: '["c","no base","mariadb","postgres"]',
    });
    assert.deepEqual(await call('echo-input.mjs', 'x', 'y', 2_000, 'b'), {
      value: '["c","b","mariadb","postgres"]',
    });
  });

  it('awaits an async function', async () => {
    await module(
      'async.mjs',
      `export default async ({ current, incoming }) => {
         await new Promise((r) => setTimeout(r, 20));
         return current > incoming ? current : incoming;
       };`,
    );
    assert.deepEqual(await call('async.mjs', 'a', 'b'), { value: 'b' });
  });

  it('sends a throwing or rejecting function to manual with its message, naming module and column', async () => {
    await module(
      'throws.mjs',
      `export default async ({ current }) => {
         if (current === 'reject') throw new RangeError('async boom');
         throw new Error('boom');
       };`,
    );
    assert.equal(
      manualOf(await call('throws.mjs', 'x', 'y')),
      'function throws.mjs: threw on column c: Error: boom',
    );
    assert.equal(
      manualOf(await call('throws.mjs', 'reject', 'y')),
      'function throws.mjs: threw on column c: RangeError: async boom',
    );
  });

  it('stops a function that runs too long, and the next call works in a new worker', async () => {
    await module(
      'loop.mjs',
      `export default ({ current }) => {
         if (current === 'loop') for (;;) {}
         return current;
       };`,
    );
    assert.deepEqual(await call('loop.mjs', 'warm', 'x'), { value: 'warm' }); // worker started
    const started = Date.now();
    assert.equal(
      manualOf(await call('loop.mjs', 'loop', 'x', 50)),
      'function loop.mjs: ran longer than 50 ms',
    );
    assert.ok(Date.now() - started < 1_000, `took ${Date.now() - started} ms`);
    assert.deepEqual(await call('loop.mjs', 'again', 'x', 5_000), { value: 'again' });
    assert.ok(logged.some((line) => line['msg'] === 'merge function ran too long: worker terminated'));
  });

  it('stops a promise that never settles', async () => {
    await module('never.mjs', 'export default () => new Promise(() => {});');
    assert.equal(
      manualOf(await call('never.mjs', 'a', 'b', 50)),
      'function never.mjs: ran longer than 50 ms',
    );
  });

  it('sends a value that is not a dbtwin value, or of another kind than the column, to manual', async () => {
    await module(
      'bad.mjs',
      `export default ({ current }) => {
         switch (current) {
           case 'object': return { answer: 42 };
           case 'undefined': return undefined;
           case 'date': return new Date(0);
           case 'nan': return NaN;
           case 'function': return () => 1;
           case 'decimal': return { type: 'decimal', unscaled: 5, scale: 0 };
           case 'json': return { type: 'json', text: '{oops' };
           case 'null': return null;
           default: return 'text';
         }
       };`,
    );
    const bad = async (current: string): Promise<string> => manualOf(await call('bad.mjs', current, 'x'));
    assert.equal(
      await bad('object'),
      'function bad.mjs: returned a bad value for column c: an object, which is not a dbtwin value',
    );
    assert.equal(
      await bad('undefined'),
      'function bad.mjs: returned a bad value for column c: undefined (return null for NULL)',
    );
    assert.match(await bad('date'), /for column c: a Date, which is not a dbtwin value/);
    assert.match(await bad('nan'), /for column c: the number NaN/);
    assert.match(
      await bad('function'),
      /^function bad\.mjs: returned a value that cannot be passed between threads for column c: DataCloneError/,
    );
    assert.match(await bad('decimal'), /an object of type 'decimal' without the fields .*unscaled: bigint/);
    assert.match(await bad('json'), /a json value whose text is not valid JSON/);
    // Text for a numeric column.
    assert.equal(
      manualOf(await call('bad.mjs', 7n, { type: 'decimal', unscaled: 1n, scale: 0 })),
      'function bad.mjs: returned a bad value for column c: text, but the column holds a number',
    );
    // NULL is always a value; any kind goes when both sides are NULL.
    assert.deepEqual(await call('bad.mjs', 'null', 'x'), { value: null });
    assert.deepEqual(await call('bad.mjs', null, null), { value: 'text' });
  });

  it('sends a module that cannot be loaded to manual', async () => {
    assert.match(
      manualOf(await call('missing.mjs', 'a', 'b')),
      /^function missing\.mjs: cannot be loaded for column c: no such file .*missing\.mjs$/,
    );
    assert.match(
      manualOf(await call('../outside.mjs', 'a', 'b')),
      /^function \.\.\/outside\.mjs: cannot be loaded for column c: the module is not under the rules directory/,
    );
    await module('syntax.mjs', 'export default ({ current ) => current;');
    assert.match(
      manualOf(await call('syntax.mjs', 'a', 'b')),
      /^function syntax\.mjs: cannot be loaded for column c: SyntaxError/,
    );
    await module('no-default.mjs', 'export const merge = () => 1;');
    assert.equal(
      manualOf(await call('no-default.mjs', 'a', 'b')),
      'function no-default.mjs: cannot be loaded for column c: its default export must be a function; found no default export',
    );
    await module('top-level-throw.mjs', "throw new Error('broken at load');");
    assert.equal(
      manualOf(await call('top-level-throw.mjs', 'a', 'b')),
      'function top-level-throw.mjs: cannot be loaded for column c: Error: broken at load',
    );
  });

  it('survives a worker that exits, and starts a new one for the next call', async () => {
    await module(
      'exits.mjs',
      `export default ({ current }) => {
         if (current === 'exit') process.exit(3);
         return current;
       };`,
    );
    assert.match(
      manualOf(await call('exits.mjs', 'exit', 'x')),
      /^function exits\.mjs: its worker failed on column c: .*code 3/,
    );
    assert.deepEqual(await call('exits.mjs', 'fine', 'x'), { value: 'fine' });
  });

  it('uses the new code after the module file changes', async () => {
    const file = join(dir, 'edited.mjs');
    await module('edited.mjs', "export default () => 'one';");
    assert.deepEqual(await call('edited.mjs', 'a', 'b'), { value: 'one' });
    await module('edited.mjs', "export default () => 'two';"); // same size: the mtime tells
    const later = new Date(Date.now() + 5_000);
    await utimes(file, later, later);
    assert.deepEqual(await call('edited.mjs', 'a', 'b'), { value: 'two' });
    // Same size and mtime (a copy that kept its timestamp): only reset() sees it.
    const { mtime } = await stat(file);
    await module('edited.mjs', "export default () => 'uno';");
    await utimes(file, mtime, mtime);
    assert.deepEqual(await call('edited.mjs', 'a', 'b'), { value: 'two' });
    await runner.reset();
    assert.deepEqual(await call('edited.mjs', 'a', 'b'), { value: 'uno' });
  });

  it('retries a module that failed to load once its file is fixed', async () => {
    await module('fixed.mjs', 'export default (');
    assert.match(manualOf(await call('fixed.mjs', 'a', 'b')), /cannot be loaded/);
    await module('fixed.mjs', "export default () => 'fixed';");
    const later = new Date(Date.now() + 10_000);
    await utimes(join(dir, 'fixed.mjs'), later, later);
    assert.deepEqual(await call('fixed.mjs', 'a', 'b'), { value: 'fixed' });
  });

  it("turns the module's console output into log lines", async () => {
    await module(
      'chatty.mjs',
      "export default ({ current }) => { console.log('merging', current); return current; };",
    );
    assert.deepEqual(await call('chatty.mjs', 'hello', 'x'), { value: 'hello' });
    for (let i = 0; i < 50 && !logged.some((line) => line['msg'] === 'merging hello'); i++)
      await new Promise((r) => setTimeout(r, 10));
    assert.ok(logged.some((line) => line['msg'] === 'merging hello' && line['module'] === 'chatty.mjs'));
  });

  it('ends a running call and every later one as manual on close()', async () => {
    const own = createMergeFunctionRunner(dir, logger);
    await module('slow.mjs', 'export default () => new Promise((r) => setTimeout(() => r(1), 30_000));');
    const strategy = { kind: 'function', module: 'slow.mjs', timeoutMs: 60_000 } as const;
    const running = own(strategy, 'c', input(1, 2, null));
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    await own.close();
    assert.equal(manualOf(await running), 'function slow.mjs: the merge function runner is closed');
    assert.ok(Date.now() - started < 2_000);
    assert.equal(
      manualOf(await own(strategy, 'c', input(1, 2, null))),
      'function slow.mjs: the merge function runner is closed',
    );
  });
});

describe('a process with a runner', () => {
  it('exits once close() has terminated the workers', async () => {
    const runnerUrl = new URL('../../src/rules/merge-function-runner.ts', import.meta.url).href;
    const rulesDir = fileURLToPath(new URL('../../rules', import.meta.url));
    // A worker runs a call and stays; after close() nothing may hold the event loop.
    const script = `
      import { pino } from 'pino';
      import { createMergeFunctionRunner } from ${JSON.stringify(runnerUrl)};
      const runner = createMergeFunctionRunner(${JSON.stringify(rulesDir)}, pino({ level: 'silent' }));
      const strategy = { kind: 'function', module: 'functions/longest-text.mjs', timeoutMs: 5000 };
      const result = await runner(strategy, 'c', { base: null, current: 'a', incoming: 'bb', incomingSide: 'x', targetSide: 'y' });
      await runner.close();
      console.log(JSON.stringify(result));`;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: fileURLToPath(new URL('../..', import.meta.url)), timeout: 20_000 },
    );
    assert.equal(stdout.trim(), '{"value":"bb"}');
  });
});

describe('the example merge functions', () => {
  const examples = createMergeFunctionRunner(fileURLToPath(new URL('../../rules', import.meta.url)), logger);
  after(() => examples.close());
  const both = async (
    module: string,
    a: Value,
    b: Value,
    base: Value | undefined,
  ): Promise<[ColumnMergeResult, ColumnMergeResult]> => {
    const strategy = { kind: 'function', module, timeoutMs: 2_000 } as const;
    return [
      await examples(strategy, 'c', input(a, b, base)),
      await examples(strategy, 'c', input(b, a, base)),
    ];
  };

  it('longest-text: the longer text, ties to the larger, the same from both sides', async () => {
    for (const [a, b, expected] of [
      ['short', 'longer', 'longer'],
      ['abc', 'abd', 'abd'],
      ['😀😀', 'abc', 'abc'], // code points, not UTF-16 units
      [null, 'x', 'x'],
      [null, null, null],
    ] as const) {
      const [ab, ba] = await both('functions/longest-text.mjs', a, b, null);
      assert.deepEqual(ab, { value: expected });
      assert.deepEqual(ba, ab);
    }
    assert.match(
      manualOf((await both('functions/longest-text.mjs', 1, 2, null))[0]),
      /threw on column c: TypeError: longest-text works on text columns/,
    );
  });

  it('sum-json-counts: key-by-key deltas, sorted keys, the same from both sides', async () => {
    const json = (text: string): Value => ({ type: 'json', text });
    const base = json('{"a":1,"b":5,"gone":2}');
    const [ab, ba] = await both(
      'functions/sum-json-counts.mjs',
      json('{"a":3,"b":5}'),
      json('{"b":4,"a":1,"c":1,"__proto__":1}'),
      base,
    );
    assert.deepEqual(ab, { value: json('{"__proto__":1,"a":3,"b":4,"c":1}') });
    assert.deepEqual(ba, ab);
    assert.match(
      manualOf((await both('functions/sum-json-counts.mjs', json('{}'), json('{}'), undefined))[0]),
      /no before-image/,
    );
    assert.match(
      manualOf((await both('functions/sum-json-counts.mjs', json('{"a":1.5}'), json('{}'), json('{}')))[0]),
      /not an integer/,
    );
  });
});
