import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { ConfigInvalidError, formatConfigProblem, loadConfig } from '../../config/config-loader.js';
import type { DbtwinConfig } from '../../config/dbtwin-config.js';
import { formatYamlProblem } from '../../config/yaml-problems.js';
import { createLogger } from '../../core/logger.js';
import { openSideCatalog, type SideCatalog } from '../../pipeline/target-side.js';
import {
  DEFAULT_RULES_DIR,
  loadRuleSet,
  RuleSetInvalidError,
  type ColumnCatalog,
} from '../../rules/rule-file-loader.js';
import { createMergeFunctionRunner } from '../../rules/merge-function-runner.js';
import { loadRuleTestCases, RuleTestCasesInvalidError } from '../../rules/rule-test-cases.js';
import { formatRuleTestReport } from '../../rules/rule-test-report.js';
import { loadRulesUnderTest } from '../../rules/rule-test-rules.js';
import { runRuleTests } from '../../rules/rule-test-runner.js';
import { configOption } from '../config-option.js';

interface CheckOptions {
  config: string;
  offline?: boolean;
}

interface TestOptions {
  config: string;
  rules?: string;
  json?: boolean;
}

/**
 * `dbtwin rules check [dir]`: validates a rules folder against the configuration's sides and tables
 * and, unless `--offline`, the live catalog of every side. Prints every problem as
 * file:line:col: key: message and exits 1 on any; else `ok: N files, M tables, hash <12 hex>`.
 */
export function registerRulesCommand(program: Command): void {
  const rules = program.command('rules').description('conflict rule files (rules/README.md)');

  rules
    .command('check')
    .description(
      'validate conflict rule files: schema, sides, and the tables and columns they name (live catalog unless --offline); prints every problem as file:line:col: key: message',
    )
    .argument('[dir]', 'rules folder', DEFAULT_RULES_DIR)
    .addOption(configOption('configuration naming the sides and tables'))
    .option('--offline', 'do not connect to the sides: check table names against the configuration only')
    .action(async (dir: string, opts: CheckOptions) => {
      const config = await configOrReport(opts.config);
      if (!config) return;
      const catalog = opts.offline ? undefined : new LiveCatalog(config);
      try {
        const loaded = await loadRuleSet(dir, {
          sides: Object.keys(config.sides),
          tables: [...new Set(Object.values(config.sides).flatMap((s) => s.tables))],
          ...(catalog ? { catalog: catalog.columns } : {}),
        });
        for (const note of [...(catalog?.notes ?? []), ...loaded.warnings]) console.error(`warning: ${note}`);
        const { ruleSet, files } = loaded;
        console.log(
          `ok: ${files.length} files, ${ruleSet.tables.size} tables, hash ${ruleSet.hash.slice(0, 12)}`,
        );
      } catch (error) {
        // The problems are this command's output: one per line, as editors and CI annotations read them.
        if (!(error instanceof RuleSetInvalidError)) throw error;
        for (const note of catalog?.notes ?? []) console.error(`warning: ${note}`);
        for (const problem of error.problems) console.error(formatYamlProblem(problem));
        console.error(
          `dbtwin: [${error.code}] ${error.problems.length} error${error.problems.length === 1 ? '' : 's'} in ${dir}`,
        );
        process.exitCode = 1;
      } finally {
        await catalog?.close();
      }
    });

  rules
    .command('test')
    .description(
      'run cases of concurrent changes through the conflict rules in both directions; prints each decision and the rule that made it, and exits 1 when a case diverges, misses its expect, or the cases or rules are invalid',
    )
    .argument('<cases>', 'cases file (YAML; rules/examples/cases.yaml shows the form)')
    .addOption(configOption('configuration naming the sides, their engines and the rules folder'))
    .option('--rules <dir>', "rules folder (default: the configuration's rules.dir)")
    .option('--json', 'print the results as JSON')
    .action(async (casesFile: string, opts: TestOptions) => {
      await rulesTest(casesFile, opts);
    });
}

/**
 * The configuration, or undefined after printing each of its problems (`file:line:col`) and setting
 * exit code 1: the rules commands report an invalid configuration the way they report rule files.
 */
async function configOrReport(file: string): Promise<DbtwinConfig | undefined> {
  try {
    return await loadConfig(file);
  } catch (error) {
    if (!(error instanceof ConfigInvalidError)) throw error;
    for (const problem of error.problems) console.error(formatConfigProblem(problem));
    console.error(`dbtwin: [${error.code}] ${file} is invalid; dbtwin config check ${file}`);
    process.exitCode = 1;
    return undefined;
  }
}

