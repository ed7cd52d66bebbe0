import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { EngineName } from '../core/change-event.js';
import { DbtwinError } from '../core/dbtwin-error.js';
import { ErrorCode } from '../core/error-codes.js';
import type { CaptureExclusion, DbtwinConfig, LinkConfig, SideConfig } from './dbtwin-config.js';
import { expandEnv, hasEnvPlaceholder } from './env-substitution.js';
import { endpointsFromEnv } from './environment.js';
import { linkRenames, readMappingFile } from '../translate/mapping-file.js';
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
} from './yaml-problems.js';

/** The file `dbtwin` commands read when none is named. Relative to the working directory. */
export const DEFAULT_CONFIG_FILE = 'dbtwin.yaml';

/** One thing wrong with a configuration file, where it is. Lines and columns count from 1. */
export type ConfigProblem = YamlProblem;

/**
 * A configuration file with problems. `problems` holds every one of them, in file order; the message
 * lists them one per line as `<file>:<line>:<col>: <key.path>: <message>`.
 */
export class ConfigInvalidError extends DbtwinError {
  readonly problems: readonly ConfigProblem[];

  constructor(file: string, problems: readonly ConfigProblem[]) {
    const lines = problems.map(formatConfigProblem);
    super(
      ErrorCode.ConfigInvalid,
      `${file}: ${problems.length} error${problems.length === 1 ? '' : 's'}\n${lines.join('\n')}`,
      { hint: 'dbtwin.yaml at the repository root is a commented example' },
    );
    this.problems = problems;
  }
}

/** `<file>:<line>:<col>: <key.path>: <message>`, the form editors and CI annotate. */
export function formatConfigProblem(problem: ConfigProblem): string {
  return formatYamlProblem(problem);
}

/**
 * Reads, validates and completes a dbtwin configuration file (YAML). `${VAR}` and `${VAR:-default}`
 * in string values are filled from `env` (default `process.env`), so secrets stay out of the file;
 * names (sides, tables, link ends) are taken literally.
 *
 * Every problem is reported at once, as a ConfigInvalidError (code DBT1001) whose `problems` carry
 * file, line, column and key path. A file that cannot be read is a DbtwinError with the same code.
 * Defaults are those documented on DbtwinConfig; addresses without a value in the file come from
 * `endpointsFromEnv(env)`.
 */
export async function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): Promise<DbtwinConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new DbtwinError(
      ErrorCode.ConfigInvalid,
      `${file}: cannot read the configuration (${(cause as Error).message})`,
      {
        hint: `name the file with --config, or create ${DEFAULT_CONFIG_FILE} (see the one at the repository root)`,
        cause,
      },
    );
  }
  return withMappings(parseConfig(text, file, env));
}

/**
 * Reads the mapping files links name (`links[].mapping`): their table and column renames, in the
 * link's direction. A table the link maps by its own name takes the mapping's target name; a table
 * the configuration renames explicitly (`links[].tables`) keeps that name.
 */
async function withMappings(config: DbtwinConfig): Promise<DbtwinConfig> {
  const links: LinkConfig[] = [];
  for (const link of config.links) {
    if (!link.mapping) {
      links.push(link);
      continue;
    }
    const mapping = await readMappingFile(link.mapping);
    if (!mapping)
      throw new DbtwinError(
        ErrorCode.ConfigInvalid,
        `${config.file}: link ${link.name}: no mapping file at ${link.mapping}`,
        {
          hint: `write it with dbtwin schema translate --from ${link.from} --to ${link.to} --out ${path.dirname(link.mapping)}`,
        },
      );
    const renames = linkRenames(mapping, link.from, link.to);
    if (!renames)
      throw new DbtwinError(
        ErrorCode.ConfigInvalid,
        `${config.file}: link ${link.name}: ${link.mapping} maps ${mapping.from.side ?? mapping.from.engine} to ${mapping.to.side ?? mapping.to.engine}, neither this link's direction nor its reverse`,
        { hint: 'name the mapping written for these two sides' },
      );
    const tables = Object.fromEntries(
      Object.entries(link.tables).map(([source, target]) => [
        source,
        source === target ? (renames.tables[source] ?? target) : target,
      ]),
    );
    const targetTables = config.sides[link.to]?.tables ?? [];
    const absent = Object.values(tables).filter((t) => targetTables.length > 0 && !targetTables.includes(t));
    if (absent.length > 0)
      throw new DbtwinError(
        ErrorCode.ConfigInvalid,
        `${config.file}: link ${link.name}: by ${link.mapping} it writes ${absent.join(', ')}, not in sides.${link.to}.tables`,
        { hint: `list the tables under their ${link.to} names in sides.${link.to}.tables` },
      );
    links.push({ ...link, tables, columns: renames.columns });
  }
  return { ...config, links };
}

