import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';

/**
 * Problems of operator-edited YAML files (the configuration, the conflict rules), where they are and in
 * the operator's words: one mistake is one line, `<file>:<line>:<col>: <key.path>: <message>`, with the
 * values the key takes and a "did you mean" for near misses.
 */

/** One thing wrong with a YAML file, where it is. Lines and columns count from 1. */
export interface YamlProblem {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  /** Key path, `sides.mariadb.connection.port`, `links[1].from`; `(root)` for the document itself. */
  readonly path: string;
  readonly message: string;
}

/** Where a problem points: the value at a key path (default), or its key (an unknown or misnamed key). */
export type ProblemTarget = 'value' | 'key';

/** `<file>:<line>:<col>: <key.path>: <message>`, the form editors and CI annotate. */
export function formatYamlProblem(problem: YamlProblem): string {
  return `${problem.file}:${problem.line}:${problem.col}: ${problem.path}: ${problem.message}`;
}

/**
 * One YAML file being checked: its parsed data and the problems found so far, each placed by key
 * path. Parsing reports YAML syntax errors; callers add schema issues (`reportIssues`) and their own
 * checks (`report`), then read `problems`.
 */
export class YamlFile {
  private constructor(
    readonly file: string,
    private readonly doc: Document.Parsed,
    private readonly lineCounter: LineCounter,
    /**
     * The document as plain data (an empty document is `{}`), or undefined when the YAML is broken:
     * then `problems` says why, and validating a shape that is not what was meant would only bury
     * the real mistake under invented ones.
     */
    readonly data: unknown,
    /** Every problem reported so far, in report order (`sortProblems` puts them in file order). */
    readonly problems: YamlProblem[],
  ) {}

  /** Parses `text`; `file` only names it in messages. Duplicate keys are problems, yet the data is kept. */
  static parse(text: string, file: string): YamlFile {
    const lineCounter = new LineCounter();
    // prettyErrors off: messages stay one line, positions come from the line counter like every other problem.
    const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
    const problems: YamlProblem[] = [];
    const at = (offset: number, message: string): void => {
      const { line, col } = lineCounter.linePos(offset);
      problems.push({ file, line, col, path: '(yaml)', message });
    };
    for (const error of doc.errors) at(error.pos[0], error.message);
    let data: unknown;
    // Duplicate keys leave the rest intact, so validation goes on then.
    if (!doc.errors.some((e) => e.code !== 'DUPLICATE_KEY')) {
      try {
        data = doc.toJS({ maxAliasCount: 100 }) ?? {};
      } catch (error) {
        // Only an alias bomb (too many alias expansions) gets here.
        at(0, (error as Error).message);
      }
    }
    return new YamlFile(file, doc, lineCounter, data, problems);
  }

  /** Reports `message` at the node of `path` (see `position`). */
  report(path: readonly PropertyKey[], message: string, target: ProblemTarget = 'value'): void {
    this.problems.push(this.problemAt(path, message, target));
  }

  /** The problem `report` would add, without adding it (for checks that gather problems of many files). */
  problemAt(path: readonly PropertyKey[], message: string, target: ProblemTarget = 'value'): YamlProblem {
    const { line, col } = this.position(path, target);
    return { file: this.file, line, col, path: formatPath(path), message };
  }

  /**
   * Reports every zod issue of validating `data` against `schema`, in the operator's words. A custom
   * issue with `params: { target: 'key' }` points at its key rather than its value.
   */
  reportIssues(issues: readonly z.core.$ZodIssue[], data: unknown, schema: z.ZodType): void {
    for (const issue of issues) {
      for (const p of describeIssue(issue, data, schema)) this.report(p.path, p.message, p.target);
    }
  }

  /**
   * Line and column of the node at `path`. A scalar points at itself; a mapping, list or empty value
   * points at its key (the line the operator wrote); a path that does not exist (a missing key)
   * points at the deepest key that does.
   */
  position(path: readonly PropertyKey[], target: ProblemTarget = 'value'): { line: number; col: number } {
    return this.lineCounter.linePos(locate(this.doc, path, target));
  }
}

/** In file order (then by key path), each distinct problem once. */
export function sortProblems(problems: readonly YamlProblem[]): YamlProblem[] {
  const seen = new Set<string>();
  return [...problems]
    .sort(
      (x, y) =>
        x.file.localeCompare(y.file) || x.line - y.line || x.col - y.col || x.path.localeCompare(y.path),
    )
    .filter((p) => {
      const line = formatYamlProblem(p);
      if (seen.has(line)) return false;
      seen.add(line);
      return true;
    });
}

// ---------------------------------------------------------------------------------------------------
// Issues → messages

interface IssueProblem {
  readonly path: readonly PropertyKey[];
  readonly message: string;
  readonly target: ProblemTarget;
}

/** Turns one zod issue into the operator's words; an unknown-keys issue becomes one problem per key. */
function describeIssue(issue: z.core.$ZodIssue, data: unknown, schema: z.ZodType): IssueProblem[] {
  const path = issue.path;
  const present = valueAt(data, path);
  const problem = (message: string): IssueProblem[] => [{ path, message, target: 'value' }];
  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = keysAt(schema, path);
      return issue.keys.map((key) => ({
        path: [...path, key],
        target: 'key' as const,
        message: `unknown key "${key}"${suggest(key, allowed) || (allowed.length > 0 ? `; expected one of ${list(allowed)}` : '')}`,
      }));
    }
    case 'invalid_value':
      if (present.found === false) return problem(`is required (one of ${list(issue.values.map(String))})`);
      return problem(
        `must be one of ${list(issue.values.map(String))} (found ${show(present.value)}${typeof present.value === 'string' ? suggest(present.value, issue.values.map(String)) : ''})`,
      );
    case 'invalid_type': {
      if (present.found === false) return problem('is required');
      const expected = describeType(issue.expected);
      const value = present.value;
      if (issue.expected === 'string' && (typeof value === 'number' || typeof value === 'boolean')) {
        return problem(`must be a string (found ${show(value)}); quote it: "${String(value)}"`);
      }
      return problem(`must be ${expected} (found ${show(value)})`);
    }
    case 'too_small':
      if (issue.origin === 'array') return problem('must list at least one item');
      if (issue.origin === 'string') return problem('must not be empty');
      return problem(issue.message);
    case 'custom':
      // A check of the caller's that names a key (an unknown key inside a hand-parsed value) points at the key.
      return [{ path, message: issue.message, target: issue.params?.['target'] === 'key' ? 'key' : 'value' }];
    default:
      return problem(issue.message);
  }
}

