import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { EngineName } from '../core/change-event.js';
import { DbtwinError } from '../core/dbtwin-error.js';
import { ErrorCode } from '../core/error-codes.js';
import type { Value } from '../core/values.js';
import type { ColumnInfo } from '../engines/dialect.js';
import { compactInteger, parseDecimal } from '../engines/numeric-text.js';
import type { ColumnValue } from '../echo/row-fingerprint.js';
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
import type { RowImage } from './conflict-resolver.js';

/**
 * The cases file of `dbtwin rules test` (rules/README.md, "Testing rules"): rows of concurrent changes
 * to run through the conflict rules in both directions. Loading validates everything the runner relies
 * on, so a loaded case always has two sides of the configuration, rows with the same columns, and
 * values typed alike in every row.
 */

/**
 * The column types a cases file may declare (`columnTypes:`). Undeclared columns take their type from
 * the values written: numbers, text or booleans.
 */
export const CASE_COLUMN_TYPES = [
  'integer',
  'decimal',
  'float',
  'text',
  'boolean',
  'date',
  'timestamp',
  'timestamptz',
  'json',
] as const;

/** A column type of a cases file. */
export type CaseColumnType = (typeof CASE_COLUMN_TYPES)[number];

/** One side's change in a case: the row it ended with, or null when it deleted the row. */
export interface CaseChange {
  /** A side of the configuration. */
  readonly side: string;
  /** That side's engine (the configuration's), whose canonical forms compare its values. */
  readonly engine: EngineName;
  readonly row: RowImage | null;
}

/** One conflict: the row both sides started from and what each side made of it. */
export interface RuleTestCase {
  /** 1-based position in the file's `cases` list. */
  readonly number: number;
  /** As written; undefined when the case has none (output then says `case <number>`). */
  readonly name: string | undefined;
  readonly table: string;
  /** Where the case's `table` value is, for problems found once the rules are known. */
  readonly tableAt: { readonly file: string; readonly line: number; readonly col: number };
  /** The row before both changes; null when both sides inserted it. */
  readonly base: RowImage | null;
  /** The two sides, in the order the file writes them; the first one's change runs first in output. */
  readonly changes: readonly [CaseChange, CaseChange];
  /** Source commit time of each side's change (ms since the epoch), both or none. */
  readonly commitMs: Readonly<Record<string, number>> | undefined;
  /**
   * What both sides must end with: a row, null (no row on either side) or `manual` (both directions
   * hold the change for an operator). Undefined: no expectation, only convergence is checked.
   */
  readonly expect: RowImage | null | 'manual' | undefined;
  /** The columns of every row of the case, as first written, in order (keys of the images are these lower-cased). */
  readonly columns: readonly string[];
}

/**
 * A rule file the cases file brings along (`ruleFiles:`): tested as if copied into the rules folder,
 * under `name`, replacing a file of that name there.
 */
export type CaseRuleFile =
  | {
      readonly kind: 'file';
      /** The file name it takes in the rules folder (its base name). */
      readonly name: string;
      /** The file, as the cases file names it resolved against the cases file's folder. */
      readonly path: string;
    }
  | {
      readonly kind: 'inline';
      readonly name: string;
      /** The rule file's text, written in the cases file. */
      readonly text: string;
      /** What rule texts call it: `<cases file>#<name>`. */
      readonly label: string;
      /** The cases file it is written in: problems of it are placed there. */
      readonly file: string;
      /** Where line and column of `text` lie in the cases file (exact for a `|` block; else the text's start). */
      readonly position: (line: number, col: number) => { line: number; col: number };
    };

/** A loaded cases file. */
export interface RuleTestSuite {
  readonly file: string;
  readonly cases: readonly RuleTestCase[];
  readonly ruleFiles: readonly CaseRuleFile[];
}

/** What a cases file is checked against. */
export interface LoadRuleTestCasesOptions {
  /** The sides of the configuration and their engines, in configuration order. */
  readonly sides: Readonly<Record<string, EngineName>>;
}

/**
 * A cases file with problems; `problems` holds every one, in file order, printed as
 * `<file>:<line>:<col>: <key.path>: <message>`. Code DBT1001: an input file of the command is invalid.
 */
export class RuleTestCasesInvalidError extends DbtwinError {
  readonly problems: readonly YamlProblem[];

