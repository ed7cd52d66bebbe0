import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { RuleSetInvalidError } from '../../src/rules/rule-file-loader.js';
import type { RuleSet } from '../../src/rules/rule-set.js';
import { RulesWatcher } from '../../src/rules/rules-watcher.js';

/** The design's bound: an edit takes effect within 2 s. */
const RELOAD_BOUND_MS = 2000;

/** Polls `check` until it holds; fails after `boundMs` from `since`. Returns the time it took. */
async function within(
  what: string,
  since: number,
  check: () => boolean,
  boundMs = RELOAD_BOUND_MS,
): Promise<number> {
  while (!check()) {
    if (Date.now() - since > boundMs) assert.fail(`${what}: not within ${boundMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - since;
}

/** File watchers run on the real file system: an I/O test, though it needs no service. */
describe('RulesWatcher (real file system)', () => {
  let dir: string;
  let watcher: RulesWatcher;
  const logs: { level: number; msg: string; problems?: string[] }[] = [];
  const changes: { next: RuleSet; previous: RuleSet }[] = [];
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean))
          logs.push(JSON.parse(line) as { level: number; msg: string });
        done();
      },
    }),
  );
  /** Writes as editors do: a temporary file renamed over the old one. */
  const save = (name: string, text: string): number => {
    const temp = path.join(dir, `.${name}.swp`);
    writeFileSync(temp, text);
    const at = Date.now();
    renameSync(temp, path.join(dir, name));
    return at;
  };

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'dbtwin-rules-watch-'));
    writeFileSync(path.join(dir, 'default.yaml'), 'policy: priority\n');
    mkdirSync(path.join(dir, 'functions'));
    watcher = await RulesWatcher.start(dir, {
      sides: ['mariadb', 'postgres'],
      logger,
      onChange: (next, previous) => changes.push({ next, previous }),
    });
  });

  after(() => {
    watcher.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a new file, then an edit in place, take effect within 2 s', async () => {
    const first = watcher.current();
    assert.deepEqual(first.defaults.policy, { kind: 'priority' });

    let at = Date.now();
    writeFileSync(path.join(dir, 'orders.yaml'), 'tables: [orders]\npolicy: lww\n');
    await within('the new file', at, () => watcher.current().tables.has('orders'));
    const added = watcher.current();
    assert.notEqual(added.hash, first.hash);
    assert.deepEqual(changes.at(-1), { next: added, previous: first });

    at = Date.now();
    writeFileSync(path.join(dir, 'orders.yaml'), 'tables: [orders]\npolicy: manual\n');
    await within('the edit', at, () => watcher.current().tables.get('orders')?.policy.kind === 'manual');
    assert.equal(watcher.lastError(), undefined);
    assert.ok(
      logs.some(
        (l) =>
          l.msg ===
          `rules reloaded: hash ${watcher.current().hash.slice(0, 12)} (was ${added.hash.slice(0, 12)})`,
      ),
    );
  });

  it('a save by rename (as editors do) takes effect within 2 s', async () => {
    const at = save('orders.yaml', 'tables: [orders]\npolicy: merge\ncolumns: { qty: delta }\n');
    const took = await within(
      'the renamed file',
      at,
      () => watcher.current().tables.get('orders')?.policy.kind === 'merge',
    );
    assert.ok(took < RELOAD_BOUND_MS);
    assert.deepEqual(watcher.current().tables.get('orders')?.columns, { qty: { kind: 'delta' } });
  });

  it('a typo is rejected with its file:line:col and the last good rules keep running', async () => {
    const good = watcher.current();
    const at = save('orders.yaml', 'tables: [orders]\npolcy: lww\n');
    await within('the rejection', at, () => watcher.lastError() !== undefined);
    assert.equal(watcher.current(), good, 'the same rule set object: nothing swapped');
    const file = path.join(dir, 'orders.yaml');
    assert.deepEqual(watcher.lastError()?.problems, [
      `${file}:1:1: policy: is required (one of lww, priority, merge, ignore, manual)`,
      `${file}:2:1: polcy: unknown key "polcy"; did you mean "policy"?`,
    ]);
    assert.equal(watcher.status().lastError, watcher.lastError());
    assert.equal(watcher.status().hash, good.hash);
    const rejected = logs.find((l) => l.msg.startsWith('rules rejected: '));
    assert.ok(rejected, 'logged');
    assert.match(rejected.msg, /orders\.yaml:2:1: polcy: unknown key "polcy"; did you mean "policy"\?/);
    assert.ok(rejected.msg.endsWith(`; still running hash ${good.hash.slice(0, 12)}`), rejected.msg);
    assert.equal(rejected.problems?.length, 2);

    // Fixed: accepted again, the error cleared.
    const fixed = save('orders.yaml', 'tables: [orders]\npolicy: lww\n');
    await within('the fix', fixed, () => watcher.lastError() === undefined);
    assert.equal(watcher.current().tables.get('orders')?.policy.kind, 'lww');
  });

  it('a change to a merge-function module in a subfolder reloads (the hash covers it)', async () => {
    writeFileSync(path.join(dir, 'functions', 'pick.mjs'), 'export default ({ current }) => current;\n');
    let at = save(
      'orders.yaml',
      'tables: [orders]\npolicy: merge\ncolumns: { note: { function: functions/pick.mjs } }\n',
    );
    await within(
      'the function rule',
      at,
      () => watcher.current().tables.get('orders')?.policy.kind === 'merge',
    );
    const before = watcher.current().hash;
    // The subfolder is watched before the new set is swapped in, so no pause is needed here.
    at = Date.now();
    writeFileSync(path.join(dir, 'functions', 'pick.mjs'), 'export default ({ incoming }) => incoming;\n');
    await within('the module edit', at, () => watcher.current().hash !== before);
  });

  it('a rules folder deleted and created again is watched again', async () => {
    const before = watcher.current();
    rmSync(dir, { recursive: true, force: true });
    await within('the rejection', Date.now(), () => watcher.lastError() !== undefined);
    assert.match(watcher.lastError()!.problems[0]!, /\[DBT1006\] .*: cannot read the rules folder/);
    assert.equal(watcher.current(), before);
    mkdirSync(dir);
    const at = Date.now();
    writeFileSync(path.join(dir, 'default.yaml'), 'policy: manual\n');
    // Noticed by the retry (every second), not by an event: the old watcher died with the folder.
    await within('the new folder', at, () => watcher.current().defaults.policy.kind === 'manual', 3000);
    assert.equal(watcher.lastError(), undefined);
    const at2 = Date.now();
    writeFileSync(path.join(dir, 'default.yaml'), 'policy: ignore\n');
    await within('an edit in the new folder', at2, () => watcher.current().defaults.policy.kind === 'ignore');
  });

  it('after close(), edits change nothing', async () => {
    const last = watcher.current();
    watcher.close();
    writeFileSync(path.join(dir, 'late.yaml'), 'tables: [late]\npolicy: ignore\n');
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(watcher.current(), last);
  });

  it('start refuses an invalid folder: there are no last good rules to keep', async () => {
    const bad = mkdtempSync(path.join(tmpdir(), 'dbtwin-rules-bad-'));
    writeFileSync(path.join(bad, 'default.yaml'), 'policy: lwww\n');
    await assert.rejects(RulesWatcher.start(bad, { sides: ['mariadb'], logger }), RuleSetInvalidError);
    rmSync(bad, { recursive: true, force: true });
  });
});
