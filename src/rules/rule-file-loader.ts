import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { DbtwinError } from '../core/dbtwin-error.js';
import { ErrorCode } from '../core/error-codes.js';
import {
  formatYamlProblem,
  isRecord,
  list,
  show,
  sortProblems,
  suggest,
  withoutExtensions,
  YamlFile,
  type YamlProblem,
} from '../config/yaml-problems.js';
import {
  builtInRuleSet,
  type ColumnStrategy,
  type LwwBy,
  type Policy,
  type RuleSet,
  type TableRules,
} from './rule-set.js';

/** The folder `dbtwin` reads rule files from when none is named. Relative to the working directory. */
export const DEFAULT_RULES_DIR = 'rules';

/** The rule file for every table without a file of its own (`default.yml` is taken too). */
export const DEFAULT_RULES_FILE = 'default.yaml';

/** Defaults of keys a rule file leaves out (rules/README.md documents them). */
export const RULE_DEFAULTS = {
  detect: 'changed-columns',
  maxClockSkewMs: 2000,
  unionSeparator: ',',
  functionTimeoutMs: 100,
  mergeFallback: 'priority',
} as const;

/** One thing wrong with a rule file, where it is; printed as `<file>:<line>:<col>: <key.path>: <message>`. */
export type RuleProblem = YamlProblem;

/** Column names of a table on every side that has it, or undefined when no side has it. */
export type ColumnCatalog = (table: string) => Promise<readonly string[] | undefined>;

/** What the rules are checked against besides their own schema. */
export interface LoadRuleSetOptions {
  /** Side names in configuration order: the names `order` and `prefer` may use, and the default `order`. */
  readonly sides: readonly string[];
  /**
   * The tables of the configuration (every side's `tables`). When given, rules for any other table are
   * an error, and misspelt tables get a "did you mean". Unchecked when absent.
   */
  readonly tables?: readonly string[];
  /**
   * The live catalog. When given, a table it does not know, and a column (`columns:` keys,
   * `lww.column`) its table lacks, are errors; the default file's columns are checked against every
   * table of `tables` without a file of its own. Unchecked when absent. Errors it throws (a side
   * unreachable) propagate.
   */
  readonly catalog?: ColumnCatalog;
}

/** A loaded rules folder. */
export interface LoadedRuleSet {
  readonly ruleSet: RuleSet;
  /** The rule files read, as `<dir>/<name>`, sorted by name. */
  readonly files: readonly string[];
  /** Things to know that are no error (no default file: the built-in default applies). */
  readonly warnings: readonly string[];
}

/**
 * A rules folder with problems. `problems` holds every one of them, in file order; the message lists
 * them one per line as `<file>:<line>:<col>: <key.path>: <message>`.
 */
export class RuleSetInvalidError extends DbtwinError {
  readonly problems: readonly RuleProblem[];

  constructor(dir: string, problems: readonly RuleProblem[]) {
    super(
      ErrorCode.RulesInvalid,
      `${dir}: ${problems.length} error${problems.length === 1 ? '' : 's'}\n${problems.map(formatYamlProblem).join('\n')}`,
      { hint: `rules/README.md describes the rule files; dbtwin rules check ${dir} lists every problem` },
    );
    this.problems = problems;
  }
}

/**
 * Reads, validates and completes the rule files of `dir` (design §4, rules/README.md): every `*.yaml`
 * and `*.yml` file directly in it (not in subfolders, so `rules/examples/` is not loaded), one of them
 * `default.yaml`. Each file stands alone: keys it leaves out take RULE_DEFAULTS (and `order` the
 * sides in configuration order), never another file's values. Without a default file the built-in
 * default applies (`priority`), with a warning.
 *
 * Every problem of every file is reported at once, as a RuleSetInvalidError (DBT1006) whose problems
 * carry file, line, column and key path; a folder that cannot be read is a DbtwinError with the same
 * code. `hash` is the SHA-256 of the rule files and the merge-function modules they name, by name
 * relative to `dir` and bytes, sorted by name: equal folders hash equal wherever they are.
 */
