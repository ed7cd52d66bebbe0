import { readFile } from 'node:fs/promises';
import { parse, stringify } from 'yaml';
import { z } from 'zod';
import type { EngineName } from '../core/change-event.js';
import { DbtwinError } from '../core/dbtwin-error.js';
import { ErrorCode } from '../core/error-codes.js';
import type { MappingOverrides, TranslatedSchema } from './schema-translator.js';

/** One end of a mapping: the side it was read from (absent when translated to an engine only). */
export interface MappingEnd {
  readonly side?: string;
  readonly engine: EngineName;
  readonly schema: string;
}

/** A column of a mapped table: its name on the target, and the operator's override, if any. */
export interface MappedColumn {
  readonly target: string;
  readonly type: string;
  readonly from: string;
  readonly why: string;
  readonly conversions?: readonly string[];
  readonly check?: string;
  readonly override?: { readonly target?: string; readonly type?: string };
}

/** A mapped table. */
export interface MappedTable {
  readonly target: string;
  readonly override?: { readonly target?: string };
  readonly columns: Readonly<Record<string, MappedColumn>>;
}

/**
 * The mapping file `dbtwin schema translate` writes beside the DDL (design §5): which table and column
 * of the source side becomes which on the target, with the type pair and the value conversions.
 * Links that name it (`links[].mapping`) route by it, in either direction.
 *
 * Invariant: `target` names are what the generated DDL creates, overrides included; `override:` blocks
 * are the operator's and survive a regeneration.
 */
export interface MappingFile {
  readonly from: MappingEnd;
  readonly to: MappingEnd;
  readonly tables: Readonly<Record<string, MappedTable>>;
}

const end = z.strictObject({
  side: z.string().min(1).optional(),
  engine: z.enum(['mysql', 'postgres', 'oracle']),
  schema: z.string().min(1),
});
const columnOverride = z.strictObject({
  target: z.string().min(1).optional(),
  type: z.string().min(1).optional(),
});
const fileSchema = z.strictObject({
  from: end,
  to: end,
  tables: z.record(
    z.string(),
    z.strictObject({
      target: z.string().min(1),
      override: z.strictObject({ target: z.string().min(1).optional() }).optional(),
      columns: z.record(
        z.string(),
        z.strictObject({
          target: z.string().min(1),
          type: z.string(),
          from: z.string(),
          why: z.string(),
          conversions: z.array(z.string()).optional(),
          check: z.string().optional(),
          override: columnOverride.optional(),
        }),
      ),
    }),
  ),
});

/** Reads a mapping file; undefined when there is none at `file`. Throws DBT1001 naming the problem otherwise. */
export async function readMappingFile(file: string): Promise<MappingFile | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    throw new DbtwinError(ErrorCode.ConfigInvalid, `${file}: not YAML: ${(error as Error).message}`, {
      hint: 'fix it, or delete it and run dbtwin schema translate again (overrides in it are then lost)',
    });
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`);
    throw new DbtwinError(ErrorCode.ConfigInvalid, `${file}: ${problems.join('; ')}`, {
      hint: 'only the override: blocks are meant to be edited; run dbtwin schema translate to regenerate the rest',
    });
  }
  return parsed.data;
}

/** The operator's overrides in a mapping file, as `translateSchema` takes them. */
export function overridesOf(mapping: MappingFile | undefined): MappingOverrides {
  if (!mapping) return {};
  const tables: Record<
    string,
    { target?: string; columns?: Record<string, { target?: string; type?: string }> }
  > = {};
  for (const [name, table] of Object.entries(mapping.tables)) {
    const columns: Record<string, { target?: string; type?: string }> = {};
    for (const [column, c] of Object.entries(table.columns))
      if (c.override) columns[column] = { ...c.override };
    if (table.override?.target === undefined && Object.keys(columns).length === 0) continue;
    tables[name] = {
      ...(table.override?.target === undefined ? {} : { target: table.override.target }),
      ...(Object.keys(columns).length > 0 ? { columns } : {}),
    };
  }
  return { tables };
}

/**
 * The mapping of a translation, carrying over the `override:` blocks of `previous` (the file being
 * regenerated) for the tables and columns that still exist.
 */
export function mappingOf(
  translated: TranslatedSchema,
  from: MappingEnd,
  to: MappingEnd,
  previous?: MappingFile,
): MappingFile {
  const tables: Record<string, MappedTable> = {};
  for (const t of translated.tables) {
    const before = previous?.tables[t.source];
    const columns: Record<string, MappedColumn> = {};
    for (const c of t.columns) {
      const override = before?.columns[c.source]?.override;
      columns[c.source] = {
        target: c.target,
        type: c.targetType,
        from: c.sourceType,
        why: c.reason,
        ...(c.conversions.length > 0 ? { conversions: [...c.conversions] } : {}),
        ...(c.check ? { check: c.check } : {}),
        ...(override ? { override } : {}),
      };
    }
    tables[t.source] = {
      target: t.target,
      ...(before?.override ? { override: before.override } : {}),
      columns,
    };
  }
  return { from, to, tables };
}

/** The mapping as YAML, with a header saying what may be edited. */
export function mappingText(mapping: MappingFile, generatedBy: string): string {
  return `# Generated by \`${generatedBy}\`.
# Which table and column of ${describeEnd(mapping.from)} becomes which on ${describeEnd(mapping.to)}, with the
# type pair and the value conversions. Links route by it (links[].mapping in dbtwin.yaml).
# Edit only the override: blocks: { target: <name> } on a table or column, { type: "<SQL type>" } on a
# column (quoted: "NUMBER(14,2)"; a bare comma would end the value). Running dbtwin schema translate
# again regenerates everything else and keeps them.
${stringify(mapping, { lineWidth: 0 })}`;
}

/**
 * Table and column renames of a link from a mapping file, in the link's direction: forward when the
 * link reads the side the mapping was made from, inverted when it reads the other end.
 */
export function linkRenames(
  mapping: MappingFile,
  linkFrom: string,
  linkTo: string,
): { tables: Record<string, string>; columns: Record<string, Record<string, string>> } | undefined {
  const forward = mapping.from.side === linkFrom && (mapping.to.side ?? linkTo) === linkTo;
  const backward = mapping.to.side === linkFrom && mapping.from.side === linkTo;
  if (!forward && !backward) return undefined;
  const tables: Record<string, string> = {};
  const columns: Record<string, Record<string, string>> = {};
  for (const [source, t] of Object.entries(mapping.tables)) {
    const pairs = Object.entries(t.columns).map(([s, c]) => [s, c.target] as const);
    if (forward) {
      tables[source] = t.target;
      columns[source] = Object.fromEntries(pairs);
    } else {
      tables[t.target] = source;
      columns[t.target] = Object.fromEntries(pairs.map(([s, target]) => [target, s]));
    }
  }
  return { tables, columns };
}

function describeEnd(e: MappingEnd): string {
  return `${e.side ? `side ${e.side} (${e.engine})` : e.engine} schema ${e.schema}`;
}