  constructor(file: string, problems: readonly YamlProblem[]) {
    super(
      ErrorCode.ConfigInvalid,
      `${file}: ${problems.length} error${problems.length === 1 ? '' : 's'}\n${problems.map(formatYamlProblem).join('\n')}`,
      { hint: 'rules/README.md ("Testing rules") describes the cases file' },
    );
    this.problems = problems;
  }
}

/**
 * Reads and validates a cases file (rules/README.md, "Testing rules"). Every problem is reported at
 * once, as a RuleTestCasesInvalidError; a file that cannot be read is a DbtwinError (DBT1001).
 *
 * Invariants of a loaded case: exactly two sides, both in `options.sides`; `base`, both rows and an
 * `expect` row have the same columns (names ignore case); each column has one type in every row.
 * Tables are not checked here: which tables are known depends on the rules (`loadRulesUnderTest`).
 */
export async function loadRuleTestCases(
  file: string,
  options: LoadRuleTestCasesOptions,
): Promise<RuleTestSuite> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new DbtwinError(
      ErrorCode.ConfigInvalid,
      `${file}: cannot read the cases file (${(cause as Error).message})`,
      { hint: 'name a YAML file of cases, as rules/examples/cases.yaml', cause },
    );
  }
  const yaml = YamlFile.parse(text, file);
  if (yaml.data === undefined) throw new RuleTestCasesInvalidError(file, sortProblems(yaml.problems));
  const data = withoutExtensions(yaml.data);
  const result = fileSchema.safeParse(data, { reportInput: true });
  if (!result.success) yaml.reportIssues(result.error.issues, data, fileSchema);
  const raw = isRecord(data) ? data : {};
  const report = (at: PropertyKey[], message: string, target: 'key' | 'value' = 'value'): void =>
    yaml.report(at, message, target);

  const ruleFiles = await checkRuleFiles(file, text, yaml, raw['ruleFiles'], report);
  const types = columnTypes(raw['columnTypes']);
  const cases: RuleTestCase[] = [];
  const names = new Map<string, number>();
  const items = Array.isArray(raw['cases']) ? (raw['cases'] as unknown[]) : [];
  items.forEach((item, index) => {
    if (!isRecord(item)) return; // the schema said so
    const name = typeof item['name'] === 'string' && item['name'] !== '' ? item['name'] : undefined;
    if (name !== undefined) {
      const first = names.get(name);
      if (first !== undefined)
        report(
          ['cases', index, 'name'],
          `another case is named "${name}" (cases[${first}]); names tell cases apart`,
        );
      else names.set(name, index);
    }
    const built = checkCase(item, index, name, options, types, report, (at) => ({
      file,
      ...yaml.position(at),
    }));
    if (built) cases.push(built);
  });

  unusedTypes(raw['columnTypes'], items, report);

  if (yaml.problems.length > 0 || !result.success)
    throw new RuleTestCasesInvalidError(file, sortProblems(yaml.problems));
  return { file, cases, ruleFiles };
}

// ---------------------------------------------------------------------------------------------------
// Schema: the shape; rows and values are checked by hand below, for messages in the operator's terms.

/** An integer ≥ 0; a quoted number is refused, so `"1000"` is not silently taken for one. */
const commitTime = z.unknown().transform((raw, ctx): number => {
  if (typeof raw !== 'number' || !Number.isSafeInteger(raw) || raw < 0) {
    ctx.addIssue({
      code: 'custom',
      message: `must be a commit time in ms since the epoch, an integer ≥ 0 (found ${show(raw)})`,
    });
    return z.NEVER;
  }
  return raw;
});

const caseSchema = z.strictObject({
  name: z.string().min(1).nullish(),
  table: z.string().min(1),
  base: z.unknown().optional(),
  changes: z.unknown().optional(),
  commitMs: z.record(z.string(), commitTime).nullish(),
  expect: z.unknown().optional(),
});

const fileSchema = z.strictObject({
  ruleFiles: z.array(z.unknown()).nullish(),
  columnTypes: z.record(z.string(), z.record(z.string(), z.enum(CASE_COLUMN_TYPES))).nullish(),
  cases: z.array(caseSchema).min(1),
});

type Report = (at: PropertyKey[], message: string, target?: 'key' | 'value') => void;
type Position = (at: PropertyKey[]) => { file: string; line: number; col: number };

// ---------------------------------------------------------------------------------------------------
// Rule files brought along

