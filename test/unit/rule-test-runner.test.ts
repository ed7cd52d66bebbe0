import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { formatYamlProblem } from '../../src/config/yaml-problems.js';
import { createLogger } from '../../src/core/logger.js';
import { ErrorCode } from '../../src/core/error-codes.js';
import type { MergeFunctionRunner } from '../../src/rules/conflict-resolver.js';
import { createMergeFunctionRunner } from '../../src/rules/merge-function-runner.js';
import { RuleSetInvalidError } from '../../src/rules/rule-file-loader.js';
import {
  loadRuleTestCases,
  RuleTestCasesInvalidError,
  type RuleTestSuite,
} from '../../src/rules/rule-test-cases.js';
import { formatRuleTestReport, type RuleTestReportJson } from '../../src/rules/rule-test-report.js';
import { loadRulesUnderTest } from '../../src/rules/rule-test-rules.js';
import { runRuleTests, type RuleTestOutcome } from '../../src/rules/rule-test-runner.js';

const SIDES = { mariadb: 'mysql', postgres: 'postgres' } as const;
const made: string[] = [];
after(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A fresh folder holding `files` (name → text; names may have folders). */
function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'dbtwin-rules-test-'));
  made.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

const noFunctions: MergeFunctionRunner = () => Promise.resolve({ manual: 'no functions here' });

/**
 * Runs `cases` (the cases file's text) against a rules folder holding `rules` (name → text), with the
 * shipped default when none is given. Returns the outcomes and the text report, folders shown as `R`
 * (rules) and `C` (cases).
 */
async function run(
  cases: string,
  rules: Record<string, string> = { 'default.yaml': 'policy: priority\n' },
  runFunction: MergeFunctionRunner = noFunctions,
): Promise<{ outcomes: RuleTestOutcome[]; text: string; json: RuleTestReportJson }> {
  const dir = folder(rules);
  const casesDir = folder({ 'cases.yaml': cases });
  const suite = await loadRuleTestCases(path.join(casesDir, 'cases.yaml'), { sides: SIDES });
  const under = await loadRulesUnderTest(suite, { dir, sides: Object.keys(SIDES), tables: ['accounts'] });
  try {
    const outcomes = await runRuleTests(suite.cases, under.ruleSet, runFunction);
    const text = formatRuleTestReport(outcomes, 'text').split(dir).join('R').split(casesDir).join('C');
    const json = JSON.parse(formatRuleTestReport(outcomes, 'json')) as RuleTestReportJson;
    return { outcomes, text, json };
  } finally {
    await under.dispose();
  }
}

/** The problems of a cases file that must not load, as printed, its folder shown as `C`. */
async function problemsOf(cases: string, extra: Record<string, string> = {}): Promise<string[]> {
  const dir = folder({ 'cases.yaml': cases, ...extra });
  try {
    const suite = await loadRuleTestCases(path.join(dir, 'cases.yaml'), { sides: SIDES });
    const rules = folder({ 'default.yaml': 'policy: priority\n' });
    const under = await loadRulesUnderTest(suite, {
      dir: rules,
      sides: Object.keys(SIDES),
      tables: ['accounts'],
    });
    await under.dispose();
  } catch (error) {
    if (error instanceof RuleTestCasesInvalidError || error instanceof RuleSetInvalidError)
      return error.problems.map((p) => formatYamlProblem(p).split(dir).join('C'));
    throw error;
  }
  assert.fail('the cases loaded');
}