/** `loadConfig` on text already read; `file` only names it in messages. No I/O. */
export function parseConfig(text: string, file: string, env: NodeJS.ProcessEnv = process.env): DbtwinConfig {
  const yaml = YamlFile.parse(text, file);
  if (yaml.data === undefined) throw new ConfigInvalidError(file, yaml.problems);
  const data = withoutExtensions(yaml.data);
  const schema = configSchema(env);
  const result = schema.safeParse(data, { reportInput: true });
  if (!result.success) yaml.reportIssues(result.error.issues, data, schema);
  crossCheck(data, (path, message, target = 'value') => yaml.report(path, message, target));

  if (yaml.problems.length > 0 || !result.success)
    throw new ConfigInvalidError(file, sortProblems(yaml.problems));
  return complete(result.data, file, env);
}

// ---------------------------------------------------------------------------------------------------
// Schema

const ENGINES = ['mysql', 'postgres', 'oracle'] as const satisfies readonly EngineName[];
const TRUNCATE_MODES = ['skip', 'apply'] as const;
/** Side names become header values, queue names and consumer-group ids: keep them plain. Same rule as the connectors' origin literal. */
const SIDE_NAME = /^[a-z][a-z0-9_-]*$/;
const DEFAULT_RETRY = { initialMs: 500, maxMs: 30_000 } as const;
const CAPTURE_MODES = ['none', 'gtid-domain', 'query-marker', 'username'] as const;
/** The default comment of `query-marker` apply statements. */
export const DEFAULT_QUERY_MARKER = 'dbtwin:apply';

/**
 * The file's schema. Built per call because string values are expanded from `env` while they are
 * validated: an unset variable is then an issue at the key that uses it, like any other.
 */