export async function loadRuleSet(dir: string, options: LoadRuleSetOptions): Promise<LoadedRuleSet> {
  const names = await ruleFileNames(dir);
  const problems: RuleProblem[] = [];
  const sources: { name: string; bytes: Buffer }[] = [];
  const parsed: ParsedFile[] = [];
  const defaults = names.filter(isDefaultFile);

  for (const name of names) {
    const file = path.join(dir, name);
    const bytes = await readRuleSource(file);
    sources.push({ name, bytes });
    const yaml = YamlFile.parse(bytes.toString('utf8'), file);
    if (isDefaultFile(name) && defaults.length > 1 && name !== defaults[0])
      yaml.report([], `a second default file (${path.join(dir, defaults[0]!)} is the default); keep one`);
    if (yaml.data !== undefined) parsed.push(await checkFile(dir, name, yaml, options));
    problems.push(...yaml.problems);
  }
  problems.push(...duplicateTables(parsed));
  if (options.tables !== undefined || options.catalog !== undefined)
    problems.push(...(await checkTables(parsed, options.tables, options.catalog)));
  if (problems.length > 0) throw new RuleSetInvalidError(dir, sortProblems(problems));

  // No problem anywhere, so every file has its rules.
  const valid = parsed.flatMap((f) => (f.rules ? [{ ...f, rules: f.rules }] : []));
  const modules = new Map(valid.flatMap((f) => f.modules.map((m) => [m.name, m.path] as const)));
  for (const [name, file] of modules) sources.push({ name, bytes: await readRuleSource(file) });
  const fallback = builtInRuleSet(options.sides).defaults;
  const defaultFile = valid.find((f) => f.isDefault);
  const tables = new Map<string, TableRules>();
  for (const file of valid) for (const table of file.rules.tables) tables.set(table, file.rules);
  const warnings =
    defaultFile === undefined
      ? [
          `no ${path.join(dir, DEFAULT_RULES_FILE)}: tables without a file of their own use the built-in default (policy: priority, order: ${list(options.sides)})`,
        ]
      : [];
  return {
    ruleSet: { hash: hashOf(sources), defaults: defaultFile?.rules ?? fallback, tables },
    files: names.map((n) => path.join(dir, n)),
    warnings,
  };
}

// ---------------------------------------------------------------------------------------------------
// Files

function isDefaultFile(name: string): boolean {
  return name === DEFAULT_RULES_FILE || name === 'default.yml';
}

/** The rule files of `dir`: `*.yaml` and `*.yml` (following links, so mounted ConfigMaps work), sorted. */
async function ruleFileNames(dir: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (cause) {
    throw new DbtwinError(
      ErrorCode.RulesInvalid,
      `${dir}: cannot read the rules folder (${(cause as Error).message})`,
      { hint: 'name the folder of the rule files (default: rules)', cause },
    );
  }
  const names: string[] = [];
  // Hidden files are editors' swap and backup files, and Kubernetes' ..data links.
  for (const name of entries.filter((n) => /\.ya?ml$/.test(n) && !n.startsWith('.')).sort()) {
    const info = await stat(path.join(dir, name)).catch(() => undefined);
    if (info?.isFile()) names.push(name);
  }
  return names;
}

/**
 * A rule file or module. One that vanished since the folder was listed (an editor's save in
 * progress) is a DBT1006 error like any other: the watcher keeps the last good rules and the save's
 * next event loads again.
 */
async function readRuleSource(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (cause) {
    throw new DbtwinError(ErrorCode.RulesInvalid, `${file}: cannot read (${(cause as Error).message})`, {
      cause,
    });
  }
}

/** SHA-256 over (name, length, bytes) of each source, sorted by name; lengths keep the framing unambiguous. */
function hashOf(sources: readonly { name: string; bytes: Buffer }[]): string {
  const hash = createHash('sha256');
  for (const { name, bytes } of [...sources].sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  )) {
    hash.update(`${name}\0${bytes.length}\0`);
    hash.update(bytes);
  }
  return hash.digest('hex');
}

// ---------------------------------------------------------------------------------------------------
// Schema

const POLICIES = ['lww', 'priority', 'merge', 'ignore', 'manual'] as const;
const DETECT_MODES = ['changed-columns', 'all-columns'] as const;
const LWW_BY = ['commit-time', 'column'] as const;
const FALLBACKS = ['priority', 'lww'] as const;
/** Strategies written as a bare word; `union` also takes a separator, `prefer` and `function` need a value. */
const WORD_STRATEGIES = ['delta', 'max', 'min', 'union', 'keep-target', 'take-incoming'] as const;
const MAPPING_STRATEGIES = ['union', 'prefer', 'function'] as const;
const MODULE_EXTENSIONS = ['.mjs', '.js'] as const;
const MAX_TIMEOUT_MS = 60_000;
const MAX_SKEW_MS = 3_600_000;