/** `dbtwin rules test`: see its description. Sets the exit code; throws only DbtwinErrors it does not report itself. */
async function rulesTest(casesFile: string, opts: TestOptions): Promise<void> {
  const config = await configOrReport(opts.config);
  if (!config) return;
  const sides = Object.fromEntries(Object.values(config.sides).map((s) => [s.name, s.engine]));
  // The configuration's folder (absolute) reads as `rules/…` in the rule texts when it is under the working directory.
  const configured = path.relative(process.cwd(), config.rules.dir);
  const dir =
    opts.rules ??
    (configured.startsWith('..') || path.isAbsolute(configured) ? config.rules.dir : configured || '.');
  // As a running dbtwin: no rules folder in the configuration means the built-in rules; a folder named here must exist.
  const dirMissing =
    opts.rules === undefined &&
    !(await stat(dir).then(
      (s) => s.isDirectory(),
      () => false,
    ));
  let under: Awaited<ReturnType<typeof loadRulesUnderTest>> | undefined;
  try {
    const suite = await loadRuleTestCases(casesFile, { sides });
    under = await loadRulesUnderTest(suite, {
      dir,
      dirMissing,
      sides: Object.keys(sides),
      tables: [...new Set(Object.values(config.sides).flatMap((s) => s.tables))],
    });
    for (const note of under.warnings) console.error(`warning: ${note}`);
    const functions = createMergeFunctionRunner(
      under.functionsDir,
      createLogger('dbtwin', process.env['DBTWIN_LOG_LEVEL'] ?? 'warn'),
    );
    try {
      const outcomes = await runRuleTests(suite.cases, under.ruleSet, functions);
      process.stdout.write(formatRuleTestReport(outcomes, opts.json ? 'json' : 'text'));
      if (!outcomes.every((o) => o.ok)) process.exitCode = 1;
    } finally {
      await functions.close();
    }
  } catch (error) {
    if (error instanceof RuleTestCasesInvalidError) {
      for (const problem of error.problems) console.error(formatYamlProblem(problem));
      console.error(
        `dbtwin: [${error.code}] ${error.problems.length} error${error.problems.length === 1 ? '' : 's'} in ${casesFile}`,
      );
    } else if (error instanceof RuleSetInvalidError) {
      for (const problem of error.problems) console.error(formatYamlProblem(problem));
      console.error(
        `dbtwin: [${error.code}] ${error.problems.length} error${error.problems.length === 1 ? '' : 's'} in the rules under test`,
      );
    } else throw error;
    process.exitCode = 1;
  } finally {
    await under?.dispose();
  }
}

/**
 * The columns of a table on every side of the configuration that lists it, read from the sides'
 * catalogs (one connection per side, opened when first needed). A table that exists on some of those
 * sides only is checked against those, with a note naming the sides without it.
 */
class LiveCatalog {
  readonly notes: string[] = [];
  private readonly sides = new Map<string, Promise<SideCatalog>>();

  constructor(private readonly config: DbtwinConfig) {}

  readonly columns: ColumnCatalog = async (table) => {
    const listing = Object.values(this.config.sides).filter((s) => s.tables.includes(table));
    const found: { side: string; columns: string[] }[] = [];
    const absent: string[] = [];
    for (const side of listing) {
      const info = await (await this.open(side.name)).introspector.table(side.schema, table);
      if (info) found.push({ side: side.name, columns: info.columns.map((c) => c.name) });
      else absent.push(`${side.name} (${side.schema}.${table})`);
    }
    if (found.length === 0) return undefined;
    if (absent.length > 0)
      this.notes.push(
        `table ${table} is listed for ${absent.join(', ')} in ${this.config.file} but does not exist there`,
      );
    // Names compare without case (Oracle stores unquoted names in upper case); the first side's spelling shows.
    const lower = found.map((f) => new Set(f.columns.map((c) => c.toLowerCase())));
    const common = found[0]!.columns.filter((c) => lower.every((l) => l.has(c.toLowerCase())));
    const onlySome = found.flatMap((f) => {
      const own = f.columns.filter((c) => !common.some((d) => d.toLowerCase() === c.toLowerCase()));
      return own.length > 0 ? [`${f.side} only: ${own.join(', ')}`] : [];
    });
    if (onlySome.length > 0)
      this.notes.push(
        `table ${table} has columns on some sides only (${onlySome.join('; ')}); rules may name the others`,
      );
    return common;
  };

  async close(): Promise<void> {
    const opened = await Promise.allSettled(this.sides.values());
    await Promise.allSettled(opened.flatMap((o) => (o.status === 'fulfilled' ? [o.value.close()] : [])));
  }

  private open(side: string): Promise<SideCatalog> {
    let catalog = this.sides.get(side);
    if (!catalog) this.sides.set(side, (catalog = openSideCatalog(this.config, side)));
    return catalog;
  }
}