function configSchema(env: NodeJS.ProcessEnv) {
  /** A string with `${VAR}` placeholders filled in. */
  const text = (options: { nonEmpty: boolean }) =>
    z.string().transform((raw, ctx) => {
      const { value, missing } = expandEnv(raw, env);
      for (const name of missing) {
        ctx.addIssue({ code: 'custom', message: unsetVariable(name) });
      }
      if (options.nonEmpty && missing.length === 0 && value.trim() === '') {
        ctx.addIssue({ code: 'custom', message: 'must not be empty' });
      }
      return value;
    });

  /**
   * An integer in [min, max]. A placeholder string (`${PORT:-3306}`) is accepted and must expand to
   * one; any other string is refused, so a quoted `"3306"` is not silently taken for a number.
   */
  const integer = (min: number, max: number) =>
    z.unknown().transform((raw, ctx): number => {
      if (raw === undefined) {
        ctx.addIssue({ code: 'custom', message: 'is required' });
        return z.NEVER;
      }
      let value: unknown = raw;
      if (typeof raw === 'string' && hasEnvPlaceholder(raw)) {
        const expanded = expandEnv(raw, env);
        if (expanded.missing.length > 0) {
          for (const name of expanded.missing) {
            ctx.addIssue({ code: 'custom', message: unsetVariable(name) });
          }
          return z.NEVER;
        }
        value = /^\s*-?\d+\s*$/.test(expanded.value) ? Number(expanded.value) : expanded.value;
      }
      if (typeof value !== 'number' || !Number.isInteger(value)) {
        const quoted = typeof value === 'string' && /^\s*-?\d+\s*$/.test(value);
        ctx.addIssue({
          code: 'custom',
          message: `must be an integer (found ${show(value)})${quoted ? '; write it without quotes' : ''}`,
        });
        return z.NEVER;
      }
      if (value < min || value > max) {
        ctx.addIssue({ code: 'custom', message: `must be between ${min} and ${max} (found ${value})` });
        return z.NEVER;
      }
      return value;
    });

  /** A side or table name: literal (never expanded), not empty. */
  const name = z.string().transform((raw, ctx) => {
    if (raw.trim() === '') ctx.addIssue({ code: 'custom', message: 'must not be empty' });
    else if (hasEnvPlaceholder(raw))
      ctx.addIssue({ code: 'custom', message: 'names are taken literally; ${…} is not expanded here' });
    return raw;
  });

  /** `host:port` list, as a YAML list or one comma-separated string (handy with `${DBTWIN_KAFKA_BROKERS}`). */
  const brokers = z.unknown().transform((raw, ctx): string[] => {
    const items = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? (raw as unknown[]) : undefined;
    if (items === undefined || items.length === 0 || items.some((b) => typeof b !== 'string')) {
      ctx.addIssue({
        code: 'custom',
        message: `must be "host:port", a comma-separated string of them or a list of them (found ${show(raw)})`,
      });
      return z.NEVER;
    }
    const list: string[] = [];
    let unset = false;
    for (const item of items as string[]) {
      const { value, missing } = expandEnv(item, env);
      for (const name of missing) ctx.addIssue({ code: 'custom', message: unsetVariable(name) });
      unset ||= missing.length > 0;
      list.push(
        ...value
          .split(',')
          .map((b) => b.trim())
          .filter((b) => b !== ''),
      );
    }
    for (const b of list) {
      if (!/^[^\s/]+:\d+$/.test(b)) ctx.addIssue({ code: 'custom', message: `"${b}" is not host:port` });
    }
    if (list.length === 0 && !unset) ctx.addIssue({ code: 'custom', message: 'must not be empty' });
    return list;
  });

  const redisUrl = text({ nonEmpty: true }).transform((raw, ctx) => {
    if (!/^rediss?:\/\/\S+$/.test(raw) || !URL.canParse(raw))
      ctx.addIssue({ code: 'custom', message: 'must be a redis:// or rediss:// URL' });
    return raw;
  });

  const side = z.strictObject({
    engine: z.enum(ENGINES),
    connection: z.strictObject({
      host: text({ nonEmpty: true }),
      port: integer(1, 65_535),
      user: text({ nonEmpty: true }),
      // May be empty (trust or peer authentication), but an unset variable is still an error.
      password: text({ nonEmpty: false }),
      database: text({ nonEmpty: true }),
      poolSize: integer(1, 1_000).nullish(),
    }),
    topicPrefix: text({ nonEmpty: true }),
    schema: text({ nonEmpty: true }),
    tables: z.array(name).min(1),
    capture: z
      .strictObject({
        exclusion: z.enum(CAPTURE_MODES),
        // MariaDB's gtid_domain_id range.
        gtidDomainId: integer(0, 4_294_967_295).nullish(),
        marker: text({ nonEmpty: true }).nullish(),
        user: text({ nonEmpty: true }).nullish(),
      })
      .superRefine((c, ctx) => {
        if (c.exclusion === 'gtid-domain' && c.gtidDomainId == null)
          ctx.addIssue({
            code: 'custom',
            path: ['gtidDomainId'],
            message:
              'is required with exclusion: gtid-domain (a domain id no application session uses; the connector excludes it with gtid.source.excludes)',
          });
        if (c.marker != null && !/^[A-Za-z0-9:_.-]+$/.test(c.marker))
          ctx.addIssue({
            code: 'custom',
            path: ['marker'],
            message: 'may hold only letters, digits and ":_.-" (it is written into a SQL comment)',
          });
      })
      .nullish(),
  });

  const link = z.strictObject({
    from: name,
    to: name,
    tables: z
      .record(z.string(), name)
      .refine((tables) => Object.keys(tables).length > 0, {
        message:
          'must map at least one table (leave "tables" out to map every table of "from" to the same name)',
      })
      .nullish(),
    batchMaxRows: integer(1, 1_000_000).nullish(),
    truncate: z.enum(TRUNCATE_MODES).nullish(),
    retry: z
      .strictObject({ initialMs: integer(1, 3_600_000).nullish(), maxMs: integer(1, 3_600_000).nullish() })
      .superRefine((r, ctx) => {
        const initialMs = r.initialMs ?? DEFAULT_RETRY.initialMs;
        const maxMs = r.maxMs ?? DEFAULT_RETRY.maxMs;
        if (initialMs > maxMs) {
          ctx.addIssue({
            code: 'custom',
            path: [r.initialMs == null ? 'maxMs' : 'initialMs'],
            message: `initialMs (${initialMs}${r.initialMs == null ? ', the default' : ''}) must not exceed maxMs (${maxMs}${r.maxMs == null ? ', the default' : ''})`,
          });
        }
      })
      .nullish(),
    concurrency: integer(1, 1_024).nullish(),
    mapping: text({ nonEmpty: true }).nullish(),
  });

  return z.strictObject({
    kafka: z
      .strictObject({ brokers: brokers.nullish(), groupPrefix: text({ nonEmpty: true }).nullish() })
      .nullish(),
    redis: z.strictObject({ url: redisUrl.nullish() }).nullish(),
    echo: z.strictObject({ ttlSeconds: integer(1, 7 * 86_400).nullish() }).nullish(),
    rules: z
      .strictObject({
        dir: text({ nonEmpty: true }).nullish(),
        heal: z
          .strictObject({ enabled: z.boolean().nullish(), quietMs: integer(100, 600_000).nullish() })
          .nullish(),
      })
      .nullish(),
    breaker: z
      .strictObject({
        maxFlips: integer(0, 1_000_000).nullish(),
        windowSeconds: integer(1, 86_400).nullish(),
      })
      .nullish(),
    admin: z
      .strictObject({ host: text({ nonEmpty: true }).nullish(), port: integer(0, 65_535).nullish() })
      .nullish(),
    cutover: z
      .strictObject({
        initialSide: name.nullish(),
        maxLag: integer(0, 1_000_000_000).nullish(),
        maxConflictsPerMinute: integer(0, 1_000_000_000).nullish(),
        conflictWindowSeconds: integer(10, 86_400).nullish(),
        verifyTables: z.array(name).min(1).nullish(),
      })
      .nullish(),
    sides: z
      .record(z.string(), side)
      .refine((sides) => Object.keys(sides).length > 0, { message: 'must name at least one side' }),
    links: z.array(link).nullish(),
  });
}