/** An integer in [min, max]; a quoted number is refused, so `"50"` is not silently taken for one. */
const integer = (min: number, max: number) =>
  z.unknown().transform((raw, ctx): number => {
    if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < min || raw > max) {
      const quoted = typeof raw === 'string' && /^\s*-?\d+\s*$/.test(raw);
      ctx.addIssue({
        code: 'custom',
        message: `must be an integer from ${min} to ${max} (found ${show(raw)})${quoted ? '; write it without quotes' : ''}`,
      });
      return z.NEVER;
    }
    return raw;
  });

/** A strategy as the file writes it, before sides and modules are checked. */
type RawStrategy =
  | { readonly kind: Exclude<(typeof WORD_STRATEGIES)[number], 'union'> }
  | { readonly kind: 'union'; readonly separator: string }
  | { readonly kind: 'prefer'; readonly side: string }
  | { readonly kind: 'function'; readonly module: string; readonly timeoutMs: number };

const STRATEGY_FORMS = `${list([...WORD_STRATEGIES])}, or a mapping: { union: "<separator>" }, { prefer: <side> }, { function: <module>, timeoutMs: <ms> }`;

/**
 * A column strategy: a word (`delta`) or a one-key mapping (`{ prefer: mariadb }`). Hand-parsed, since
 * a zod union would report a mistake once per form it does not match.
 */
const strategy = z.unknown().transform((raw, ctx): RawStrategy => {
  const issue = (message: string, at: PropertyKey[] = [], target: 'key' | 'value' = 'value'): void =>
    ctx.addIssue({ code: 'custom', message, path: at, params: { target } });
  const fail = (message: string, at: PropertyKey[] = [], target: 'key' | 'value' = 'value'): never => {
    issue(message, at, target);
    return z.NEVER;
  };
  if (typeof raw === 'string') {
    const word = raw.trim();
    if (word === 'union') return { kind: 'union', separator: RULE_DEFAULTS.unionSeparator };
    if ((WORD_STRATEGIES as readonly string[]).includes(word))
      return { kind: word as Exclude<(typeof WORD_STRATEGIES)[number], 'union'> };
    if (word === 'prefer') return fail('prefer needs a side: { prefer: <side> }');
    if (word === 'function') return fail('function needs a module: { function: functions/<name>.mjs }');
    return fail(
      `must be one of ${STRATEGY_FORMS} (found ${show(raw)}${suggest(word, [...WORD_STRATEGIES, 'prefer', 'function'])})`,
    );
  }
  if (!isRecord(raw)) return fail(`must be one of ${STRATEGY_FORMS} (found ${show(raw)})`);
  const allowed = [...MAPPING_STRATEGIES, 'timeoutMs'];
  const unknown = Object.keys(raw).filter((k) => !allowed.includes(k));
  for (const key of unknown)
    issue(
      `unknown key "${key}"${suggest(key, allowed) || `; expected one of ${list(allowed)}`}`,
      [key],
      'key',
    );
  if (unknown.length > 0) return z.NEVER;
  const kinds = MAPPING_STRATEGIES.filter((k) => Object.hasOwn(raw, k));
  if (kinds.length !== 1)
    return fail(
      kinds.length === 0
        ? `names no strategy; expected one of ${STRATEGY_FORMS}`
        : `names ${kinds.length} strategies (${list(kinds)}); a column takes one`,
    );
  const kind = kinds[0]!;
  if (kind !== 'function' && Object.hasOwn(raw, 'timeoutMs'))
    return fail('timeoutMs goes only with function', ['timeoutMs'], 'key');
  const value = raw[kind];
  if (typeof value !== 'string' || value === '')
    return fail(`must be a non-empty string (found ${show(value)})`, [kind]);
  if (kind === 'union') return { kind, separator: value };
  if (kind === 'prefer') return { kind, side: value };
  const timeout = integer(1, MAX_TIMEOUT_MS).safeParse(raw['timeoutMs'] ?? RULE_DEFAULTS.functionTimeoutMs);
  if (!timeout.success) return fail(timeout.error.issues[0]!.message, ['timeoutMs']);
  return { kind, module: value, timeoutMs: timeout.data };
});

const nameSchema = z.string().min(1);

