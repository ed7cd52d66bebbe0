import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createDemoTable } from '../../src/cli/demo-table.js';
import { LocalPair } from '../support/replication-harness.js';
import { runCli } from '../support/run-cli.js';

const made: string[] = [];
after(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A fresh folder holding `files` (name → text), removed after the tests. */
function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'dbtwin-rules-cli-'));
  made.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

describe('dbtwin rules check (real MariaDB and PostgreSQL catalogs)', () => {
  // The shipped rules name the demo table: it exists wherever `npm run demo` ran, and here from now on.
  before(async () => {
    const pair = await LocalPair.open();
    try {
      await createDemoTable(pair.mariadb, pair.postgres);
    } finally {
      await pair.close();
    }
  });

  it('the shipped rules pass against dbtwin.yaml and the live tables', async () => {
    const result = await runCli(['rules', 'check', 'rules', '-c', 'dbtwin.yaml']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^ok: 2 files, 1 tables, hash [0-9a-f]{12}\n$/);
    assert.equal(result.stderr, '');
    // The default folder and configuration are the same ones.
    const defaults = await runCli(['rules', 'check']);
    assert.equal(defaults.stdout, result.stdout);
  });

  it('every problem at once as file:line:col, exit 1', async () => {
    const dir = folder({
      'default.yaml': 'policy: lw\norder: [mariadb, postgress]\n',
      'accounts.yaml': 'tables: [demo_acounts]\npolicy: merge\ncolumns:\n  balance: dleta\n',
    });
    const result = await runCli(['rules', 'check', dir, '--offline']);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.deepEqual(result.stderr.trimEnd().split('\n'), [
      `${dir}/accounts.yaml:1:10: tables[0]: "demo_acounts" is not a table of any side in the configuration; did you mean "demo_accounts"? (tables: demo_accounts)`,
      `${dir}/accounts.yaml:4:12: columns.balance: must be one of delta, max, min, union, keep-target, take-incoming, or a mapping: { union: "<separator>" }, { prefer: <side> }, { function: <module>, timeoutMs: <ms> } (found "dleta"; did you mean "delta"?)`,
      `${dir}/default.yaml:1:9: policy: must be one of lww, priority, merge, ignore, manual (found "lw"; did you mean "lww"?)`,
      `${dir}/default.yaml:2:18: order[1]: "postgress" is not a side; did you mean "postgres"? (sides: mariadb, postgres)`,
      `dbtwin: [DBT1006] 4 errors in ${dir}`,
    ]);
  });

  it('columns are checked against the live tables of both sides; --offline skips that', async () => {
    const dir = folder({
      'default.yaml': 'policy: lww\nlww: { column: version }\n',
      'demo_accounts.yaml':
        'tables: [demo_accounts]\npolicy: merge\nfallback: lww\nlww: { column: updated_at }\ncolumns:\n  balanse: delta\n  OWNER: { prefer: mariadb }\n',
    });
    const live = await runCli(['rules', 'check', dir]);
    assert.equal(live.code, 1, live.stdout);
    assert.deepEqual(live.stderr.trimEnd().split('\n'), [
      `${dir}/demo_accounts.yaml:6:3: columns.balanse: table demo_accounts has no column "balanse"; did you mean "balance"? (columns: id, owner, balance, updated_at)`,
      `dbtwin: [DBT1006] 1 error in ${dir}`,
    ]);
    // default.yaml rules no table here (demo_accounts has its own file), so its `version` names nothing.
    const offline = await runCli(['rules', 'check', dir, '--offline']);
    assert.equal(offline.code, 0, offline.stderr);
    assert.match(offline.stdout, /^ok: 2 files, 1 tables, hash [0-9a-f]{12}\n$/);
  });

  it('the default file’s columns must exist in the tables it rules', async () => {
    const dir = folder({ 'default.yaml': 'policy: lww\nlww: { by: column, column: update_at }\n' });
    const result = await runCli(['rules', 'check', dir]);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /default\.yaml:2:28: lww\.column: table demo_accounts \(ruled by this default file\) has no column "update_at"; did you mean "updated_at"\? \(columns: id, owner, balance, updated_at\)\n/,
    );
  });

  it('a table the configuration lists but no database has', async () => {
    const config = readFileSync('dbtwin.yaml', 'utf8').replaceAll(
      'tables: [demo_accounts]',
      'tables: [demo_accounts, no_such_table]',
    );
    const configFile = path.join(folder({ 'dbtwin.yaml': config }), 'dbtwin.yaml');
    const dir = folder({
      'default.yaml': 'policy: priority\n',
      'ghost.yaml': 'tables: [no_such_table]\npolicy: manual\n',
    });
    const result = await runCli(['rules', 'check', dir, '-c', configFile]);
    assert.equal(result.code, 1, result.stdout);
    assert.match(
      result.stderr,
      /ghost\.yaml:1:10: tables\[0\]: table "no_such_table" does not exist in the sides' databases\n/,
    );
  });

  it('the inventory example passes once its table is in the configuration (as the example says)', async () => {
    const dir = folder({});
    cpSync('rules', dir, { recursive: true, filter: (from) => !from.includes('examples') });
    cpSync('rules/examples/inventory.yaml', path.join(dir, 'inventory.yaml'));
    const config = readFileSync('dbtwin.yaml', 'utf8').replaceAll(
      'tables: [demo_accounts]',
      'tables: [demo_accounts, inventory]',
    );
    const configFile = path.join(folder({ 'dbtwin.yaml': config }), 'dbtwin.yaml');
    const result = await runCli(['rules', 'check', dir, '--offline', '-c', configFile]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^ok: 3 files, 2 tables, hash [0-9a-f]{12}\n$/);
  });

  it('no default file is a warning, not an error; a missing folder or configuration is an error', async () => {
    const dir = folder({ 'demo_accounts.yaml': 'tables: [demo_accounts]\npolicy: priority\n' });
    const ok = await runCli(['rules', 'check', dir, '--offline']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(
      ok.stderr,
      /^warning: no .*default\.yaml: tables without a file of their own use the built-in default \(policy: priority, order: mariadb, postgres\)\n$/,
    );
    const missing = await runCli(['rules', 'check', path.join(dir, 'nope'), '--offline']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /\[DBT1006\] .*nope: cannot read the rules folder \(ENOENT/);
    const noConfig = await runCli(['rules', 'check', dir, '-c', path.join(dir, 'none.yaml')]);
    assert.equal(noConfig.code, 1);
    assert.match(noConfig.stderr, /\[DBT1001\] .*none\.yaml: cannot read the configuration/);
  });
});