const RULE_FILE_NAME = /^[^./\\][^/\\]*\.ya?ml$/;

async function checkRuleFiles(
  file: string,
  source: string,
  yaml: YamlFile,
  raw: unknown,
  report: Report,
): Promise<CaseRuleFile[]> {
  if (!Array.isArray(raw)) return [];
  const out: CaseRuleFile[] = [];
  const seen = new Map<string, number>();
  const claim = (name: string, at: PropertyKey[]): void => {
    const first = seen.get(name);
    if (first !== undefined)
      report(at, `ruleFiles[${first}] is named ${name} too; each takes the place of the file of its name`);
    else seen.set(name, out.length);
  };
  for (const [i, item] of raw.entries()) {
    if (typeof item === 'string') {
      const resolved = path.join(path.dirname(file), item);
      const name = path.basename(item);
      if (!RULE_FILE_NAME.test(name)) {
        report(['ruleFiles', i], `must name a rule file (*.yaml or *.yml) (found ${show(item)})`);
        continue;
      }
      const info = await stat(resolved).catch((error: Error) => error);
      if (info instanceof Error || !info.isFile()) {
        report(
          ['ruleFiles', i],
          `cannot read ${resolved}${info instanceof Error ? ` (${info.message})` : ': not a file'}; paths are relative to this file`,
        );
        continue;
      }
      claim(name, ['ruleFiles', i]);
      out.push({ kind: 'file', name, path: resolved });
      continue;
    }
    if (!isRecord(item)) {
      report(
        ['ruleFiles', i],
        `must be a rule file's path (relative to this file) or { name: <file>.yaml, text: | … } (found ${show(item)})`,
      );
      continue;
    }
    const keys = ['name', 'text'];
    const unknown = Object.keys(item).filter((k) => !keys.includes(k));
    for (const key of unknown)
      report(
        ['ruleFiles', i, key],
        `unknown key "${key}"${suggest(key, keys) || `; expected one of ${list(keys)}`}`,
        'key',
      );
    const name = item['name'];
    const text = item['text'];
    if (typeof name !== 'string' || !RULE_FILE_NAME.test(name))
      report(
        ['ruleFiles', i, 'name'],
        name === undefined
          ? 'is required: the rule file name, e.g. name: notes.yaml'
          : `must be a file name ending in .yaml or .yml, without folders (found ${show(name)})`,
      );
    if (typeof text !== 'string')
      report(
        ['ruleFiles', i, 'text'],
        text === undefined
          ? 'is required: the rule file itself, as a block (text: |)'
          : `must be the rule file as text, a block (text: |) (found ${show(text)})`,
      );
    if (typeof name !== 'string' || !RULE_FILE_NAME.test(name) || typeof text !== 'string' || unknown.length)
      continue;
    claim(name, ['ruleFiles', i, 'name']);
    out.push({
      kind: 'inline',
      name,
      text,
      label: `${file}#${name}`,
      file,
      position: textPosition(source, yaml.position(['ruleFiles', i, 'text'])),
    });
  }
  return out;
}

/**
 * Maps a line and column of a text written in the cases file to the cases file. A literal block
 * (`|`) keeps its lines, each indented alike, so the map is exact; any other form points at its start.
 */
