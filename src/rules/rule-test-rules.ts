import { cp, copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DbtwinError } from '../core/dbtwin-error.js';
import { ErrorCode } from '../core/error-codes.js';
import { list, sortProblems, suggest, type YamlProblem } from '../config/yaml-problems.js';
import { loadRuleSet, RuleSetInvalidError } from './rule-file-loader.js';
import { builtInRuleSet, type RuleSet, type TableRules } from './rule-set.js';
import { RuleTestCasesInvalidError, type CaseRuleFile, type RuleTestSuite } from './rule-test-cases.js';

/** The rules a cases file runs against, ready for the runner. */
export interface RulesUnderTest {
  /**
   * The rule set; each TableRules' `file` names the file as the operator knows it (`rules/default.yaml`,
   * `rules/examples/inventory.yaml`, `<cases file>#notes.yaml`), never a temporary copy.
   */
  readonly ruleSet: RuleSet;
  /** The folder the merge-function modules of `ruleSet` are relative to (give it to the function runner). */
  readonly functionsDir: string;
  /** Things to know that are no error (no default file, no rules folder). */
  readonly warnings: readonly string[];
  /** Removes the temporary folder, if one was made; safe to call more than once. */
  dispose(): Promise<void>;
}

/** Where the rules come from. */
export interface LoadRulesUnderTestOptions {
  /** The rules folder. */
  readonly dir: string;
  /**
   * True when the configuration's rules folder does not exist: then, as in a running dbtwin, tables
   * without a rule file (of the cases file) take the built-in rules, with a warning. Default false: a
   * folder that cannot be read is an error (DBT1006).
   */
  readonly dirMissing?: boolean;
  /** Side names in configuration order. */
  readonly sides: readonly string[];
  /** The tables of the configuration (every side's `tables`). */
  readonly tables: readonly string[];
}

/**
 * Loads the rules folder with the rule files the cases file brings along (`ruleFiles:`), each as if
 * copied into the folder (replacing a file of its name there): a candidate rule file is tested before
 * it goes live. Without such files the folder is loaded where it is; with them, a temporary copy of
 * the folder (merge-function modules included) is loaded and its paths are mapped back in the rules
 * and in every problem.
 *
 * Tables are not checked against the configuration, so a rule file for a table not yet replicated can
 * be tested. A case's table that is neither in the configuration nor ruled by a file is taken as ruled
 * by the default file, unless it is a near miss of one that is ("did you mean"): then it is a problem
 * of the cases file (RuleTestCasesInvalidError). Invalid rules throw RuleSetInvalidError.
 */
export async function loadRulesUnderTest(
  suite: RuleTestSuite,
  options: LoadRulesUnderTestOptions,
): Promise<RulesUnderTest> {
  let temp: string | undefined;
  const dispose = async (): Promise<void> => {
    if (temp !== undefined) await rm(temp, { recursive: true, force: true });
    temp = undefined;
  };
  try {
    let ruleSet: RuleSet;
    let warnings: readonly string[] = [];
    let functionsDir = options.dir;
    if (suite.ruleFiles.length === 0 && options.dirMissing) {
      ruleSet = builtInRuleSet(options.sides);
      warnings = [builtInWarning(options)];
    } else if (suite.ruleFiles.length === 0) {
      ({ ruleSet, warnings } = await loadRuleSet(options.dir, { sides: options.sides }));
    } else {
      temp = await mkdtemp(path.join(tmpdir(), 'dbtwin-rules-test-'));
      functionsDir = temp;
      ({ ruleSet, warnings } = await loadOverlay(temp, options, suite.ruleFiles));
    }
    checkTables(suite, ruleSet, options.tables);
    return { ruleSet, functionsDir, warnings, dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}

/** The folder and the brought-along files, loaded from `temp`, with every path mapped back. */
async function loadOverlay(
  temp: string,
  options: LoadRulesUnderTestOptions,
  files: readonly CaseRuleFile[],
): Promise<{ ruleSet: RuleSet; warnings: readonly string[] }> {
  if (!options.dirMissing) {
    try {
      await cp(options.dir, temp, { recursive: true });
    } catch (cause) {
      throw new DbtwinError(
        ErrorCode.RulesInvalid,
        `${options.dir}: cannot read the rules folder (${(cause as Error).message})`,
        { hint: 'name the folder of the rule files (default: the configuration’s rules.dir)', cause },
      );
    }
  }
  for (const f of files) {
    if (f.kind === 'file') await copyFile(f.path, path.join(temp, f.name));
    else await writeFile(path.join(temp, f.name), f.text);
  }
  const dir = options.dir;
  const byName = new Map(files.map((f) => [f.name, f]));
  const labelOf = (f: CaseRuleFile): string => (f.kind === 'file' ? f.path : f.label);
  /** A path in `temp` as the operator knows it. */
  const original = (file: string): string => {
    const name = path.relative(temp, file);
    const own = byName.get(name);
    return own ? labelOf(own) : path.join(dir, name);
  };
  const unTemp = (text: string): string => {
    let out = text;
    for (const f of files) out = out.replaceAll(path.join(temp, f.name), labelOf(f));
    return out.replaceAll(temp, dir);
  };
  try {
    const loaded = await loadRuleSet(temp, { sides: options.sides });
    const mapped = new Map<TableRules, TableRules>();
    const map = (rules: TableRules): TableRules => {
      let out = mapped.get(rules);
      if (!out) mapped.set(rules, (out = { ...rules, file: original(rules.file) }));
      return out;
    };
    const tables = new Map([...loaded.ruleSet.tables].map(([table, rules]) => [table, map(rules)]));
    return {
      ruleSet: { hash: loaded.ruleSet.hash, defaults: map(loaded.ruleSet.defaults), tables },
      // The only warning is a missing default file: without a folder, that is the folder's absence.
      warnings: options.dirMissing
        ? loaded.warnings.map(() => builtInWarning(options))
        : loaded.warnings.map(unTemp),
    };
  } catch (error) {
    if (!(error instanceof RuleSetInvalidError)) throw error;
    const problems = error.problems.map((p): YamlProblem => {
      const own = byName.get(path.relative(temp, p.file));
      const message = unTemp(p.message);
      // A rule file written in the cases file: placed there, so editors jump to the right line.
      if (own?.kind === 'inline')
        return { file: own.file, ...own.position(p.line, p.col), path: `${own.name}: ${p.path}`, message };
      return { ...p, file: original(p.file), message };
    });
    throw new RuleSetInvalidError(dir, sortProblems(problems));
  }
}

function builtInWarning(options: LoadRulesUnderTestOptions): string {
  return `no rules folder at ${options.dir}: tables without a rule file of their own use the built-in rules (policy: priority, order: ${list(options.sides)})`;
}

/** A case's table that is a near miss of a known table is a typo, reported where the case names it. */
function checkTables(suite: RuleTestSuite, ruleSet: RuleSet, configTables: readonly string[]): void {
  const known = [...new Set([...configTables, ...ruleSet.tables.keys()])];
  const problems: YamlProblem[] = [];
  for (const c of suite.cases) {
    if (known.includes(c.table)) continue;
    const near = suggest(c.table, known);
    if (near !== '')
      problems.push({
        ...c.tableAt,
        path: `cases[${c.number - 1}].table`,
        message: `"${c.table}" is neither a table of the configuration nor named by a rule file${near} (tables: ${list(known)})`,
      });
  }
  if (problems.length > 0) throw new RuleTestCasesInvalidError(suite.file, problems);
}