function describeType(expected: string): string {
  switch (expected) {
    case 'object':
    case 'record':
      return 'a mapping (key: value lines)';
    case 'array':
      return 'a list';
    case 'string':
      return 'a string';
    case 'number':
    case 'int':
      return 'a number';
    default:
      return expected;
  }
}

/** The keys an object schema at `path` allows (for "did you mean"). */
function keysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let current: z.ZodType | undefined = unwrap(schema);
  for (const segment of path) {
    if (current instanceof z.ZodObject)
      current = (current.shape as Record<string, z.ZodType>)[String(segment)];
    else if (current instanceof z.ZodRecord) current = current.valueType as z.ZodType;
    else if (current instanceof z.ZodArray) current = current.element as z.ZodType;
    else return [];
    current = current === undefined ? undefined : unwrap(current);
  }
  return current instanceof z.ZodObject ? Object.keys(current.shape) : [];
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (;;) {
    if (current instanceof z.ZodOptional || current instanceof z.ZodNullable)
      current = current.unwrap() as z.ZodType;
    else if (current instanceof z.ZodPipe) current = current.in as z.ZodType;
    else return current;
  }
}

// ---------------------------------------------------------------------------------------------------
// Positions

/** Offset of the node at `path`; see `YamlFile.position`. */
function locate(doc: Document.Parsed, path: readonly PropertyKey[], target: ProblemTarget): number {
  let node: unknown = doc.contents;
  let keyOffset: number | undefined;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i];
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) return keyOffset ?? 0;
      keyOffset = isScalar(pair.key) ? (pair.key.range?.[0] ?? keyOffset) : keyOffset;
      if (i === path.length - 1 && target === 'key') return keyOffset ?? 0;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item: unknown = node.items[segment];
      if (item === undefined) return keyOffset ?? 0;
      node = item;
      keyOffset = rangeStart(item) ?? keyOffset;
    } else {
      return keyOffset ?? 0;
    }
  }
  if (isScalar(node) && node.value !== null) return node.range?.[0] ?? keyOffset ?? 0;
  return keyOffset ?? rangeStart(node) ?? 0;
}

function rangeStart(node: unknown): number | undefined {
  if (typeof node !== 'object' || node === null || !('range' in node)) return undefined;
  const range = (node as { range?: readonly number[] | null }).range;
  return range?.[0];
}

// ---------------------------------------------------------------------------------------------------
// Small helpers, shared by the files' own checks

/**
 * The document without its top-level `x-…` keys. As in docker-compose files, they hold YAML anchors
 * to reuse (`x-connection: &conn {…}`); the prefix marks them as deliberate, so they are no typo.
 */
export function withoutExtensions(data: unknown): unknown {
  if (!isRecord(data)) return data;
  return Object.fromEntries(Object.entries(data).filter(([key]) => !key.startsWith('x-')));
}

/** A YAML mapping (not a list, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function valueAt(
  data: unknown,
  path: readonly PropertyKey[],
): { found: true; value: unknown } | { found: false } {
  let current = data;
  for (const segment of path) {
    if (Array.isArray(current) && typeof segment === 'number' && segment < current.length)
      current = current[segment];
    else if (isRecord(current) && Object.hasOwn(current, String(segment))) current = current[String(segment)];
    else return { found: false };
  }
  return current === undefined ? { found: false } : { found: true, value: current };
}

/** `links[0].tables.demo_accounts`; `(root)` for the empty path. */
export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path
    .map((segment, i) => {
      if (typeof segment === 'number') return `[${segment}]`;
      const text = String(segment);
      if (!/^[A-Za-z_$][\w$-]*$/.test(text)) return `[${JSON.stringify(text)}]`;
      return i === 0 ? text : `.${text}`;
    })
    .join('');
}

/** A found value as a message shows it: `"text"`, `number 3`, `a list`, `nothing`. */
export function show(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${value}`;
  return typeof value;
}

/** `a, b, c`; `(none)` for an empty list. */
export function list(items: readonly string[]): string {
  return items.length === 0 ? '(none)' : items.join(', ');
}

/**
 * `; did you mean "x"?` when a candidate is close to `word`, else ''. Close: equal but for case and
 * `-`/`_`/spaces, or within an edit distance of a third of the word's length (at least 1).
 */
export function suggest(word: string, candidates: readonly string[]): string {
  const squash = (s: string): string => s.toLowerCase().replace(/[-_\s]/g, '');
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    if (candidate === word) continue;
    // Case and separators only (`topic_prefix`, `TopicPrefix`): always the intended key.
    const distance =
      squash(candidate) === squash(word) ? 0 : editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const limit = Math.max(1, Math.floor(word.length / 3));
  return best !== undefined && bestDistance <= limit ? `; did you mean "${best}"?` : '';
}

/** Optimal-string-alignment distance: insertions, deletions, substitutions and adjacent swaps. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}