type ConfigSchema = ReturnType<typeof configSchema>;
type ParsedConfig = z.output<ConfigSchema>;

/** Fills the documented defaults in a validated file. */
function complete(parsed: ParsedConfig, file: string, env: NodeJS.ProcessEnv): DbtwinConfig {
  const endpoints = endpointsFromEnv(env);
  const sides: Record<string, SideConfig> = {};
  for (const [sideName, s] of Object.entries(parsed.sides)) {
    const { poolSize, ...connection } = s.connection;
    sides[sideName] = {
      name: sideName,
      engine: s.engine,
      connection: poolSize == null ? connection : { ...connection, poolSize },
      topicPrefix: s.topicPrefix,
      schema: s.schema,
      tables: [...s.tables],
      capture: captureOf(s.capture, s.connection.user),
    };
  }
  const links = (parsed.links ?? []).map((l): LinkConfig => {
    // crossCheck has made sure both ends exist.
    const fromTables = sides[l.from]?.tables ?? [];
    return {
      name: `${l.from}->${l.to}`,
      from: l.from,
      to: l.to,
      tables: l.tables ?? Object.fromEntries(fromTables.map((t) => [t, t])),
      batchMaxRows: l.batchMaxRows ?? 2000,
      truncate: l.truncate ?? 'skip',
      retry: {
        initialMs: l.retry?.initialMs ?? DEFAULT_RETRY.initialMs,
        maxMs: l.retry?.maxMs ?? DEFAULT_RETRY.maxMs,
      },
      concurrency: l.concurrency ?? 3,
      ...(l.mapping == null ? {} : { mapping: path.resolve(path.dirname(path.resolve(file)), l.mapping) }),
      columns: {},
    };
  });
  return {
    file,
    kafka: {
      brokers: parsed.kafka?.brokers ?? endpoints.kafkaBrokers,
      groupPrefix: parsed.kafka?.groupPrefix ?? 'dbtwin',
    },
    redis: { url: parsed.redis?.url ?? endpoints.redisUrl },
    echo: { ttlSeconds: parsed.echo?.ttlSeconds ?? 3600 },
    rules: {
      dir: path.resolve(path.dirname(path.resolve(file)), parsed.rules?.dir ?? 'rules'),
      heal: {
        enabled: parsed.rules?.heal?.enabled ?? true,
        quietMs: parsed.rules?.heal?.quietMs ?? 3000,
      },
    },
    breaker: {
      maxFlips: parsed.breaker?.maxFlips ?? 20,
      windowSeconds: parsed.breaker?.windowSeconds ?? 60,
    },
    admin: {
      host: parsed.admin?.host ?? endpoints.adminHost,
      port: parsed.admin?.port ?? endpoints.adminPort,
    },
    cutover: {
      // crossCheck has made sure a named initial side exists.
      initialSide: parsed.cutover?.initialSide ?? links[0]?.from ?? Object.keys(sides)[0]!,
      maxLag: parsed.cutover?.maxLag ?? 1000,
      maxConflictsPerMinute: parsed.cutover?.maxConflictsPerMinute ?? 10,
      conflictWindowSeconds: parsed.cutover?.conflictWindowSeconds ?? 300,
      ...(parsed.cutover?.verifyTables == null ? {} : { verifyTables: [...parsed.cutover.verifyTables] }),
    },
    sides,
    links,
  };
}