const ruleFileSchema = z.strictObject({
  tables: z.array(nameSchema).min(1).nullish(),
  detect: z.enum(DETECT_MODES).nullish(),
  policy: z.enum(POLICIES),
  lww: z
    .strictObject({
      by: z.enum(LWW_BY).nullish(),
      column: nameSchema.nullish(),
      maxClockSkewMs: integer(0, MAX_SKEW_MS).nullish(),
    })
    .nullish(),
  fallback: z.enum(FALLBACKS).nullish(),
  order: z.array(nameSchema).min(1).nullish(),
  columns: z.record(z.string(), strategy).nullish(),
});

type RuleFile = z.output<typeof ruleFileSchema>;

// ---------------------------------------------------------------------------------------------------
// One file

/** A file whose YAML parsed: what the checks across files need, and its rules when it is valid. */
interface ParsedFile {
  readonly isDefault: boolean;
  readonly yaml: YamlFile;
  /** The tables it names (those written as strings), with their index in `tables`. */
  readonly tables: readonly { readonly table: string; readonly index: number }[];
  /** Columns it names, where: `columns:` keys and `lww.column`. */
  readonly columns: readonly {
    readonly column: string;
    readonly at: PropertyKey[];
    readonly target: 'key' | 'value';
  }[];
  /** Merge-function modules that exist: name relative to the rules folder (hash), path to read. */
  readonly modules: readonly { name: string; path: string }[];
  /** Undefined when the file has a problem. */
  readonly rules: TableRules | undefined;
}

/**
 * Validates one parsed file, reporting into `yaml`. The checks beyond the schema read the document
 * defensively, so they run even where the schema found problems elsewhere and every mistake of the
 * file shows in one pass.
 */
async function checkFile(
  dir: string,
  name: string,
  yaml: YamlFile,
  options: LoadRuleSetOptions,
): Promise<ParsedFile> {
  const data = withoutExtensions(yaml.data);
  const result = ruleFileSchema.safeParse(data, { reportInput: true });
  if (!result.success) yaml.reportIssues(result.error.issues, data, ruleFileSchema);
  const isDefault = isDefaultFile(name);
  const raw = isRecord(data) ? data : {};
  const report = (at: PropertyKey[], message: string, target: 'key' | 'value' = 'value'): void =>
    yaml.report(at, message, target);

  const tableList = Array.isArray(raw['tables']) ? (raw['tables'] as unknown[]) : [];
  const tables = tableList.flatMap((table, index) => (typeof table === 'string' ? [{ table, index }] : []));
  if (isDefault && raw['tables'] != null)
    report(
      ['tables'],
      `the default file applies to every table without a file of its own, so it lists none; move these rules to a file of their own`,
      'key',
    );
  if (!isDefault && raw['tables'] == null)
    report(
      ['tables'],
      `is required: the tables these rules apply to, e.g. tables: [${path.parse(name).name}]`,
    );
  for (const { table, index } of tables)
    if (tableList.indexOf(table) !== index) report(['tables', index], `table "${table}" is listed twice`);

  const policy = oneOf(POLICIES, raw['policy']);
  const fallback = oneOf(FALLBACKS, raw['fallback']);
  const lww = isRecord(raw['lww']) ? raw['lww'] : {};
  if (policy !== undefined) {
    const lwwUsed = policy === 'lww' || (policy === 'merge' && fallback === 'lww');
    if (raw['lww'] != null && !lwwUsed && !(policy === 'merge' && raw['fallback'] != null && !fallback))
      report(
        ['lww'],
        policy === 'merge'
          ? 'goes with fallback: lww (columns without a strategy follow it); add that or remove lww'
          : `goes with policy: lww, not ${policy}`,
        'key',
      );
    if (raw['fallback'] != null && policy !== 'merge')
      report(['fallback'], `goes with policy: merge, not ${policy}`, 'key');
    if (raw['columns'] != null && policy !== 'merge')
      report(
        ['columns'],
        `go with policy: merge (${policy} decides whole rows); write policy: merge and fallback: ${policy === 'lww' ? 'lww' : 'priority'} to keep ${policy} for the other columns`,
        'key',
      );
  }
  if (lww['by'] === 'column' && lww['column'] == null)
    report(['lww', 'by'], 'needs the column to compare: lww: { by: column, column: updated_at }');
  if (lww['by'] === 'commit-time' && lww['column'] != null)
    report(
      ['lww', 'column'],
      'goes with by: column (by: commit-time compares the sources’ commit times)',
      'key',
    );
  if (lww['column'] != null && lww['maxClockSkewMs'] != null)
    report(
      ['lww', 'maxClockSkewMs'],
      'goes with by: commit-time (by: column compares the column’s values as they are)',
      'key',
    );

  const unknownSide = (side: string): string =>
    `"${side}" is not a side${suggest(side, options.sides)} (sides: ${list(options.sides)})`;
  const order = Array.isArray(raw['order']) ? (raw['order'] as unknown[]) : [];
  order.forEach((side, i) => {
    if (typeof side !== 'string' || side === '') return;
    if (!options.sides.includes(side)) report(['order', i], unknownSide(side));
    else if (order.indexOf(side) !== i) report(['order', i], `side "${side}" is listed twice`);
  });

  const modules: { name: string; path: string }[] = [];
  const seenColumns = new Map<string, string>();
  const columnRules = isRecord(raw['columns']) ? raw['columns'] : {};
  for (const [column, value] of Object.entries(columnRules)) {
    const twin = seenColumns.get(column.toLowerCase());
    if (twin !== undefined)
      report(['columns', column], `"${column}" and "${twin}" are the same column (names ignore case)`, 'key');
    seenColumns.set(column.toLowerCase(), column);
    const parsed = strategy.safeParse(value);
    if (!parsed.success) continue; // reported by the schema
    const s = parsed.data;
    if (s.kind === 'prefer' && !options.sides.includes(s.side))
      report(['columns', column, 'prefer'], unknownSide(s.side));
    if (s.kind === 'function') {
      const module = await checkModule(dir, s.module);
      if (typeof module === 'string') report(['columns', column, 'function'], module);
      else modules.push(module);
    }
  }
  const columns = [
    ...Object.keys(columnRules).map((column) => ({
      column,
      at: ['columns', column],
      target: 'key' as const,
    })),
    ...(typeof lww['column'] === 'string'
      ? [{ column: lww['column'], at: ['lww', 'column'], target: 'value' as const }]
      : []),
  ];
  const valid = result.success && yaml.problems.length === 0;
  const rules = valid ? rulesOf(dir, name, result.data, options.sides) : undefined;
  return { isDefault, yaml, tables, columns, modules, rules };
}