describe('dbtwin rules test: both directions of each case', () => {
  it('priority: both links pick the same side, so the case converges; the text names type, outcome and rule', async () => {
    const { outcomes, text } = await run(`
cases:
  - name: both set the status
    table: orders
    base: { id: 7, status: new, note: gift }
    changes:
      mariadb: { id: 7, status: shipped, note: gift }
      postgres: { id: 7, status: cancelled, note: gift }
`);
    assert.equal(outcomes.length, 1);
    assert.equal(outcomes[0]!.ok, true);
    assert.deepEqual(text.trimEnd().split('\n'), [
      'case 1 "both set the status" (orders: R/default.yaml)',
      '  mariadb→postgres: update-differs → incoming by R/default.yaml: status: priority (mariadb > postgres): { id: 7, status: "shipped", note: "gift" }',
      '  postgres→mariadb: update-differs → target by R/default.yaml: status: priority (mariadb > postgres): { id: 7, status: "shipped", note: "gift" }',
      '  converges',
      'ok: 1 case, 1 converges',
    ]);
  });

  it('keep-target diverges: each side keeps its own value; the verdict names the differing columns', async () => {
    const { outcomes, text, json } = await run(
      `
cases:
  - name: body on both
    table: notes
    base: { id: 1, title: t, body: a }
    changes:
      mariadb: { id: 1, title: t, body: b }
      postgres: { id: 1, title: t, body: c }
`,
      { 'notes.yaml': 'tables: [notes]\npolicy: merge\ncolumns: { body: keep-target }\n' },
    );
    assert.equal(outcomes[0]!.ok, false);
    assert.deepEqual(outcomes[0]!.verdict, { kind: 'diverges', reason: 'rows', columns: ['body'] });
    assert.match(
      text,
      /\n {2}DIVERGES: postgres ends with \{ id: 1, title: "t", body: "c" \}, mariadb with \{ id: 1, title: "t", body: "b" \} \(they differ on body\)\n/,
    );
    assert.match(text, /\nFAILED: 1 case, 0 converge, 1 DIVERGES \(case 1 "body on both"\)\n$/);
    assert.equal(json.ok, false);
    assert.deepEqual(json.cases[0]!.divergence, { reason: 'rows', columns: ['body'] });
    assert.deepEqual(json.cases[0]!.directions[0]!.row, { id: 1, title: 't', body: 'c' });
  });

  it('take-incoming swaps the values: diverges too', async () => {
    const { outcomes } = await run(
      `
cases:
  - table: notes
    base: { id: 1, body: a }
    changes: { mariadb: { id: 1, body: b }, postgres: { id: 1, body: c } }
`,
      { 'notes.yaml': 'tables: [notes]\npolicy: merge\ncolumns: { body: take-incoming }\n' },
    );
    assert.equal(outcomes[0]!.verdict.kind, 'diverges');
    assert.equal(outcomes[0]!.directions[0].row!.get('body')!.value, 'b');
    assert.equal(outcomes[0]!.directions[1].row!.get('body')!.value, 'c');
  });

  it('a merge held for an operator on one link only diverges, reported as manual', async () => {
    // A function that cannot decide on one link only (as an asymmetric or flaky function would).
    const oneSided: MergeFunctionRunner = (_strategy, _column, input) =>
      Promise.resolve(
        input.incomingSide === 'postgres' ? { manual: 'cannot decide' } : { value: input.incoming },
      );
    const { outcomes, text, json } = await run(
      `
cases:
  - name: label
    table: items
    base: { id: 1, label: a }
    changes: { mariadb: { id: 1, label: b }, postgres: { id: 1, label: c } }
`,
      {
        'default.yaml': 'policy: priority\n',
        'functions/f.mjs': 'export default () => null;\n',
        'items.yaml': 'tables: [items]\npolicy: merge\ncolumns: { label: { function: functions/f.mjs } }\n',
      },
      oneSided,
    );
    assert.deepEqual(outcomes[0]!.verdict, { kind: 'diverges', reason: 'manual', heldBy: 1 });
    assert.match(
      text,
      /\n {2}postgres→mariadb: update-differs → manual by R\/items\.yaml: columns\.label function functions\/f\.mjs: held for an operator \(update-differs on label: cannot decide\); mariadb keeps \{ id: 1, label: "b" \}\n/,
    );
    assert.match(
      text,
      /\n {2}DIVERGES: postgres→mariadb holds the change for an operator \(manual\), but mariadb→postgres resolves it: postgres ends with \{ id: 1, label: "b" \} while mariadb waits\n/,
    );
    assert.deepEqual(json.cases[0]!.divergence, { reason: 'manual', heldOn: 'mariadb' });
  });

  it('manual on both links is no divergence; expect: manual checks it', async () => {
    const { outcomes, text } = await run(
      `
cases:
  - table: accounts
    base: { id: 1, n: 1 }
    changes: { mariadb: { id: 1, n: 2 }, postgres: { id: 1, n: 3 } }
    expect: manual
`,
      { 'default.yaml': 'policy: manual\n' },
    );
    assert.equal(outcomes[0]!.verdict.kind, 'held');
    assert.equal(outcomes[0]!.ok, true);
    assert.match(
      text,
      /\n {2}held for an operator on both sides, as expected\nok: 1 case, 0 converge, 1 held/,
    );
  });

  it('delete against update and delete against delete converge (lww by column: the delete wins)', async () => {
    const { outcomes, text } = await run(
      `
columnTypes:
  accounts: { at: timestamp }
cases:
  - table: accounts
    base: { id: 1, n: 1, at: '2024-01-01 00:00:00' }
    changes: { mariadb: null, postgres: { id: 1, n: 2, at: '2024-01-01 00:00:09' } }
    expect: null
  - table: accounts
    base: { id: 2, n: 1, at: '2024-01-01 00:00:00' }
    changes: { mariadb: null, postgres: null }
    expect: null
`,
      { 'accounts.yaml': 'tables: [accounts]\npolicy: lww\nlww: { column: at }\n' },
    );
    assert.deepEqual(
      outcomes.map((o) => [o.ok, o.directions.map((d) => d.row)]),
      [
        [true, [null, null]],
        [true, [null, null]],
      ],
    );
    assert.match(
      text,
      /mariadb→postgres: delete-differs → incoming by R\/accounts\.yaml: lww by at: \(no row\)/,
    );
    assert.match(
      text,
      /mariadb→postgres: delete-missing → target by R\/accounts\.yaml: row already gone: \(no row\)/,
    );
  });

  it('lww by commit time: commitMs decides; without it the side order does, and the rule says so', async () => {
    const rules = { 'default.yaml': 'policy: lww\norder: [mariadb, postgres]\n' };
    const base = `
    table: accounts
    base: { id: 1, n: 1 }
    changes: { mariadb: { id: 1, n: 2 }, postgres: { id: 1, n: 3 } }`;
    const timed = await run(
      `cases:\n  - commitMs: { mariadb: 1000, postgres: 9000 }${base}\n    expect: { id: 1, n: 3 }\n`,
      rules,
    );
    assert.equal(timed.outcomes[0]!.ok, true, timed.text);
    assert.match(timed.text, /lww by commit time: \{ id: 1, n: 3 \}/);
    const untimed = await run(`cases:\n  -${base.replace(/^\n {4}/, ' ')}\n`, rules);
    assert.equal(untimed.outcomes[0]!.ok, true, untimed.text);
    assert.match(
      untimed.text,
      /lww by commit time \(target row's commit time unknown: mariadb > postgres\): \{ id: 1, n: 2 \}/,
    );
  });

  it('expect: a converging case that ends with another row is UNEXPECTED, and fails', async () => {
    const { outcomes, text, json } = await run(`
cases:
  - name: wrong guess
    table: accounts
    base: { id: 1, n: 1 }
    changes: { mariadb: { id: 1, n: 2 }, postgres: { id: 1, n: 3 } }
    expect: { id: 1, n: 3 }
`);
    assert.equal(outcomes[0]!.verdict.kind, 'converges');
    assert.deepEqual(outcomes[0]!.unexpected, ['postgres', 'mariadb']);
    assert.equal(outcomes[0]!.ok, false);
    assert.match(
      text,
      /\n {2}converges\n {2}UNEXPECTED: both sides end with \{ id: 1, n: 2 \}, expected \{ id: 1, n: 3 \}\n/,
    );
    assert.match(text, /\nFAILED: 1 case, 1 converges, 1 UNEXPECTED \(case 1 "wrong guess"\)\n$/);
    assert.equal(json.summary.unexpected, 1);
  });

  it('changes to different columns merge without a conflict; an insert on both sides is insert-exists', async () => {
    const { outcomes, text } = await run(`
cases:
  - table: accounts
    base: { id: 1, a: x, b: y }
    changes: { mariadb: { id: 1, a: x2, b: y }, postgres: { id: 1, a: x, b: y2 } }
    expect: { id: 1, a: x2, b: y2 }
  - table: accounts
    base: null
    changes: { postgres: { id: 2, a: p, b: same }, mariadb: { id: 2, a: m, b: same } }
    expect: { id: 2, a: m, b: same }
`);
    assert.ok(
      outcomes.every((o) => o.ok),
      text,
    );
    assert.match(text, /mariadb→postgres: no conflict → applied: \{ id: 1, a: "x2", b: "y2" \}/);
    // Directions follow the order the case writes its sides in.
    assert.match(text, /postgres→mariadb: insert-exists → target by R\/default\.yaml: a: priority/);
  });

  it('typed columns: timestamptz by instant whatever the offset, decimals exactly, json by document', async () => {
    const { outcomes, text } = await run(
      `
columnTypes:
  accounts: { at: timestamptz, amount: decimal, doc: json }
cases:
  - table: accounts
    base: { id: 1, at: '2024-01-01 08:00:00Z', amount: '1.10', doc: { a: 1 } }
    changes:
      mariadb: { id: 1, at: '2024-01-01 10:30:00+02:00', amount: '1.10', doc: '{"b":2,"a":1}' }
      postgres: { id: 1, at: '2024-01-01T08:45:00Z', amount: '2.5', doc: { a: 1, b: 2 } }
`,
      { 'accounts.yaml': 'tables: [accounts]\npolicy: lww\nlww: { column: at }\n' },
    );
    assert.equal(outcomes[0]!.ok, true, text);
    // 10:30+02:00 is 08:30Z, earlier than 08:45Z: postgres's row wins on both links. The doc texts
    // differ in key order only: the same document, so the case converges.
    assert.match(
      text,
      /mariadb→postgres: update-differs → target by R\/accounts\.yaml: .*: \{ id: 1, at: "2024-01-01T08:45:00\.000000Z", amount: 2\.5, doc: \{"b":2,"a":1\} \}/,
    );
  });

  it('the shipped example cases converge as they expect (rules/, with examples/inventory.yaml and its merge function)', async () => {
    const suite = await loadRuleTestCases('rules/examples/cases.yaml', { sides: SIDES });
    const under = await loadRulesUnderTest(suite, {
      dir: 'rules',
      sides: Object.keys(SIDES),
      tables: ['demo_accounts'],
    });
    const functions = createMergeFunctionRunner(under.functionsDir, createLogger('test', 'silent'));
    try {
      const outcomes = await runRuleTests(suite.cases, under.ruleSet, functions);
      const text = formatRuleTestReport(outcomes, 'text');
      assert.ok(
        outcomes.every((o) => o.ok && o.testCase.expect !== undefined),
        text,
      );
      assert.match(text, /\(inventory: rules\/examples\/inventory\.yaml\)/);
      assert.match(
        text,
        /label: function functions\/longest-text\.mjs: \{ sku: "A1", qty: 9, reserved: 5, tags: "red,sale,xmas", price: 9\.50, label: "Mug, blue" \}/,
      );
      assert.match(text, /\nok: 7 cases, 6 converge, 1 held for an operator on both sides\n$/);
    } finally {
      await functions.close();
      await under.dispose();
    }
  });

  it('the shipped diverging example diverges on its keep-target case only', async () => {
    const suite = await loadRuleTestCases('rules/examples/diverging-cases.yaml', { sides: SIDES });
    const under = await loadRulesUnderTest(suite, {
      dir: 'rules',
      sides: Object.keys(SIDES),
      tables: ['demo_accounts'],
    });
    try {
      const outcomes = await runRuleTests(suite.cases, under.ruleSet, noFunctions);
      assert.deepEqual(
        outcomes.map((o) => [o.testCase.name, o.verdict.kind, o.rulesFile]),
        [
          ['body edited on both sides', 'diverges', 'rules/examples/diverging-cases.yaml#notes.yaml'],
          [
            'title on one side, body on the other',
            'converges',
            'rules/examples/diverging-cases.yaml#notes.yaml',
          ],
        ],
      );
    } finally {
      await under.dispose();
    }
  });
});

describe('dbtwin rules test: the cases file', () => {
  it('every problem at once, as file:line:col: key: message', async () => {
    const problems = await problemsOf(`cases:
  - name: one
    table: accounts
    bsae: { id: 1 }
    changes:
      mariadb: { id: 1, qty: 3 }
      postgress: { id: 1, qty: 4 }
  - name: one
    table: accounts
    base: { id: 1, qty: 2 }
    changes:
      mariadb: { id: 1, qty: '3', wen: 1 }
      postgres: { id: 1, qty: 4 }
    expect: manul
    commitMs: { mariadb: 10 }
`);
    assert.deepEqual(problems, [
      'C/cases.yaml:2:5: cases[0].base: is required: the row both sides started from, or null when both inserted it',
      'C/cases.yaml:4:5: cases[0].bsae: unknown key "bsae"; did you mean "base"?',
      'C/cases.yaml:7:7: cases[0].changes.postgress: "postgress" is not a side; did you mean "postgres"? (sides: mariadb, postgres)',
      'C/cases.yaml:8:11: cases[1].name: another case is named "one" (cases[0]); names tell cases apart',
      'C/cases.yaml:12:30: cases[1].changes.mariadb.qty: is text (found "3"), but qty in base is a number; write both alike, or declare the column in columnTypes',
      'C/cases.yaml:12:35: cases[1].changes.mariadb.wen: column "wen" is not in base (every row of a case lists the same columns: id, qty)',
      'C/cases.yaml:14:13: cases[1].expect: must be the row both sides end with, null (no row on either side) or manual (both hold the change for an operator) (found "manul"; did you mean "manual"?)',
      "C/cases.yaml:15:5: cases[1].commitMs: has no commit time for postgres: give both sides' (or leave commitMs out)",
    ]);
  });

  it('rows of a case list the same columns; values fit their declared types', async () => {
    const problems = await problemsOf(`columnTypes:
  t: { at: timestamp, d: date, n: integer, kind: txt }
cases:
  - table: t
    base: { id: 1, at: '2024-01-01 10:00:00Z', d: '2024-02-30', n: 1.5, obj: { a: 1 } }
    changes:
      mariadb: { id: 1, at: '2024-01-01 10:00:00', d: null, n: 1, obj: null }
      postgres: { id: 1, at: null, d: null, n: '99999999999999999999' }
`);
    assert.deepEqual(problems, [
      'C/cases.yaml:2:44: columnTypes.t.kind: no row of table t has a column "kind" (columns: id, at, d, n, obj)',
      'C/cases.yaml:2:50: columnTypes.t.kind: must be one of integer, decimal, float, text, boolean, date, timestamp, timestamptz, json (found "txt"; did you mean "text"?)',
      'C/cases.yaml:5:24: cases[0].base.at: must be a timestamp, "YYYY-MM-DD HH:MM:SS[.ffffff]", without a zone (found "2024-01-01 10:00:00Z") (column at: timestamp, columnTypes.t)',
      'C/cases.yaml:5:51: cases[0].base.d: must be a date, "YYYY-MM-DD" (found "2024-02-30": no such day) (column d: date, columnTypes.t)',
      'C/cases.yaml:5:68: cases[0].base.n: must be an integer (found number 1.5) (column n: integer, columnTypes.t)',
      'C/cases.yaml:5:73: cases[0].base.obj: must be a number, text, true/false or null (found a mapping); for a JSON column declare it: columnTypes: { t: { obj: json } }',
      'C/cases.yaml:8:7: cases[0].changes.postgres: has no "obj" (every row of a case lists the same columns: id, at, d, n, obj)',
    ]);
  });

  it('a declared type no case uses is reported: a typo of a table or a column', async () => {
    const problems = await problemsOf(`columnTypes:
  acounts: { at: date }
  orders: { whn: date }
cases:
  - table: orders
    base: { id: 1, when: '2024-01-01' }
    changes: { mariadb: { id: 1, when: '2024-01-02' }, postgres: null }
`);
    assert.deepEqual(problems, [
      'C/cases.yaml:2:3: columnTypes.acounts: no case is of table "acounts" (tables of the cases: orders)',
      'C/cases.yaml:3:13: columnTypes.orders.whn: no row of table orders has a column "whn"; did you mean "when"? (columns: id, when)',
    ]);
  });

  it('a near miss of a known table is a typo; other tables take the default rules', async () => {
    const problems = await problemsOf(`cases:
  - table: acounts
    base: { id: 1 }
    changes: { mariadb: { id: 2 }, postgres: { id: 3 } }
`);
    assert.deepEqual(problems, [
      'C/cases.yaml:2:12: cases[0].table: "acounts" is neither a table of the configuration nor named by a rule file; did you mean "accounts"? (tables: accounts)',
    ]);
  });

  it('rule files brought along: a path relative to the cases file, or the text itself, its problems placed in the cases file', async () => {
    const problems = await problemsOf(
      `ruleFiles:
  - sub/notes.yaml
  - name: items.yaml
    text: |
      tables: [items]

      policy: priorty
cases:
  - table: notes
    base: { id: 1 }
    changes: { mariadb: { id: 2 }, postgres: { id: 3 } }
`,
      { 'sub/notes.yaml': 'tables: [notes]\npolicy: merge\ncolumns: { body: dleta }\n' },
    );
    assert.deepEqual(problems, [
      'C/cases.yaml:7:15: items.yaml: policy: must be one of lww, priority, merge, ignore, manual (found "priorty"; did you mean "priority"?)',
      'C/sub/notes.yaml:3:18: columns.body: must be one of delta, max, min, union, keep-target, take-incoming, or a mapping: { union: "<separator>" }, { prefer: <side> }, { function: <module>, timeoutMs: <ms> } (found "dleta"; did you mean "delta"?)',
    ]);
  });

  it('a file that cannot be read is DBT1001', async () => {
    await assert.rejects(loadRuleTestCases(path.join(tmpdir(), 'no-such-cases.yaml'), { sides: SIDES }), {
      code: ErrorCode.ConfigInvalid,
      message: /no-such-cases\.yaml: cannot read the cases file \(ENOENT/,
    });
  });

  it('a loaded case keeps the sides in the order written, with their engines', async () => {
    const dir = folder({
      'cases.yaml':
        'cases:\n  - table: t\n    base: { id: 1 }\n    changes: { postgres: { id: 2 }, mariadb: null }\n',
    });
    const suite: RuleTestSuite = await loadRuleTestCases(path.join(dir, 'cases.yaml'), { sides: SIDES });
    assert.deepEqual(
      suite.cases[0]!.changes.map((c) => [c.side, c.engine, c.row === null]),
      [
        ['postgres', 'postgres', false],
        ['mariadb', 'mysql', true],
      ],
    );
    assert.equal(suite.cases[0]!.name, undefined);
  });
});