function textPosition(
  source: string,
  at: { line: number; col: number },
): (line: number, col: number) => { line: number; col: number } {
  const lines = source.split(/\r?\n/);
  const header = lines[at.line - 1]?.slice(at.col - 1) ?? '';
  if (!/^\|[-+]?\s*(#.*)?$/.test(header)) return () => at;
  const first = lines.slice(at.line).find((l) => l.trim() !== '') ?? '';
  const indent = first.length - first.trimStart().length;
  return (line, col) => ({ line: at.line + line, col: col + indent });
}

// ---------------------------------------------------------------------------------------------------
// Column types

/** Declared types: table → lower-cased column → type. */
type DeclaredTypes = ReadonlyMap<string, ReadonlyMap<string, CaseColumnType>>;

function columnTypes(raw: unknown): DeclaredTypes {
  const out = new Map<string, Map<string, CaseColumnType>>();
  if (!isRecord(raw)) return out;
  for (const [table, columns] of Object.entries(raw)) {
    if (!isRecord(columns)) continue;
    const types = new Map<string, CaseColumnType>();
    for (const [column, type] of Object.entries(columns))
      if ((CASE_COLUMN_TYPES as readonly unknown[]).includes(type))
        types.set(column.toLowerCase(), type as CaseColumnType);
    out.set(table, types);
  }
  return out;
}

/** A declared type no case uses is a typo (of a table or a column), or a leftover: either way, say so. */
function unusedTypes(raw: unknown, items: readonly unknown[], report: Report): void {
  if (!isRecord(raw)) return;
  const cases = items.filter(isRecord);
  const tables = [...new Set(cases.flatMap((c) => (typeof c['table'] === 'string' ? [c['table']] : [])))];
  for (const [table, columns] of Object.entries(raw)) {
    if (!tables.includes(table)) {
      report(
        ['columnTypes', table],
        `no case is of table "${table}"${suggest(table, tables)} (tables of the cases: ${list(tables)})`,
        'key',
      );
      continue;
    }
    if (!isRecord(columns)) continue;
    const written = new Set<string>();
    for (const c of cases.filter((c) => c['table'] === table))
      for (const row of [
        c['base'],
        c['expect'],
        ...(isRecord(c['changes']) ? Object.values(c['changes']) : []),
      ])
        if (isRecord(row)) for (const k of Object.keys(row)) written.add(k);
    const names = [...written];
    for (const column of Object.keys(columns))
      if (!names.some((n) => n.toLowerCase() === column.toLowerCase()))
        report(
          ['columnTypes', table, column],
          `no row of table ${table} has a column "${column}"${suggest(column, names)} (columns: ${list(names)})`,
          'key',
        );
  }
}

/** The catalog column a type stands for: what canonical forms and merge strategies read of it. */
function columnInfo(name: string, position: number, type: CaseColumnType): ColumnInfo {
  const dataType = {
    integer: 'bigint',
    decimal: 'decimal',
    float: 'double',
    text: 'varchar',
    boolean: 'boolean',
    date: 'date',
    timestamp: 'timestamp',
    timestamptz: 'timestamp with time zone',
    json: 'json',
  }[type];
  return {
    name,
    position,
    dataType,
    columnType: dataType,
    nullable: true,
    ...(type === 'timestamp' || type === 'timestamptz' ? { fractionDigits: 6 } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------
// One case

/** A row as written, where it is. */
interface WrittenRow {
  readonly at: PropertyKey[];
  readonly what: string;
  readonly row: Record<string, unknown>;
}

function checkCase(
  item: Record<string, unknown>,
  index: number,
  name: string | undefined,
  options: LoadRuleTestCasesOptions,
  declared: DeclaredTypes,
  report: Report,
  position: Position,
): RuleTestCase | undefined {
  const at = (...rest: PropertyKey[]): PropertyKey[] => ['cases', index, ...rest];
  const problems: string[] = [];
  const fail: Report = (path, message, target) => {
    problems.push(message);
    report(path, message, target);
  };
  const sides = Object.keys(options.sides);
  const table = typeof item['table'] === 'string' ? item['table'] : undefined;

  // Sides and their rows.
  const changes = item['changes'];
  const written: { side: string; row: Record<string, unknown> | null }[] = [];
  if (changes === undefined || changes === null)
    fail(
      at('changes'),
      `is required: each side's row after its change (null: deleted), e.g. changes: { ${sides
        .slice(0, 2)
        .map((s) => `${s}: {…}`)
        .join(', ')} }`,
    );
  else if (!isRecord(changes))
    fail(at('changes'), `must be a mapping of the two sides to their rows (found ${show(changes)})`);
  else {
    for (const [side, row] of Object.entries(changes)) {
      if (!Object.hasOwn(options.sides, side))
        fail(
          at('changes', side),
          `"${side}" is not a side${suggest(side, sides)} (sides: ${list(sides)})`,
          'key',
        );
      else if (row !== null && !isRecord(row))
        fail(
          at('changes', side),
          `must be the row ${side} ended with, or null when it deleted it (found ${show(row)})`,
        );
      else written.push({ side, row });
    }
    const count = Object.keys(changes).length;
    if (count !== 2)
      fail(
        at('changes'),
        `must name the two sides of the conflict, each with its row (found ${count === 0 ? 'none' : `${count}: ${list(Object.keys(changes))}`}; sides: ${list(sides)})`,
        'key',
      );
  }

  // The base row.
  const base = item['base'];
  if (base === undefined)
    fail(at('base'), 'is required: the row both sides started from, or null when both inserted it');
  else if (base !== null && !isRecord(base))
    fail(
      at('base'),
      `must be the row both sides started from, or null when both inserted it (found ${show(base)})`,
    );
  if (base === null)
    for (const w of written)
      if (w.row === null)
        fail(
          at('changes', w.side),
          'cannot be null (deleted) with base: null: both sides insert the row, so each has a row',
        );

  // What both sides must end with.
  const expectRaw = item['expect'];
  const hasExpect = Object.hasOwn(item, 'expect');
  if (hasExpect && expectRaw !== null && expectRaw !== 'manual' && !isRecord(expectRaw))
    fail(
      at('expect'),
      `must be the row both sides end with, null (no row on either side) or manual (both hold the change for an operator) (found ${show(expectRaw)}${typeof expectRaw === 'string' ? suggest(expectRaw, ['manual']) : ''})`,
    );

  // commitMs: both sides of the case, or none.
  const commit = isRecord(item['commitMs']) ? item['commitMs'] : undefined;
  if (commit) {
    for (const side of Object.keys(commit))
      if (!written.some((w) => w.side === side) && Object.hasOwn(options.sides, side))
        fail(
          at('commitMs', side),
          `"${side}" has no change in this case (changes: ${list(written.map((w) => w.side))})`,
          'key',
        );
      else if (!Object.hasOwn(options.sides, side))
        fail(
          at('commitMs', side),
          `"${side}" is not a side${suggest(side, sides)} (sides: ${list(sides)})`,
          'key',
        );
    for (const w of written)
      if (!Object.hasOwn(commit, w.side))
        fail(
          at('commitMs'),
          `has no commit time for ${w.side}: give both sides' (or leave commitMs out)`,
          'key',
        );
  }

  // Rows: the same columns everywhere, each of one type.
  const rows: WrittenRow[] = [
    ...(isRecord(base) ? [{ at: at('base'), what: 'base', row: base }] : []),
    ...written.flatMap((w) =>
      w.row ? [{ at: at('changes', w.side), what: `changes.${w.side}`, row: w.row }] : [],
    ),
    ...(isRecord(expectRaw) ? [{ at: at('expect'), what: 'expect', row: expectRaw }] : []),
  ];
  const columns = checkColumns(rows, fail);
  const types = table === undefined ? undefined : typesOf(rows, columns, declared.get(table), table, fail);

  if (problems.length > 0 || table === undefined || types === undefined || written.length !== 2)
    return undefined;
  const infos = new Map(
    columns.map((c, i) => [c.toLowerCase(), columnInfo(c, i + 1, types.get(c.toLowerCase())!)]),
  );
  const image = (row: Record<string, unknown>): RowImage =>
    new Map(
      columns.map((c) => {
        const key = c.toLowerCase();
        const column = infos.get(key)!;
        const value = Object.entries(row).find(([k]) => k.toLowerCase() === key)![1];
        const typed = toValue(value, types.get(key)!);
        return [key, { column, value: 'value' in typed ? typed.value : null } satisfies ColumnValue];
      }),
    );
  const [first, second] = written as [(typeof written)[0], (typeof written)[0]];
  const change = (w: (typeof written)[0]): CaseChange => ({
    side: w.side,
    engine: options.sides[w.side]!,
    row: w.row ? image(w.row) : null,
  });
  return {
    number: index + 1,
    name,
    table,
    tableAt: position(at('table')),
    base: isRecord(base) ? image(base) : null,
    changes: [change(first), change(second)],
    commitMs: commit as Record<string, number> | undefined,
    expect: !hasExpect
      ? undefined
      : expectRaw === 'manual'
        ? 'manual'
        : isRecord(expectRaw)
          ? image(expectRaw)
          : null,
    columns,
  };
}

/** The columns of the case as first written; every row must have them all and no other. */
function checkColumns(rows: readonly WrittenRow[], fail: Report): string[] {
  const columns: string[] = [];
  const lower = new Set<string>();
  for (const { at, row } of rows) {
    const own = new Map<string, string>();
    for (const key of Object.keys(row)) {
      const twin = own.get(key.toLowerCase());
      if (twin !== undefined)
        fail([...at, key], `"${key}" and "${twin}" are the same column (names ignore case)`, 'key');
      own.set(key.toLowerCase(), key);
    }
  }
  const first = rows[0];
  if (!first) return columns;
  for (const key of Object.keys(first.row)) {
    if (lower.has(key.toLowerCase())) continue;
    lower.add(key.toLowerCase());
    columns.push(key);
  }
  if (columns.length === 0) fail(first.at, 'must list the row’s columns: { id: 1, qty: 10 }');
  for (const { at, row } of rows.slice(1)) {
    const keys = Object.keys(row);
    const has = new Set(keys.map((k) => k.toLowerCase()));
    const every = `every row of a case lists the same columns: ${list(columns)}`;
    for (const key of keys)
      if (!lower.has(key.toLowerCase()))
        fail(
          [...at, key],
          `column "${key}" is not in ${first.what} (${every})${suggest(key, columns)}`,
          'key',
        );
    const missing = columns.filter((c) => !has.has(c.toLowerCase()));
    if (missing.length > 0) fail(at, `has no ${missing.map((m) => `"${m}"`).join(', ')} (${every})`, 'key');
  }
  return columns;
}

/**
 * Each column's type: declared in `columnTypes`, else the kind of the values written (numbers, text or
 * booleans; text when every value is null). Reports values that do not fit.
 */
function typesOf(
  rows: readonly WrittenRow[],
  columns: readonly string[],
  declared: ReadonlyMap<string, CaseColumnType> | undefined,
  table: string,
  fail: Report,
): Map<string, CaseColumnType> | undefined {
  const out = new Map<string, CaseColumnType>();
  let ok = true;
  for (const column of columns) {
    const key = column.toLowerCase();
    const values = rows.flatMap(({ at, what, row }) =>
      Object.entries(row)
        .filter(([k]) => k.toLowerCase() === key)
        .map(([k, value]) => ({ at: [...at, k], what, value })),
    );
    let type = declared?.get(key);
    if (type === undefined) {
      let seen: { kind: 'number' | 'text' | 'boolean'; what: string } | undefined;
      for (const { at, what, value } of values) {
        const kind = inferredKind(value);
        if (kind === null) continue;
        if (kind === undefined) {
          fail(
            at,
            `must be a number, text, true/false or null (found ${show(value)}); for a JSON column declare it: columnTypes: { ${table}: { ${column}: json } }`,
          );
          ok = false;
          continue;
        }
        if (typeof value === 'number' && !Number.isSafeInteger(value) && Number.isInteger(value)) {
          fail(
            at,
            `${value} is beyond ±2^53 and loses digits as a number; quote it and declare columnTypes: { ${table}: { ${column}: integer } }`,
          );
          ok = false;
        }
        if (seen && seen.kind !== kind) {
          fail(
            at,
            `is ${kind === 'number' ? 'a number' : kind === 'text' ? 'text' : 'a boolean'} (found ${show(value)}), but ${column} in ${seen.what} is ${seen.kind === 'number' ? 'a number' : seen.kind === 'text' ? 'text' : 'a boolean'}; write both alike, or declare the column in columnTypes`,
          );
          ok = false;
        }
        seen ??= { kind, what };
      }
      type =
        seen?.kind === 'number'
          ? values.every((v) => v.value === null || Number.isInteger(v.value))
            ? 'integer'
            : 'float'
          : seen?.kind === 'boolean'
            ? 'boolean'
            : 'text';
    } else {
      for (const { at, value } of values) {
        const typed = toValue(value, type);
        if ('error' in typed) {
          fail(at, `${typed.error} (column ${column}: ${type}, columnTypes.${table})`);
          ok = false;
        }
      }
    }
    out.set(key, type);
  }
  return ok ? out : undefined;
}

function inferredKind(value: unknown): 'number' | 'text' | 'boolean' | null | undefined {
  if (value === null) return null;
  if (typeof value === 'number') return 'number';
  if (typeof value === 'string') return 'text';
  if (typeof value === 'boolean') return 'boolean';
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// Values

type Typed = { readonly value: Value } | { readonly error: string };

/** A value as written, in the column's type (dbtwin's `Value`), or why it is not one. */
function toValue(raw: unknown, type: CaseColumnType): Typed {
  if (raw === null) return { value: null };
  switch (type) {
    case 'integer':
      if (typeof raw === 'number' && Number.isSafeInteger(raw)) return { value: raw };
      if (typeof raw === 'string' && /^\s*-?\d+\s*$/.test(raw))
        return { value: compactInteger(BigInt(raw.trim())) };
      if (typeof raw === 'number' && Number.isInteger(raw))
        return { error: `${raw} is beyond ±2^53 and loses digits as a number; quote it` };
      return { error: `must be an integer (found ${show(raw)})` };
    case 'decimal': {
      const decimal =
        typeof raw === 'number' && Number.isFinite(raw)
          ? parseDecimal(String(raw))
          : typeof raw === 'string'
            ? parseDecimal(raw)
            : undefined;
      if (decimal) return { value: decimal };
      return { error: `must be a decimal number; quote it to keep its scale: "12.50" (found ${show(raw)})` };
    }
    case 'float':
      if (typeof raw === 'number') return { value: raw };
      return { error: `must be a number (found ${show(raw)})` };
    case 'text':
      if (typeof raw === 'string') return { value: raw };
      if (typeof raw === 'number' || typeof raw === 'boolean')
        return { error: `must be text (found ${show(raw)}); quote it: "${String(raw)}"` };
      return { error: `must be text (found ${show(raw)})` };
    case 'boolean':
      if (typeof raw === 'boolean') return { value: raw };
      return { error: `must be true or false (found ${show(raw)})` };
    case 'date': {
      const m = typeof raw === 'string' ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(raw.trim()) : null;
      if (!m) return { error: `must be a date, "YYYY-MM-DD" (found ${show(raw)})` };
      const ms = civilMs(Number(m[1]), Number(m[2]), Number(m[3]), 0, 0, 0);
      if (ms === undefined)
        return { error: `must be a date, "YYYY-MM-DD" (found ${show(raw)}: no such day)` };
      return { value: { type: 'date', days: ms / 86_400_000 } };
    }
    case 'timestamp':
    case 'timestamptz':
      return timestamp(raw, type);
    case 'json': {
      if (typeof raw === 'string') {
        try {
          JSON.parse(raw);
        } catch {
          return {
            error: `must be a JSON document: a mapping, a list, or its JSON text (found ${show(raw)}, not valid JSON)`,
          };
        }
        return { value: { type: 'json', text: raw } };
      }
      return { value: { type: 'json', text: JSON.stringify(raw) } };
    }
  }
}

const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * `YYYY-MM-DD HH:MM[:SS[.fraction]]` (or with `T`): a wall-clock timestamp; a timestamptz may end in
 * `Z` or an offset (`+02:00`), and is UTC without one.
 */
function timestamp(raw: unknown, type: 'timestamp' | 'timestamptz'): Typed {
  const form =
    type === 'timestamp'
      ? '"YYYY-MM-DD HH:MM:SS[.ffffff]", without a zone'
      : '"YYYY-MM-DD HH:MM:SS[.ffffff][Z|±HH:MM]", UTC without a zone';
  const m = typeof raw === 'string' ? TIMESTAMP.exec(raw.trim()) : null;
  if (!m || (type === 'timestamp' && m[8] !== undefined))
    return { error: `must be a ${type}, ${form} (found ${show(raw)})` };
  const ms = civilMs(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
  if (ms === undefined) return { error: `must be a ${type}, ${form} (found ${show(raw)}: no such time)` };
  const digits = (m[7] ?? '').padEnd(9, '0');
  let micros = BigInt(ms) * 1000n + BigInt(digits.slice(0, 6));
  const zone = m[8]?.toUpperCase();
  if (zone !== undefined && zone !== 'Z') {
    const z = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone)!;
    const minutes = Number(z[2]) * 60 + Number(z[3] ?? 0);
    micros -= BigInt((z[1] === '-' ? -1 : 1) * minutes) * 60_000_000n;
  }
  return { value: { type, micros, nanos: Number(digits.slice(6)) } };
}

/** Milliseconds since the epoch of a calendar time read as UTC, or undefined when no such time exists. */
function civilMs(y: number, mo: number, d: number, h: number, mi: number, s: number): number | undefined {
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, 0);
  const back =
    date.getUTCFullYear() === y &&
    date.getUTCMonth() === mo - 1 &&
    date.getUTCDate() === d &&
    date.getUTCHours() === h &&
    date.getUTCMinutes() === mi &&
    date.getUTCSeconds() === s;
  return back ? date.getTime() : undefined;
}