/** The value when it is one of `values`. */
function oneOf<T extends string>(values: readonly T[], value: unknown): T | undefined {
  return (values as readonly unknown[]).includes(value) ? (value as T) : undefined;
}

/** A valid file's rules, defaults filled in. */
function rulesOf(dir: string, name: string, raw: RuleFile, sides: readonly string[]): TableRules {
  const order = [...(raw.order ?? []), ...sides.filter((s) => !raw.order?.includes(s))];
  const lww = (): { by: LwwBy; maxClockSkewMs: number } => ({
    by: raw.lww?.column != null ? { column: raw.lww.column } : { commitTime: true },
    maxClockSkewMs: raw.lww?.maxClockSkewMs ?? RULE_DEFAULTS.maxClockSkewMs,
  });
  const policyOf = (): Policy => {
    switch (raw.policy) {
      case 'lww':
        return { kind: 'lww', ...lww() };
      case 'merge': {
        const fallback = raw.fallback ?? RULE_DEFAULTS.mergeFallback;
        return fallback === 'lww' ? { kind: 'merge', fallback, lww: lww() } : { kind: 'merge', fallback };
      }
      default:
        return { kind: raw.policy };
    }
  };
  const columns: Record<string, ColumnStrategy> = {};
  for (const [column, s] of Object.entries(raw.columns ?? {}))
    columns[column] = s.kind === 'function' ? { ...s, module: moduleName(dir, s.module) } : s;
  return {
    tables: [...(raw.tables ?? [])],
    detect: raw.detect ?? RULE_DEFAULTS.detect,
    policy: policyOf(),
    order,
    columns,
    file: path.join(dir, name),
  };
}

/** The module of a `function` strategy, or what is wrong with it. It must lie in the rules folder, which is watched and hashed. */
async function checkModule(dir: string, module: string): Promise<{ name: string; path: string } | string> {
  if (path.isAbsolute(module)) return `must be a path relative to the rules folder (found ${show(module)})`;
  const relative = moduleName(dir, module);
  if (relative.startsWith('..') || path.isAbsolute(relative))
    return `must lie inside the rules folder ${dir}, which is watched and hashed with the rules (found ${show(module)})`;
  if (!(MODULE_EXTENSIONS as readonly string[]).includes(path.extname(module)))
    return `must be a JavaScript module (${list([...MODULE_EXTENSIONS])}) with a default export (found ${show(module)})`;
  const file = path.join(dir, module);
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) return `module ${file} does not exist`;
  return { name: relative, path: file };
}

