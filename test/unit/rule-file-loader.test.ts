import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { formatYamlProblem } from '../../src/config/yaml-problems.js';
import { DbtwinError } from '../../src/core/dbtwin-error.js';
import { ErrorCode } from '../../src/core/error-codes.js';
import {
  loadRuleSet,
  RuleSetInvalidError,
  type ColumnCatalog,
  type LoadRuleSetOptions,
} from '../../src/rules/rule-file-loader.js';
import type { TableRules } from '../../src/rules/rule-set.js';

const SIDES = ['mariadb', 'postgres'];
const OPTIONS: LoadRuleSetOptions = { sides: SIDES };

/** A fresh rules folder holding `files` (name → text; names may have folders). */
function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'dbtwin-rules-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

/** The problems of a folder that must not load, as printed, with the folder shown as `rules`. */
async function problemsOf(files: Record<string, string>, options = OPTIONS): Promise<string[]> {
  const dir = folder(files);
  try {
    await loadRuleSet(dir, options);
  } catch (error) {
    assert.ok(error instanceof RuleSetInvalidError, `expected RuleSetInvalidError, got ${String(error)}`);
    assert.equal(error.code, ErrorCode.RulesInvalid);
    assert.equal(error.kind, 'steering');
    return error.problems.map((p) => formatYamlProblem(p).split(dir).join('rules'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.fail('the rules loaded, but they should not');
}

const DEFAULT = 'policy: priority\n';

describe('loadRuleSet: valid files', () => {
  it('loads the shipped rules/ exactly', async () => {
    const { ruleSet, files, warnings } = await loadRuleSet('rules', OPTIONS);
    assert.deepEqual(files, ['rules/default.yaml', 'rules/demo_accounts.yaml']);
    assert.deepEqual(warnings, []);
    assert.match(ruleSet.hash, /^[0-9a-f]{64}$/);
    assert.deepEqual(ruleSet.defaults, {
      tables: [],
      detect: 'changed-columns',
      policy: { kind: 'priority' },
      order: ['mariadb', 'postgres'],
      columns: {},
      file: 'rules/default.yaml',
    } satisfies TableRules);
    assert.deepEqual(
      [...ruleSet.tables],
      [
        [
          'demo_accounts',
          {
            tables: ['demo_accounts'],
            detect: 'changed-columns',
            policy: { kind: 'lww', by: { column: 'updated_at' }, maxClockSkewMs: 2000 },
            order: ['mariadb', 'postgres'],
            columns: {},
            file: 'rules/demo_accounts.yaml',
          },
        ],
      ],
    );
  });

  it('fills every default: detect, side order, merge fallback, union separator, function timeout', async () => {
    const dir = folder({
      'default.yaml': 'policy: lww\nlww: { column: version }\ndetect: all-columns\n',
      'inventory.yaml': `tables: [inventory, stock]
policy: merge
order: [postgres]
columns:
  qty: delta
  hi: max
  lo: min
  tags: union
  aliases: { union: ";" }
  price: { prefer: mariadb }
  note: keep-target
  label: take-incoming
  checksum: { function: functions/checksum.mjs }
  fast: { function: ./functions//checksum.mjs, timeoutMs: 5 }
`,
      'functions/checksum.mjs': 'export default ({ incoming }) => incoming;\n',
      'orders.yml': 'tables: [orders]\npolicy: merge\nfallback: lww\n',
      'quiet.yaml': 'tables: [audit]\npolicy: ignore\n',
    });
    const { ruleSet, files, warnings } = await loadRuleSet(dir, { sides: ['mariadb', 'postgres', 'oracle'] });
    assert.deepEqual(
      files.map((f) => path.basename(f)),
      ['default.yaml', 'inventory.yaml', 'orders.yml', 'quiet.yaml'],
    );
    assert.deepEqual(warnings, []);
    assert.deepEqual(ruleSet.defaults.policy, {
      kind: 'lww',
      by: { column: 'version' },
      maxClockSkewMs: 2000,
    });
    assert.equal(ruleSet.defaults.detect, 'all-columns');
    const inventory = ruleSet.tables.get('inventory');
    assert.equal(ruleSet.tables.get('stock'), inventory, 'one rules object for the tables of a file');
    assert.deepEqual(inventory, {
      tables: ['inventory', 'stock'],
      detect: 'changed-columns',
      policy: { kind: 'merge', fallback: 'priority' },
      // Listed sides first, the others in configuration order.
      order: ['postgres', 'mariadb', 'oracle'],
      columns: {
        qty: { kind: 'delta' },
        hi: { kind: 'max' },
        lo: { kind: 'min' },
        tags: { kind: 'union', separator: ',' },
        aliases: { kind: 'union', separator: ';' },
        price: { kind: 'prefer', side: 'mariadb' },
        note: { kind: 'keep-target' },
        label: { kind: 'take-incoming' },
        checksum: { kind: 'function', module: 'functions/checksum.mjs', timeoutMs: 100 },
        fast: { kind: 'function', module: 'functions/checksum.mjs', timeoutMs: 5 },
      },
      file: path.join(dir, 'inventory.yaml'),
    } satisfies TableRules);
    // Each file stands alone: default.yaml's lww column and detect mode do not leak into it.
    assert.deepEqual(ruleSet.tables.get('orders')?.policy, {
      kind: 'merge',
      fallback: 'lww',
      lww: { by: { commitTime: true }, maxClockSkewMs: 2000 },
    });
    assert.equal(ruleSet.tables.get('orders')?.detect, 'changed-columns');
    assert.deepEqual(ruleSet.tables.get('audit')?.policy, { kind: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  });

  it('without default.yaml: the built-in default (priority in configuration order), with a warning', async () => {
    const dir = folder({
      'a.yaml': 'tables: [a]\npolicy: manual\n',
      'notes.txt': 'ignored',
      '.#a.yaml': '{',
    });
    const { ruleSet, files, warnings } = await loadRuleSet(dir, OPTIONS);
    assert.deepEqual(files, [path.join(dir, 'a.yaml')]);
    assert.deepEqual(ruleSet.defaults.policy, { kind: 'priority' });
    assert.deepEqual(ruleSet.defaults.order, SIDES);
    assert.equal(ruleSet.defaults.file, '(built-in rules)');
    assert.equal(warnings.length, 1);
    assert.match(
      warnings[0]!,
      /no .*default\.yaml: .*built-in default \(policy: priority, order: mariadb, postgres\)/,
    );
    rmSync(dir, { recursive: true, force: true });
  });

  it('the inventory example, copied into rules/ as its comment says, loads against a catalog with its table', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dbtwin-rules-'));
    cpSync('rules', dir, { recursive: true, filter: (from) => !from.includes('examples') });
    cpSync('rules/examples/inventory.yaml', path.join(dir, 'inventory.yaml'));
    const columns: Record<string, string[]> = {
      inventory: ['sku', 'qty', 'reserved', 'tags', 'price', 'label', 'updated_at'],
      demo_accounts: ['id', 'owner', 'balance', 'updated_at'],
    };
    const { ruleSet, files } = await loadRuleSet(dir, {
      sides: SIDES,
      tables: ['demo_accounts', 'inventory'],
      catalog: (t) => Promise.resolve(columns[t]),
    });
    assert.equal(files.length, 3);
    const inventory = ruleSet.tables.get('inventory')!;
    assert.deepEqual(inventory.columns['qty'], { kind: 'delta' });
    assert.deepEqual(inventory.columns['label'], {
      kind: 'function',
      module: 'functions/longest-text.mjs',
      timeoutMs: 50,
    });
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('loadRuleSet: problems as file:line:col: key: message', () => {
  it('unknown keys and values, with what is expected and a "did you mean"', async () => {
    assert.deepEqual(
      await problemsOf({
        'default.yaml': 'polcy: lww\ndetect: changed-column\nlww: { by: comit-time, skew: 5 }\n',
      }),
      [
        'rules/default.yaml:1:1: polcy: unknown key "polcy"; did you mean "policy"?',
        'rules/default.yaml:1:1: policy: is required (one of lww, priority, merge, ignore, manual)',
        'rules/default.yaml:2:9: detect: must be one of changed-columns, all-columns (found "changed-column"; did you mean "changed-columns"?)',
        'rules/default.yaml:3:12: lww.by: must be one of commit-time, column (found "comit-time"; did you mean "commit-time"?)',
        'rules/default.yaml:3:24: lww.skew: unknown key "skew"; expected one of by, column, maxClockSkewMs',
      ],
    );
  });

  it('a clock-skew bound with lww by column: it would do nothing, so it is reported', async () => {
    assert.deepEqual(
      await problemsOf({
        'default.yaml': 'policy: lww\nlww: { column: updated_at, maxClockSkewMs: 500 }\n',
      }),
      [
        'rules/default.yaml:2:28: lww.maxClockSkewMs: goes with by: commit-time (by: column compares the column’s values as they are)',
      ],
    );
  });

  it('sides that are not in the configuration, in order and prefer', async () => {
    assert.deepEqual(
      await problemsOf({
        'default.yaml': 'policy: priority\norder: [mariadb, postgress, mariadb]\n',
        't.yaml': 'tables: [t]\npolicy: merge\ncolumns:\n  price: { prefer: oracle }\n',
      }),
      [
        'rules/default.yaml:2:18: order[1]: "postgress" is not a side; did you mean "postgres"? (sides: mariadb, postgres)',
        'rules/default.yaml:2:29: order[2]: side "mariadb" is listed twice',
        'rules/t.yaml:4:20: columns.price.prefer: "oracle" is not a side (sides: mariadb, postgres)',
      ],
    );
  });

  it('column strategies: words, mappings, values', async () => {
    assert.deepEqual(
      await problemsOf({
        'default.yaml': DEFAULT,
        't.yaml': `tables: [t]
policy: merge
columns:
  a: dleta
  b: prefer
  c: { prefr: mariadb }
  d: { union: ",", prefer: mariadb }
  e: { union: 3 }
  f: { function: functions/f.mjs, timeoutMs: "50" }
  g: { prefer: mariadb, timeoutMs: 5 }
  h: [max]
  A: max
`,
        'functions/f.mjs': 'export default () => 1;\n',
      }),
      [
        'rules/t.yaml:4:6: columns.a: must be one of delta, max, min, union, keep-target, take-incoming, or a mapping: { union: "<separator>" }, { prefer: <side> }, { function: <module>, timeoutMs: <ms> } (found "dleta"; did you mean "delta"?)',
        'rules/t.yaml:5:6: columns.b: prefer needs a side: { prefer: <side> }',
        'rules/t.yaml:6:8: columns.c.prefr: unknown key "prefr"; did you mean "prefer"?',
        'rules/t.yaml:7:3: columns.d: names 2 strategies (union, prefer); a column takes one',
        'rules/t.yaml:8:15: columns.e.union: must be a non-empty string (found number 3)',
        'rules/t.yaml:9:46: columns.f.timeoutMs: must be an integer from 1 to 60000 (found "50"); write it without quotes',
        'rules/t.yaml:10:25: columns.g.timeoutMs: timeoutMs goes only with function',
        'rules/t.yaml:11:3: columns.h: must be one of delta, max, min, union, keep-target, take-incoming, or a mapping: { union: "<separator>" }, { prefer: <side> }, { function: <module>, timeoutMs: <ms> } (found a list)',
        'rules/t.yaml:12:3: columns.A: "A" and "a" are the same column (names ignore case)',
      ],
    );
  });

  it('merge-function modules: missing, outside the folder, not JavaScript', async () => {
    assert.deepEqual(
      await problemsOf({
        'default.yaml': DEFAULT,
        't.yaml': `tables: [t]
policy: merge
columns:
  a: { function: functions/nope.mjs }
  b: { function: ../outside.mjs }
  c: { function: /etc/x.mjs }
  d: { function: functions/f.py }
`,
        'functions/f.py': '',
      }),
      [
        'rules/t.yaml:4:18: columns.a.function: module rules/functions/nope.mjs does not exist',
        'rules/t.yaml:5:18: columns.b.function: must lie inside the rules folder rules, which is watched and hashed with the rules (found "../outside.mjs")',
        'rules/t.yaml:6:18: columns.c.function: must be a path relative to the rules folder (found "/etc/x.mjs")',
        'rules/t.yaml:7:18: columns.d.function: must be a JavaScript module (.mjs, .js) with a default export (found "functions/f.py")',
      ],
    );
  });

  it('keys that do not go with the policy', async () => {
    assert.deepEqual(
      await problemsOf({
        'default.yaml': 'policy: lww\ncolumns:\n  qty: delta\nfallback: priority\n',
        'a.yaml': 'tables: [a]\npolicy: priority\nlww: { by: commit-time }\n',
        'b.yaml': 'tables: [b]\npolicy: merge\nlww: { column: v }\n',
        'c.yaml': 'tables: [c]\npolicy: lww\nlww: { by: column }\n',
        'd.yaml': 'tables: [d]\npolicy: lww\nlww: { by: commit-time, column: v }\n',
      }),
      [
        'rules/a.yaml:3:1: lww: goes with policy: lww, not priority',
        'rules/b.yaml:3:1: lww: goes with fallback: lww (columns without a strategy follow it); add that or remove lww',
        'rules/c.yaml:3:12: lww.by: needs the column to compare: lww: { by: column, column: updated_at }',
        'rules/d.yaml:3:25: lww.column: goes with by: column (by: commit-time compares the sources’ commit times)',
        'rules/default.yaml:2:1: columns: go with policy: merge (lww decides whole rows); write policy: merge and fallback: lww to keep lww for the other columns',
        'rules/default.yaml:4:1: fallback: goes with policy: merge, not lww',
      ],
    );
  });

  it('tables: required in a table file, refused in the default file, each named once', async () => {
    assert.deepEqual(
      await problemsOf({
        'default.yaml': 'tables: [x]\npolicy: priority\n',
        'orders.yaml': 'policy: priority\n',
        'twice.yaml': 'tables: [a, b, a]\npolicy: priority\n',
        'empty.yaml': 'tables: []\npolicy: priority\n',
      }),
      [
        'rules/default.yaml:1:1: tables: the default file applies to every table without a file of its own, so it lists none; move these rules to a file of their own',
        'rules/empty.yaml:1:1: tables: must list at least one item',
        'rules/orders.yaml:1:1: tables: is required: the tables these rules apply to, e.g. tables: [orders]',
        'rules/twice.yaml:1:16: tables[2]: table "a" is listed twice',
      ],
    );
  });

  it('a table in two files is an error naming both places', async () => {
    assert.deepEqual(
      await problemsOf({
        'default.yaml': DEFAULT,
        'a.yaml': 'tables: [orders, inventory]\npolicy: priority\n',
        'b.yaml': '# stock\ntables:\n  - inventory\npolicy: lww\n',
      }),
      [
        'rules/b.yaml:3:5: tables[0]: table "inventory" already has rules in rules/a.yaml:1:18; a table takes its rules from one file',
      ],
    );
  });

  it('two default files, broken YAML and duplicate keys, all at once', async () => {
    assert.deepEqual(
      await problemsOf({
        'default.yaml': DEFAULT,
        'default.yml': DEFAULT,
        'broken.yaml': 'tables: [x\npolicy: lww\n',
        'dup.yaml': 'tables: [d]\npolicy: lww\npolicy: priority\n',
      }),
      [
        'rules/broken.yaml:2:1: (yaml): Flow sequence in block collection must be sufficiently indented and end with a ]',
        'rules/default.yml:1:1: (root): a second default file (rules/default.yaml is the default); keep one',
        'rules/dup.yaml:3:1: (yaml): Map keys must be unique',
      ],
    );
  });

  it('a folder that cannot be read is a DBT1006 error naming it', async () => {
    await assert.rejects(loadRuleSet('/nonexistent/rules', OPTIONS), (error: unknown) => {
      assert.ok(error instanceof DbtwinError);
      assert.equal(error.code, ErrorCode.RulesInvalid);
      assert.match(error.message, /^\/nonexistent\/rules: cannot read the rules folder \(ENOENT/);
      return true;
    });
  });

  it('the error message lists every problem, one per line', async () => {
    const dir = folder({ 'default.yaml': 'policy: lw\norder: [x]\n' });
    await assert.rejects(loadRuleSet(dir, OPTIONS), (error: unknown) => {
      assert.ok(error instanceof RuleSetInvalidError);
      assert.equal(error.message.split('\n')[0], `${dir}: 2 errors`);
      assert.match(
        error.describe(),
        /^\[DBT1006\] .*: 2 errors\n.*default\.yaml:1:9: policy: .*\n.*default\.yaml:2:9: order\[0\]: /,
      );
      return true;
    });
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('loadRuleSet: tables and columns', () => {
  const columns: Record<string, string[]> = {
    demo_accounts: ['id', 'owner', 'balance', 'updated_at'],
    inventory: ['SKU', 'QTY', 'TAGS'],
    audit: ['id', 'at'],
  };
  const asked: string[] = [];
  const catalog: ColumnCatalog = (table) => {
    asked.push(table);
    return Promise.resolve(columns[table]);
  };
  const tables = ['demo_accounts', 'inventory', 'audit', 'ghost'];

  it('unknown tables and columns, against the configuration and the catalog, with suggestions', async () => {
    asked.length = 0;
    assert.deepEqual(
      await problemsOf(
        {
          'default.yaml': 'policy: lww\nlww: { column: updated_at }\n',
          'a.yaml': `tables: [demo_acounts, ghost]
policy: lww
lww: { column: updated_at }
`,
          'b.yaml': `tables: [demo_accounts, inventory]
policy: merge
fallback: lww
lww: { column: updatd_at }
columns:
  balanse: delta
  qty: delta
`,
        },
        { sides: SIDES, tables, catalog },
      ),
      [
        'rules/a.yaml:1:10: tables[0]: "demo_acounts" is not a table of any side in the configuration; did you mean "demo_accounts"? (tables: demo_accounts, inventory, audit, ghost)',
        'rules/a.yaml:1:24: tables[1]: table "ghost" does not exist in the sides\' databases',
        'rules/b.yaml:4:16: lww.column: tables demo_accounts, inventory have no column "updatd_at"; did you mean "updated_at"? (demo_accounts: columns: id, owner, balance, updated_at)',
        'rules/b.yaml:6:3: columns.balanse: tables demo_accounts, inventory have no column "balanse"; did you mean "balance"? (demo_accounts: columns: id, owner, balance, updated_at)',
        'rules/b.yaml:7:3: columns.qty: table demo_accounts has no column "qty" (columns: id, owner, balance, updated_at)',
        // The default rules audit (ghost has rules of its own, though it does not exist).
        'rules/default.yaml:2:16: lww.column: table audit (ruled by this default file) has no column "updated_at" (columns: id, at)',
      ],
    );
    // Each table once, and never a table the configuration does not list.
    assert.deepEqual([...asked].sort(), ['audit', 'demo_accounts', 'ghost', 'inventory']);
  });

  it('without a catalog, only the configuration’s table names are checked', async () => {
    assert.deepEqual(
      await problemsOf(
        { 'default.yaml': DEFAULT, 'a.yaml': 'tables: [inventry]\npolicy: merge\ncolumns: { nope: max }\n' },
        { sides: SIDES, tables },
      ),
      [
        'rules/a.yaml:1:10: tables[0]: "inventry" is not a table of any side in the configuration; did you mean "inventory"? (tables: demo_accounts, inventory, audit, ghost)',
      ],
    );
  });

  it('column names ignore case (Oracle stores them in upper case)', async () => {
    const dir = folder({
      'inventory.yaml': 'tables: [inventory]\npolicy: merge\ncolumns: { qty: delta, Tags: union }\n',
    });
    const { ruleSet } = await loadRuleSet(dir, { sides: SIDES, tables, catalog });
    assert.deepEqual(Object.keys(ruleSet.tables.get('inventory')!.columns), ['qty', 'Tags']);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('loadRuleSet: hash', () => {
  const files = {
    'default.yaml': DEFAULT,
    'a.yaml': 'tables: [a]\npolicy: merge\ncolumns: { x: { function: f/x.mjs } }\n',
    'f/x.mjs': 'export default () => 1;\n',
  };
  const hashOf = async (contents: Record<string, string>): Promise<string> => {
    const dir = folder(contents);
    try {
      return (await loadRuleSet(dir, OPTIONS)).ruleSet.hash;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it('is the same for the same files wherever they are, and changes with any byte or name', async () => {
    const base = await hashOf(files);
    assert.equal(await hashOf(files), base, 'another folder, same files');
    assert.equal(await hashOf({ ...files, 'notes.md': 'not a rule file' }), base, 'other files do not count');
    assert.notEqual(
      await hashOf({ ...files, 'default.yaml': 'policy: priority \n' }),
      base,
      'a rule file byte',
    );
    assert.notEqual(
      await hashOf({ ...files, 'f/x.mjs': 'export default () => 2;\n' }),
      base,
      'a module byte',
    );
    const renamed = { 'default.yaml': DEFAULT, 'b.yaml': files['a.yaml'], 'f/x.mjs': files['f/x.mjs'] };
    assert.notEqual(await hashOf(renamed), base, 'a file name');
  });
});
