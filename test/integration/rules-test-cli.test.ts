import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../support/run-cli.js';

const made: string[] = [];
after(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A fresh folder holding `files` (name → text), removed after the tests. */
function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'dbtwin-rules-test-cli-'));
  made.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

// No database is needed: the cases run through the rules offline, with the sides of dbtwin.yaml.
describe('dbtwin rules test', () => {
  it('the shipped example cases converge: both directions of every case, exit 0', async () => {
    const result = await runCli(['rules', 'test', 'rules/examples/cases.yaml', '-c', 'dbtwin.yaml']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    const lines = result.stdout.trimEnd().split('\n');
    assert.deepEqual(lines.slice(0, 4), [
      'case 1 "both sides change the balance" (demo_accounts: rules/demo_accounts.yaml)',
      '  mariadb→postgres: update-differs → target by rules/demo_accounts.yaml: balance: lww by updated_at; updated_at: lww by updated_at: { id: 1, owner: "ada", balance: 90.00, updated_at: "2024-05-01T10:00:07.000000" }',
      '  postgres→mariadb: update-differs → incoming by rules/demo_accounts.yaml: balance: lww by updated_at; updated_at: lww by updated_at: { id: 1, owner: "ada", balance: 90.00, updated_at: "2024-05-01T10:00:07.000000" }',
      '  converges, as expected',
    ]);
    assert.ok(
      lines.includes('case 4 "both sides set the status" (orders: rules/default.yaml)'),
      result.stdout,
    );
    assert.ok(
      lines.includes(
        '  mariadb→postgres: update-differs → merged by rules/examples/inventory.yaml: qty: delta; reserved: max; tags: union; price: prefer mariadb; label: function functions/longest-text.mjs: { sku: "A1", qty: 9, reserved: 5, tags: "red,sale,xmas", price: 9.50, label: "Mug, blue" }',
      ),
      result.stdout,
    );
    assert.equal(lines.filter((l) => /^ {2}(mariadb→postgres|postgres→mariadb): /.test(l)).length, 14);
    assert.equal(lines.at(-1), 'ok: 7 cases, 6 converge, 1 held for an operator on both sides');
    // The default configuration is the same one.
    const defaults = await runCli(['rules', 'test', 'rules/examples/cases.yaml']);
    assert.equal(defaults.stdout, result.stdout);
  });

  it('a diverging case: DIVERGES with both rows, the case named in the summary, exit 1', async () => {
    const result = await runCli([
      'rules',
      'test',
      'rules/examples/diverging-cases.yaml',
      '-c',
      'dbtwin.yaml',
    ]);
    assert.equal(result.code, 1, result.stderr);
    assert.equal(result.stderr, '');
    assert.deepEqual(result.stdout.trimEnd().split('\n'), [
      'case 1 "body edited on both sides" (notes: rules/examples/diverging-cases.yaml#notes.yaml)',
      '  mariadb→postgres: update-differs → target by rules/examples/diverging-cases.yaml#notes.yaml: body: keep-target: { id: 1, title: "todo", body: "buy milk and eggs" }',
      '  postgres→mariadb: update-differs → target by rules/examples/diverging-cases.yaml#notes.yaml: body: keep-target: { id: 1, title: "todo", body: "buy oat milk" }',
      '  DIVERGES: postgres ends with { id: 1, title: "todo", body: "buy milk and eggs" }, mariadb with { id: 1, title: "todo", body: "buy oat milk" } (they differ on body)',
      'case 2 "title on one side, body on the other" (notes: rules/examples/diverging-cases.yaml#notes.yaml)',
      '  mariadb→postgres: no conflict → applied: { id: 2, title: "final", body: "hello world" }',
      '  postgres→mariadb: no conflict → applied: { id: 2, title: "final", body: "hello world" }',
      '  converges',
      'FAILED: 2 cases, 1 converges, 1 DIVERGES (case 1 "body edited on both sides")',
    ]);
  });

  it('--json: the same results for scripts, with the exit code', async () => {
    const result = await runCli(['rules', 'test', 'rules/examples/diverging-cases.yaml', '--json']);
    assert.equal(result.code, 1, result.stderr);
    const report = JSON.parse(result.stdout) as {
      ok: boolean;
      summary: Record<string, number>;
      cases: { name: string; verdict: string; directions: { from: string; row: unknown }[] }[];
    };
    assert.equal(report.ok, false);
    assert.deepEqual(report.summary, { cases: 2, converge: 1, held: 0, diverge: 1, unexpected: 0 });
    assert.deepEqual(
      report.cases.map((c) => [c.name, c.verdict]),
      [
        ['body edited on both sides', 'diverges'],
        ['title on one side, body on the other', 'converges'],
      ],
    );
    assert.deepEqual(report.cases[0]!.directions[1], {
      from: 'postgres',
      to: 'mariadb',
      action: 'write',
      conflict: {
        type: 'update-differs',
        rule: 'rules/examples/diverging-cases.yaml#notes.yaml: body: keep-target',
        outcome: 'target',
        columns: ['body'],
      },
      row: { id: 1, title: 'todo', body: 'buy oat milk' },
    });
  });

  it('mistakes in the cases file: every one as file:line:col, exit 1, nothing run', async () => {
    const dir = folder({
      'cases.yaml': [
        'cases:',
        '  - name: typo',
        '    tabel: demo_accounts',
        '    base: { id: 1, balance: 10 }',
        '    changes:',
        '      mariadb: { id: 1, balance: 12 }',
        '      postgress: { id: 1, balance: 7 }',
        '  - table: demo_acounts',
        '    base: { id: 2 }',
        '    changes: { mariadb: { id: 3 }, postgres: { id: 4 } }',
        '',
      ].join('\n'),
    });
    const file = path.join(dir, 'cases.yaml');
    const result = await runCli(['rules', 'test', file]);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.deepEqual(result.stderr.trimEnd().split('\n'), [
      `${file}:2:5: cases[0].table: is required`,
      `${file}:3:5: cases[0].tabel: unknown key "tabel"; did you mean "table"?`,
      `${file}:7:7: cases[0].changes.postgress: "postgress" is not a side; did you mean "postgres"? (sides: mariadb, postgres)`,
      `dbtwin: [DBT1001] 3 errors in ${file}`,
    ]);
    // Fixed, the table typo of the second case shows: tables are known once the rules are.
    const fixed = path.join(
      folder({
        'cases.yaml': [
          'cases:',
          '  - table: demo_acounts',
          '    base: { id: 2 }',
          '    changes: { mariadb: { id: 3 }, postgres: { id: 4 } }',
          '',
        ].join('\n'),
      }),
      'cases.yaml',
    );
    const second = await runCli(['rules', 'test', fixed]);
    assert.equal(second.code, 1);
    assert.deepEqual(second.stderr.trimEnd().split('\n'), [
      `${fixed}:2:12: cases[0].table: "demo_acounts" is neither a table of the configuration nor named by a rule file; did you mean "demo_accounts"? (tables: demo_accounts)`,
      `dbtwin: [DBT1001] 1 error in ${fixed}`,
    ]);
  });

  it('--rules names another folder; a bad rule there is reported as rules check does, exit 1', async () => {
    const rules = folder({ 'default.yaml': 'policy: merge\ncolumns: { note: keep-target }\n' });
    const cases = path.join(
      folder({
        'cases.yaml': [
          'cases:',
          '  - table: orders',
          '    base: { id: 1, note: a }',
          '    changes: { mariadb: { id: 1, note: b }, postgres: { id: 1, note: c } }',
          '',
        ].join('\n'),
      }),
      'cases.yaml',
    );
    const diverges = await runCli(['rules', 'test', cases, '--rules', rules]);
    assert.equal(diverges.code, 1, diverges.stderr);
    assert.match(
      diverges.stdout,
      /\n {2}DIVERGES: postgres ends with \{ id: 1, note: "c" \}, mariadb with \{ id: 1, note: "b" \}/,
    );
    writeFileSync(path.join(rules, 'default.yaml'), 'policy: merge\ncolumns: { note: keep-targt }\n');
    const invalid = await runCli(['rules', 'test', cases, '--rules', rules]);
    assert.equal(invalid.code, 1);
    assert.equal(invalid.stdout, '');
    assert.match(
      invalid.stderr,
      /default\.yaml:2:18: columns\.note: must be one of .* \(found "keep-targt"; did you mean "keep-target"\?\)\ndbtwin: \[DBT1006\] 1 error in the rules under test\n$/,
    );
    const missing = await runCli(['rules', 'test', path.join(rules, 'none.yaml')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /\[DBT1001\] .*none\.yaml: cannot read the cases file \(ENOENT/);
  });
});