/** A module path as the rules carry it: relative to the rules folder, normalised, in `/` form. */
function moduleName(dir: string, module: string): string {
  return path.relative(path.resolve(dir), path.resolve(dir, module)).split(path.sep).join('/');
}

// ---------------------------------------------------------------------------------------------------
// Across files

/** A table with rules in two files is an error at each later place, naming the first. */
function duplicateTables(files: readonly ParsedFile[]): RuleProblem[] {
  const first = new Map<string, string>();
  const problems: RuleProblem[] = [];
  for (const file of files) {
    const own = new Set<string>();
    file.tables.forEach(({ table, index: i }) => {
      // Twice in one file is that file's own problem, reported with it.
      if (own.has(table)) return;
      own.add(table);
      const { line, col } = file.yaml.position(['tables', i]);
      const where = `${file.yaml.file}:${line}:${col}`;
      const earlier = first.get(table);
      if (earlier === undefined) first.set(table, where);
      else
        problems.push(
          file.yaml.problemAt(
            ['tables', i],
            `table "${table}" already has rules in ${earlier}; a table takes its rules from one file`,
          ),
        );
    });
  }
  return problems;
}

/**
 * Tables against the configuration's tables, and tables and columns against the live catalog (each
 * when given).
 */
async function checkTables(
  files: readonly ParsedFile[],
  configTables: readonly string[] | undefined,
  catalog: ColumnCatalog | undefined,
): Promise<RuleProblem[]> {
  const problems: RuleProblem[] = [];
  const cache = new Map<string, Promise<readonly string[] | undefined>>();
  /** The table's columns; `null` when it exists but its columns are unknown (no catalog). */
  const columnsOf = (table: string): Promise<readonly string[] | null | undefined> => {
    if (configTables !== undefined && !configTables.includes(table)) return Promise.resolve(undefined);
    if (catalog === undefined) return Promise.resolve(null);
    let found = cache.get(table);
    if (!found) cache.set(table, (found = catalog(table)));
    return found;
  };
  const ruled = new Set(files.flatMap((f) => f.tables.map((t) => t.table)));
  const known = configTables?.length ? ` (tables: ${list(configTables)})` : '';

  for (const file of files) {
    // A table file's columns must exist in each of its tables; the default file's in every table it rules.
    const tables = file.isDefault
      ? (configTables ?? []).filter((t) => !ruled.has(t)).map((table) => ({ table, index: -1 }))
      : file.tables;
    const named = file.columns;
    /** Per named column, the tables without it and their columns. */
    const lacking = named.map(() => [] as { table: string; columns: readonly string[] }[]);
    for (const { table, index: i } of tables) {
      const columns = await columnsOf(table);
      if (columns === undefined) {
        if (file.isDefault) continue; // a table of the configuration missing: the configuration's problem
        const inConfig = configTables?.includes(table) ?? true;
        const message = inConfig
          ? `table "${table}" does not exist in the sides' databases`
          : `"${table}" is not a table of any side in the configuration${suggest(table, configTables ?? [])}${known}`;
        problems.push(file.yaml.problemAt(['tables', i], message));
        continue;
      }
      if (columns === null) continue;
      const lower = new Set(columns.map((c) => c.toLowerCase()));
      named.forEach((n, j) => {
        if (!lower.has(n.column.toLowerCase())) lacking[j]!.push({ table, columns });
      });
    }
    named.forEach((n, j) => {
      const without = lacking[j]!;
      if (without.length === 0) return;
      const { table, columns } = without[0]!;
      const whose =
        without.length === 1
          ? `table ${table}${file.isDefault ? ' (ruled by this default file)' : ''} has`
          : `tables ${list(without.map((w) => w.table))}${file.isDefault ? ' (ruled by this default file)' : ''} have`;
      problems.push(
        file.yaml.problemAt(
          n.at,
          `${whose} no column "${n.column}"${suggest(n.column, columns)} (${without.length === 1 ? '' : `${table}: `}columns: ${list(columns)})`,
          n.target,
        ),
      );
    });
  }
  return problems;
}