function captureOf(
  parsed:
    | {
        exclusion: (typeof CAPTURE_MODES)[number];
        gtidDomainId?: number | null;
        marker?: string | null;
        user?: string | null;
      }
    | null
    | undefined,
  applyUser: string,
): CaptureExclusion {
  switch (parsed?.exclusion ?? 'none') {
    case 'gtid-domain':
      return { mode: 'gtid-domain', domainId: parsed!.gtidDomainId! };
    case 'query-marker':
      return { mode: 'query-marker', marker: parsed?.marker ?? DEFAULT_QUERY_MARKER };
    case 'username':
      // LogMiner reports user names as the catalog stores them: upper case unless created quoted.
      return { mode: 'username', user: parsed?.user ?? applyUser.toUpperCase() };
    default:
      return { mode: 'none' };
  }
}

// ---------------------------------------------------------------------------------------------------
// Checks across keys (names that must refer to each other). They read the raw document defensively, so
// they run even where the schema found problems elsewhere and every mistake shows in one pass.

type Report = (path: readonly PropertyKey[], message: string, target?: 'value' | 'key') => void;

function crossCheck(data: unknown, report: Report): void {
  const root = isRecord(data) ? data : {};
  const sides = isRecord(root['sides']) ? root['sides'] : undefined;
  const sideNames = sides ? Object.keys(sides) : [];
  const tablesOf = new Map<string, string[]>();

  for (const [sideName, side] of Object.entries(sides ?? {})) {
    if (!SIDE_NAME.test(sideName)) {
      report(
        ['sides', sideName],
        `side name "${sideName}" must be lower case letters, digits, "_" or "-", starting with a letter (it names headers, queues and consumer groups)`,
        'key',
      );
    }
    const tables = isRecord(side) && Array.isArray(side['tables']) ? (side['tables'] as unknown[]) : [];
    const seen = new Set<string>();
    tables.forEach((table, i) => {
      if (typeof table !== 'string') return;
      if (seen.has(table)) report(['sides', sideName, 'tables', i], `table "${table}" is listed twice`);
      seen.add(table);
    });
    tablesOf.set(sideName, [...seen]);
  }

  const cutover = isRecord(root['cutover']) ? root['cutover'] : {};
  const initialSide = cutover['initialSide'];
  if (typeof initialSide === 'string' && sides && !Object.hasOwn(sides, initialSide))
    report(
      ['cutover', 'initialSide'],
      `"${initialSide}" is not a side${suggest(initialSide, sideNames)} (sides: ${list(sideNames)})`,
    );

  const links = Array.isArray(root['links']) ? (root['links'] as unknown[]) : [];
  const seenLinks = new Map<string, number>();
  links.forEach((link, i) => {
    if (!isRecord(link)) return;
    const end = (key: 'from' | 'to'): string | undefined => {
      const value = link[key];
      if (typeof value !== 'string' || value === '' || !sides) return undefined;
      if (Object.hasOwn(sides, value)) return value;
      report(
        ['links', i, key],
        `"${value}" is not a side${suggest(value, sideNames)} (sides: ${list(sideNames)})`,
      );
      return undefined;
    };
    const from = end('from');
    const to = end('to');
    if (from !== undefined && from === to) {
      report(['links', i, 'to'], `must differ from "from" (a link goes from one side to the other)`);
      return;
    }
    if (from === undefined || to === undefined) return;
    const linkName = `${from}->${to}`;
    const first = seenLinks.get(linkName);
    if (first !== undefined) report(['links', i], `duplicate link ${linkName} (already links[${first}])`);
    else seenLinks.set(linkName, i);

    const fromTables = tablesOf.get(from) ?? [];
    const toTables = tablesOf.get(to) ?? [];
    const mapping = link['tables'];
    if (isRecord(mapping)) {
      for (const [source, target] of Object.entries(mapping)) {
        if (!fromTables.includes(source)) {
          report(
            ['links', i, 'tables', source],
            `"${source}" is not a table of side ${from}${suggest(source, fromTables)} (sides.${from}.tables: ${list(fromTables)})`,
            'key',
          );
        }
        if (typeof target === 'string' && target !== '' && !toTables.includes(target)) {
          report(
            ['links', i, 'tables', source],
            `"${target}" is not a table of side ${to}${suggest(target, toTables)} (sides.${to}.tables: ${list(toTables)})`,
          );
        }
      }
    } else if (mapping == null && link['mapping'] == null) {
      // The default maps every table of `from` to the same name, which only works if `to` has it
      // (a mapping file renames them: loadConfig checks those names when it reads it).
      const absent = fromTables.filter((t) => !toTables.includes(t));
      if (absent.length > 0 && toTables.length > 0) {
        report(
          ['links', i],
          `without "tables", every table of ${from} maps to the same name, but ${list(absent)} ${absent.length === 1 ? 'is' : 'are'} not in sides.${to}.tables; add ${absent.length === 1 ? 'it' : 'them'} there or map the tables of this link`,
        );
      }
    }
  });
}

// ---------------------------------------------------------------------------------------------------
// Small helpers

function unsetVariable(name: string): string {
  return `environment variable ${name} is not set and has no default (export ${name}=… or write \${${name}:-default})`;
}
