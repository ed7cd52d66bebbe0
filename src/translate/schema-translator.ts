import type { EngineName } from '../core/change-event.js';
import type {
  DdlCheck,
  DdlColumn,
  DdlCompiler,
  DdlForeignKey,
  DdlIndex,
  DdlKey,
  DdlTable,
} from '../engines/ddl-compiler.js';
import type { ColumnInfo, SchemaTable } from '../engines/dialect.js';
import { MysqlDdlCompiler } from '../engines/mysql/mysql-ddl-compiler.js';
import { OracleDdlCompiler } from '../engines/oracle/oracle-ddl-compiler.js';
import { PostgresDdlCompiler } from '../engines/postgres/postgres-ddl-compiler.js';
import { type MappedName, NameMapper } from './name-mapping.js';
import { type ColumnTypeMapping, UnsupportedTypeError, translateColumnType } from './type-mapping.js';

/** The operator's corrections, from the `override:` blocks of the mapping file. */
export interface MappingOverrides {
  readonly tables?: Readonly<
    Record<
      string /* source table name */,
      {
        readonly target?: string;
        readonly columns?: Readonly<
          Record<
            string /* source column */,
            { readonly target?: string; readonly type?: string /* target SQL type, used verbatim */ }
          >
        >;
      }
    >
  >;
}

/** Options of {@link translateSchema}. */
export interface TranslateOptions {
  readonly from: EngineName;
  readonly to: EngineName;
  /** The schema (MySQL: database) the target tables are created in; names as the target catalog stores them. */
  readonly targetSchema: string;
  readonly overrides?: MappingOverrides;
  /** Oracle identifier limit in bytes; default 128 (12.2+), 30 for older databases. */
  readonly oracleMaxIdentifierLength?: number;
  /** Oracle MAX_STRING_SIZE; default `standard` (VARCHAR2 up to 4000 bytes). */
  readonly oracleMaxStringSize?: 'standard' | 'extended';
}

/** One column: source and target name and type, why, the added check and what does not round-trip. */
export interface TranslatedColumn {
  readonly source: string;
  readonly target: string;
  readonly sourceType: string /* columnType */;
  readonly targetType: string;
  readonly reason: string;
  readonly check?: string;
  readonly conversions: readonly string[];
  readonly overridden: boolean;
}

/** One table's names, columns and DDL. */
export interface TranslatedTable {
  readonly source: string;
  readonly target: string;
  readonly columns: readonly TranslatedColumn[];
  /** CREATE TABLE, then its indexes, then its comments. */
  readonly statements: readonly string[];
  /** Foreign keys, then (PostgreSQL) identity resynchronisation: for after the data is loaded. */
  readonly afterData: readonly string[];
}

/** The result of {@link translateSchema}. */
export interface TranslatedSchema {
  /** Referenced tables before the tables that reference them. */
  readonly tables: readonly TranslatedTable[];
  /** Every table's statements, in table order. No trailing semicolons; one statement per string. */
  readonly statements: readonly string[];
  /** Every table's after-data statements, in table order. */
  readonly afterData: readonly string[];
  /** What the operator should know: shortened names, dropped defaults and checks, unsupported columns, lost FK actions. */
  readonly warnings: readonly string[];
}

const COMPILERS: Readonly<Record<EngineName, () => DdlCompiler>> = {
  mysql: () => new MysqlDdlCompiler(),
  postgres: () => new PostgresDdlCompiler(),
  oracle: () => new OracleDdlCompiler(),
};

/** MySQL InnoDB: at most 3072 bytes per index key (DYNAMIC row format); utf8mb4 needs 4 per character. */
const MYSQL_MAX_KEY_BYTES = 3072;
const MYSQL_MAX_KEY_CHARS = MYSQL_MAX_KEY_BYTES / 4;
/** MySQL: at most 65535 bytes per row, TEXT/BLOB counting only their pointer. */
const MYSQL_MAX_ROW_BYTES = 65_535;

/**
 * Translates catalog tables into another engine's DDL and the name/type mapping the links route by
 * (design §5, `dbtwin schema translate`).
 *
 * - Names: {@link NameMapper} (case folding, length limits, uniqueness of constraint and index names
 *   across the schema, as Oracle and PostgreSQL require); overrides are used as given.
 * - Types: {@link translateColumnType}, or the override's type verbatim. Columns of unsupported types
 *   are left out with a warning (keys, indexes and checks that use them too).
 * - Defaults are translated where they mean the same (literals, CURRENT_TIMESTAMP, CURRENT_DATE, UUID
 *   generators); others are dropped with a warning. Generated columns become plain columns (their
 *   values replicate), with a warning.
 * - Checks: the type mapping's own, then the source's that read as plain comparisons of columns and
 *   literals; a source check that only restates a mapped domain (`flag IN (0,1)` for a boolean, `IS JSON`)
 *   is absorbed by the type; anything else is dropped with a warning.
 * - Keys the target cannot hold as declared are adapted with a warning: MySQL keys over TEXT/BLOB or
 *   over 3072 bytes, Oracle keys over LOBs; MySQL AUTO_INCREMENT columns get the index MySQL requires.
 * - Referencing columns take the type of the column they reference (engines refuse foreign keys
 *   between types they cannot compare by index).
 * - Foreign keys go to `afterData` (created after the data is copied), as does the PostgreSQL identity
 *   resynchronisation; Oracle's is a warning (its statement does not pass the grammar check).
 * - Same engine on both ends: declarations, defaults and checks as the catalog shows them.
 *
 * Deterministic: the same input gives the same output, byte for byte.
 */
export function translateSchema(tables: readonly SchemaTable[], options: TranslateOptions): TranslatedSchema {
  const { from, to } = options;
  const compiler = COMPILERS[to]();
  const names = new NameMapper(from, to, { oracleMaxIdentifierLength: options.oracleMaxIdentifierLength });
  const warnings: string[] = [];
  const ordered = dependencyOrder(tables);

  // Table names first, so that no key or index name takes a table's name.
  const taken = new Set<string>();
  const tableNames = new Map<string, MappedName>();
  for (const table of ordered) {
    const override = options.overrides?.tables?.[table.name]?.target;
    const mapped = names.unique(table.name, override ?? names.fold(table.name), taken);
    noteName(warnings, `table ${table.name}`, mapped, override);
    tableNames.set(table.name, mapped);
  }

  const byName = new Map<string, PreparedTable>();
  for (const table of ordered) {
    byName.set(
      table.name,
      prepareTable(table, options, names, tableNames, taken, compiler, byName, warnings),
    );
  }
  const prepared = [...byName.values()];
  const translated = prepared.map((p) => {
    const statements = [
      compiler.createTable(p.ddl),
      ...p.indexes.map((index) => compiler.createIndex(p.ddl, index)),
      ...compiler.comments(p.ddl),
    ];
    const afterData: string[] = [];
    for (const fk of p.source.foreignKeys) {
      const ddl = foreignKey(fk, p, byName, names, taken, to, warnings);
      if (ddl) afterData.push(compiler.addForeignKey(p.ddl, ddl));
    }
    for (const column of p.ddl.columns.filter((c) => c.identity)) {
      const sync = compiler.syncIdentity(p.ddl, column.name);
      if (sync) afterData.push(sync);
      else if (to === 'oracle') {
        const source = p.columns.find((c) => c.target === column.name)?.source ?? column.name;
        warnings.push(
          `${p.source.name}.${source}: after loading rows with their keys, move the identity past them: ALTER TABLE ${compiler.identifier(options.targetSchema)}.${compiler.identifier(p.ddl.name)} MODIFY (${compiler.identifier(column.name)} GENERATED BY DEFAULT ON NULL AS IDENTITY (START WITH LIMIT VALUE))`,
        );
      }
    }
    return {
      source: p.source.name,
      target: p.ddl.name,
      columns: p.columns,
      statements,
      afterData,
    } satisfies TranslatedTable;
  });
  return {
    tables: translated,
    statements: translated.flatMap((t) => t.statements),
    afterData: translated.flatMap((t) => t.afterData),
    warnings,
  };
}

/** A table on its way: the DDL model, the mapped columns, and the source for foreign keys. */
interface PreparedTable {
  readonly source: SchemaTable;
  readonly ddl: DdlTable;
  readonly columns: readonly TranslatedColumn[];
  readonly indexes: readonly DdlIndex[];
  /** Source column name → target column name (columns left out are absent). */
  readonly columnNames: ReadonlyMap<string, string>;
}

interface WorkColumn {
  readonly info: ColumnInfo;
  readonly target: string;
  type: string;
  readonly mapping: ColumnTypeMapping;
  readonly overridden: boolean;
  readonly conversions: string[];
  identity: boolean;
}

function prepareTable(
  table: SchemaTable,
  options: TranslateOptions,
  names: NameMapper,
  tableNames: ReadonlyMap<string, MappedName>,
  taken: Set<string>,
  compiler: DdlCompiler,
  referenced: ReadonlyMap<string, PreparedTable>,
  warnings: string[],
): PreparedTable {
  const { from, to } = options;
  const target = tableNames.get(table.name)?.target ?? table.name;
  const label = table.name;
  const overrides = options.overrides?.tables?.[table.name]?.columns ?? {};
  const hints = domainChecks(table, from);

  // Columns: names, types, identity.
  const columnTaken = new Set<string>();
  const work: WorkColumn[] = [];
  for (const info of table.columns) {
    const override = overrides[info.name];
    let mapping: ColumnTypeMapping;
    try {
      mapping = override?.type
        ? { sqlType: override.type, reason: 'type given in the mapping file', conversions: [] }
        : translateColumnType(info, from, to, {
            maxStringSize: options.oracleMaxStringSize ?? 'standard',
            booleanHint: hints.boolean.has(info.name),
            jsonHint: hints.json.has(info.name),
          });
    } catch (error) {
      if (!(error instanceof UnsupportedTypeError)) throw error;
      warnings.push(
        `unsupported: ${label}.${info.name} ${info.columnType} left out (${error.message}); ${error.hint ?? ''}`.trim(),
      );
      continue;
    }
    const mapped = names.unique(info.name, override?.target ?? names.fold(info.name), columnTaken);
    noteName(warnings, `column ${label}.${info.name}`, mapped, override?.target);
    if (info.generatedAs !== undefined) {
      warnings.push(
        `${label}.${info.name} is generated (${info.generatedAs}); on ${to} it is a plain column that receives the replicated values`,
      );
    }
    work.push({
      info,
      target: mapped.target,
      type: mapping.sqlType,
      mapping,
      overridden: override?.type !== undefined || override?.target !== undefined,
      conversions: [...mapping.conversions],
      identity: info.autoIncrement === true,
    });
  }
  const identities = work.filter((c) => c.identity);
  if (to !== 'postgres' && identities.length > 1) {
    for (const extra of identities.slice(1)) {
      extra.identity = false;
      warnings.push(
        `${label}.${extra.info.name}: ${to} allows one identity column per table; this one becomes a plain column`,
      );
    }
  }
  const bySource = new Map(work.map((c) => [c.info.name, c]));
  const targetOf = (name: string): string | undefined => bySource.get(name)?.target;
  const resolve = (columns: readonly string[], what: string): string[] | undefined => {
    const out = columns.map(targetOf);
    if (out.some((c) => c === undefined)) {
      warnings.push(`${label}: ${what} left out: it uses a column that was left out`);
      return undefined;
    }
    return out as string[];
  };

  // Keys.
  const pkColumns = table.primaryKey.length > 0 ? resolve(table.primaryKey, 'primary key') : undefined;
  // Names of keys, indexes, checks and foreign keys: one namespace per schema, as Oracle and PostgreSQL need.
  const objectName = (source: string, what: string): string => {
    const mapped = names.unique(source, names.fold(source), taken);
    if (mapped.shortened)
      warnings.push(`${label}: ${what} ${source} is named ${mapped.target} (identifier limit or name taken)`);
    return mapped.target;
  };
  const keyName = (source: string | undefined, fallback: string[]): string =>
    source === undefined || (from === 'mysql' && source === 'PRIMARY')
      ? names.derived([target, ...fallback], taken).target
      : objectName(source, 'key');
  const primaryKey: DdlKey | undefined = pkColumns
    ? { name: keyName(table.primaryKeyName, ['pk']), columns: pkColumns }
    : undefined;
  const uniqueKeys: DdlKey[] = [];
  const keyInfo =
    table.uniqueKeyInfo.length > 0
      ? table.uniqueKeyInfo
      : table.uniqueKeys.map((columns) => ({ name: undefined, columns }));
  keyInfo.forEach((key, i) => {
    const columns = resolve(key.columns, `unique key ${key.name ?? i + 1}`);
    if (columns) uniqueKeys.push({ name: keyName(key.name, [...columns.slice(0, 1), 'uk']), columns });
  });
  const indexes: DdlIndex[] = [];
  for (const index of table.indexes) {
    const columns = resolve(
      index.columns.map((c) => c.name),
      `index ${index.name}`,
    );
    if (!columns) continue;
    indexes.push({
      name: objectName(index.name, 'index'),
      columns: index.columns.map((c, i) => ({
        name: columns[i]!,
        ...(c.descending ? { descending: true } : {}),
        ...(c.prefixLength !== undefined && to === 'mysql' ? { prefixLength: c.prefixLength } : {}),
      })),
    });
  }

  // What the target cannot hold as declared.
  const keyColumns = new Set([...(primaryKey?.columns ?? []), ...uniqueKeys.flatMap((k) => k.columns)]);
  const byTarget = new Map(work.map((c) => [c.target, c]));
  if (from !== to) {
    if (to === 'mysql') fitMysqlKeys(label, work, keyColumns, indexes, byTarget, warnings);
    if (to === 'oracle') fitOracleKeys(label, work, keyColumns, warnings);
    if (to === 'mysql') fitMysqlRow(label, work, keyColumns, warnings);
  }
  alignForeignKeyTypes(table, work, referenced, warnings);
  const keptIndexes =
    to === 'oracle' && from !== to ? indexes.filter((i) => !usesLob(i, byTarget, label, warnings)) : indexes;
  if (to === 'mysql') {
    for (const c of work.filter((w) => w.identity)) {
      const leads =
        [primaryKey, ...uniqueKeys].some((k) => k?.columns[0] === c.target) ||
        keptIndexes.some((i) => i.columns[0]?.name === c.target);
      if (!leads) {
        keptIndexes.push({
          name: names.derived([target, c.target, 'ai'], taken).target,
          columns: [{ name: c.target }],
        });
        warnings.push(
          `${label}.${c.info.name}: MySQL needs an AUTO_INCREMENT column to lead an index; one is added`,
        );
      }
    }
  }

  // Checks: the mapping's, then the source's.
  const checks: DdlCheck[] = [];
  for (const c of work) {
    if (!c.mapping.check || c.overridden) continue;
    checks.push({
      name: names.derived([target, c.target, 'ck'], taken).target,
      expression: c.mapping.check.replaceAll('{col}', compiler.identifier(c.target)),
    });
  }
  const renamed = work.some((c) => c.target !== c.info.name);
  for (const check of table.checks) {
    const absorbed = hints.absorbed.get(check.name);
    if (from !== to && absorbed) continue;
    // Same engine: what the tokens cannot carry is kept as the catalog shows it, names being the same;
    // except Oracle's IS JSON, which the grammar check cannot parse: its JSON_EXISTS equivalent instead.
    const jsonColumn = absorbed?.kind === 'json' ? bySource.get(absorbed.column)?.target : undefined;
    const expression =
      from === to && to === 'oracle' && jsonColumn !== undefined
        ? `${compiler.identifier(jsonColumn)} IS NULL OR JSON_EXISTS(${compiler.identifier(jsonColumn)}, '$')`
        : (translateCheck(check.expression, from, bySource, compiler) ??
          (from === to && !renamed ? check.expression.trim().replace(/^CHECK\s*/i, '') : undefined));
    if (expression === undefined) {
      warnings.push(
        `${label}: check ${check.name} (${check.expression}) not translated to ${to}; write it by hand if it matters`,
      );
      continue;
    }
    checks.push({ name: objectName(check.name, 'check'), expression });
  }

  // Defaults.
  const columns: DdlColumn[] = work.map((c) => {
    const defaultExpression =
      c.identity || c.info.defaultValue === undefined
        ? undefined
        : translateDefault(c.info, c.type, from, to, compiler, (why) =>
            warnings.push(`${label}.${c.info.name}: default ${c.info.defaultValue} dropped (${why})`),
          );
    return {
      name: c.target,
      type: c.type,
      nullable: c.info.nullable,
      ...(defaultExpression === undefined ? {} : { defaultExpression }),
      ...(c.identity ? { identity: true } : {}),
      ...(c.info.comment ? { comment: c.info.comment } : {}),
    };
  });

  const mysqlOptions =
    to !== 'mysql'
      ? {}
      : from === 'mysql'
        ? {
            ...(table.charset ? { charset: table.charset } : {}),
            ...(table.collation ? { collation: table.collation } : {}),
          }
        : // Oracle and PostgreSQL compare text exactly: a case-insensitive collation would make distinct keys collide.
          { charset: 'utf8mb4', collation: 'utf8mb4_bin' };
  const ddl: DdlTable = {
    schema: options.targetSchema,
    name: target,
    columns,
    ...(primaryKey ? { primaryKey } : {}),
    uniqueKeys,
    checks,
    ...(table.comment ? { comment: table.comment } : {}),
    ...mysqlOptions,
  };
  if (from === 'mysql' && to !== 'mysql')
    noteCaseInsensitiveKeys(table, label, keyColumns, byTarget, warnings);
  return {
    source: table,
    ddl,
    indexes: keptIndexes,
    columnNames: new Map(work.map((c) => [c.info.name, c.target])),
    columns: work.map((c) => ({
      source: c.info.name,
      target: c.target,
      sourceType: c.info.columnType,
      targetType: c.type,
      reason: c.mapping.reason,
      ...(c.mapping.check && !c.overridden ? { check: c.mapping.check } : {}),
      conversions: c.conversions,
      overridden: c.overridden,
    })),
  };
}

/**
 * Referencing columns take the type of the column they reference: engines refuse foreign keys between
 * types they cannot compare by index (PostgreSQL bigint vs numeric, MySQL INT vs BIGINT), and the two
 * can differ after identity or key adjustments (BIGINT UNSIGNED AUTO_INCREMENT becomes a PostgreSQL bigint,
 * its references numeric(20,0)). Referenced tables are prepared first; a cycle leaves a pair as is.
 */
function alignForeignKeyTypes(
  table: SchemaTable,
  work: readonly WorkColumn[],
  referenced: ReadonlyMap<string, PreparedTable>,
  warnings: string[],
): void {
  for (const fk of table.foreignKeys) {
    const ref = fk.refTable === table.name ? undefined : referenced.get(fk.refTable);
    fk.columns.forEach((name, i) => {
      const column = work.find((w) => w.info.name === name);
      const refName = fk.refColumns[i];
      const refType =
        fk.refTable === table.name
          ? work.find((w) => w.info.name === refName)?.type
          : ref?.columns.find((c) => c.source === refName)?.targetType;
      if (!column || refType === undefined || column.type === refType) return;
      warnings.push(
        `${table.name}.${name}: ${column.type} becomes ${refType}, the type of ${fk.refTable}.${refName ?? ''} it references`,
      );
      column.conversions.push(
        `takes the type of ${fk.refTable}.${refName ?? ''} (${refType}), which it references`,
      );
      column.type = refType;
    });
  }
}

function noteName(warnings: string[], what: string, mapped: MappedName, override: string | undefined): void {
  if (mapped.shortened)
    warnings.push(
      `${what}: name shortened to ${mapped.target} (over the target's identifier limit or taken)`,
    );
  else if (override !== undefined && mapped.target !== override)
    warnings.push(`${what}: ${override} is taken; ${mapped.target} is used`);
}

// ---------------------------------------------------------------------------------------------------
// Ordering

/** Tables with the ones they reference first (stable: input order among independent tables; cycles keep input order). */
function dependencyOrder(tables: readonly SchemaTable[]): SchemaTable[] {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const done = new Set<string>();
  const visiting = new Set<string>();
  const out: SchemaTable[] = [];
  const visit = (table: SchemaTable): void => {
    if (done.has(table.name) || visiting.has(table.name)) return;
    visiting.add(table.name);
    for (const fk of table.foreignKeys) {
      const ref = byName.get(fk.refTable);
      if (ref && ref !== table) visit(ref);
    }
    visiting.delete(table.name);
    done.add(table.name);
    out.push(table);
  };
  for (const table of tables) visit(table);
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Keys the target cannot hold as declared

function fitMysqlKeys(
  label: string,
  work: WorkColumn[],
  keyColumns: ReadonlySet<string>,
  indexes: DdlIndex[],
  byTarget: ReadonlyMap<string, WorkColumn>,
  warnings: string[],
): void {
  for (const c of work.filter((w) => keyColumns.has(w.target))) {
    const size = mysqlKeyBytes(c.type);
    if (size === 'lob' || size > MYSQL_MAX_KEY_BYTES) {
      const binary = /BLOB|BINARY/i.test(c.type);
      const type = binary ? `VARBINARY(${MYSQL_MAX_KEY_BYTES})` : `VARCHAR(${MYSQL_MAX_KEY_CHARS})`;
      warnings.push(`${label}.${c.info.name}: ${c.type} cannot be (part of) a MySQL key; ${type} is used`);
      c.conversions.push(`in a key: ${type} on MySQL, longer values do not fit`);
      c.type = type;
    }
  }
  for (const [i, index] of indexes.entries()) {
    const columns = index.columns.map((col) => {
      if (col.prefixLength !== undefined) return col;
      const size = mysqlKeyBytes(byTarget.get(col.name)?.type ?? '');
      if (size !== 'lob' && size <= MYSQL_MAX_KEY_BYTES) return col;
      const binary = /BLOB|BINARY/i.test(byTarget.get(col.name)?.type ?? '');
      const prefixLength = binary ? MYSQL_MAX_KEY_BYTES : MYSQL_MAX_KEY_CHARS;
      warnings.push(
        `${label}: index ${index.name} on ${col.name} uses its first ${prefixLength} ${binary ? 'bytes' : 'characters'} (MySQL key limit)`,
      );
      return { ...col, prefixLength };
    });
    indexes[i] = { ...index, columns };
  }
}

/** Key bytes a MySQL column type needs (utf8mb4), or `lob` for TEXT/BLOB/JSON, which need a prefix. */
function mysqlKeyBytes(type: string): number | 'lob' {
  if (/TEXT|BLOB|JSON/i.test(type)) return 'lob';
  const m = /^(VAR)?(CHAR|BINARY)\((\d+)\)/i.exec(type);
  if (!m) return 8;
  const n = Number(m[3]);
  return m[2]!.toUpperCase() === 'CHAR' ? n * 4 : n;
}

/** Demotes the widest VARCHARs to TEXT until the row fits MySQL's 65535 bytes. */
function fitMysqlRow(
  label: string,
  work: WorkColumn[],
  keyColumns: ReadonlySet<string>,
  warnings: string[],
): void {
  const rowBytes = (): number =>
    work.reduce((sum, c) => {
      const size = mysqlKeyBytes(c.type);
      return sum + (size === 'lob' ? 12 : size + (/^VAR/i.test(c.type) ? 2 : 0));
    }, 0);
  while (rowBytes() > MYSQL_MAX_ROW_BYTES) {
    const widest = work
      .filter((c) => /^VARCHAR\(/i.test(c.type) && !keyColumns.has(c.target))
      .sort((a, b) => (mysqlKeyBytes(b.type) as number) - (mysqlKeyBytes(a.type) as number))[0];
    if (!widest) {
      warnings.push(
        `${label}: the row needs more than MySQL's ${MYSQL_MAX_ROW_BYTES} bytes; CREATE TABLE will fail`,
      );
      return;
    }
    const type = (mysqlKeyBytes(widest.type) as number) <= MYSQL_MAX_ROW_BYTES ? 'TEXT' : 'MEDIUMTEXT';
    warnings.push(
      `${label}.${widest.info.name}: ${widest.type} becomes ${type}: the row would exceed MySQL's ${MYSQL_MAX_ROW_BYTES} bytes`,
    );
    widest.type = type;
  }
}

function fitOracleKeys(
  label: string,
  work: WorkColumn[],
  keyColumns: ReadonlySet<string>,
  warnings: string[],
): void {
  for (const c of work.filter((w) => keyColumns.has(w.target) && /^(CLOB|NCLOB|BLOB)$/i.test(w.type))) {
    const type = /BLOB/i.test(c.type) ? 'RAW(2000)' : 'VARCHAR2(1000 CHAR)';
    warnings.push(`${label}.${c.info.name}: ${c.type} cannot be (part of) an Oracle key; ${type} is used`);
    c.conversions.push(`in a key: ${type} on Oracle, longer values do not fit`);
    c.type = type;
  }
}

function usesLob(
  index: DdlIndex,
  byTarget: ReadonlyMap<string, WorkColumn>,
  label: string,
  warnings: string[],
): boolean {
  const lob = index.columns.find((c) => /^(CLOB|NCLOB|BLOB)$/i.test(byTarget.get(c.name)?.type ?? ''));
  if (lob) warnings.push(`${label}: index ${index.name} left out: Oracle cannot index ${lob.name}, a LOB`);
  return lob !== undefined;
}

/** MySQL keys compared ignoring case hold values that Oracle and PostgreSQL keep apart, and that collide on the way back. */
function noteCaseInsensitiveKeys(
  table: SchemaTable,
  label: string,
  keyColumns: ReadonlySet<string>,
  byTarget: ReadonlyMap<string, WorkColumn>,
  warnings: string[],
): void {
  for (const c of byTarget.values()) {
    const collation = c.info.collation ?? table.collation;
    if (
      keyColumns.has(c.target) &&
      collation !== undefined &&
      /_ci$|_ai_ci$/i.test(collation) &&
      /char|text/i.test(c.info.dataType)
    ) {
      const note = `key compared ignoring case in MySQL (${collation}): values that differ only in case are distinct on the target and collide when replicated back`;
      c.conversions.push(note);
      warnings.push(`${label}.${c.info.name}: ${note}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Foreign keys

function foreignKey(
  fk: SchemaTable['foreignKeys'][number],
  table: PreparedTable,
  byName: ReadonlyMap<string, PreparedTable>,
  names: NameMapper,
  taken: Set<string>,
  to: EngineName,
  warnings: string[],
): DdlForeignKey | undefined {
  const label = table.source.name;
  const ref = byName.get(fk.refTable);
  if (!ref) {
    warnings.push(
      `${label}: foreign key ${fk.name} left out: ${fk.refSchema}.${fk.refTable} is not among the translated tables`,
    );
    return undefined;
  }
  const columns = fk.columns.map((c) => table.columnNames.get(c));
  const refColumns = fk.refColumns.map((c) => ref.columnNames.get(c));
  if (columns.some((c) => c === undefined) || refColumns.some((c) => c === undefined)) {
    warnings.push(`${label}: foreign key ${fk.name} left out: it uses a column that was left out`);
    return undefined;
  }
  let onDelete = fk.onDelete;
  let onUpdate = fk.onUpdate;
  if (onDelete === 'set default' && to !== 'postgres') {
    warnings.push(
      `${label}: foreign key ${fk.name}: ON DELETE SET DEFAULT does not exist on ${to}; NO ACTION is used`,
    );
    onDelete = 'no action';
  }
  if (to === 'oracle' && onDelete === 'restrict') onDelete = 'no action';
  if (to === 'oracle' && onUpdate !== 'no action' && onUpdate !== 'restrict') {
    warnings.push(
      `${label}: foreign key ${fk.name}: Oracle has no ON UPDATE ${onUpdate.toUpperCase()}; key updates are refused instead`,
    );
  }
  if (to === 'oracle') onUpdate = 'no action';
  if (onUpdate === 'set default' && to === 'mysql') {
    warnings.push(
      `${label}: foreign key ${fk.name}: ON UPDATE SET DEFAULT does not exist on MySQL; NO ACTION is used`,
    );
    onUpdate = 'no action';
  }
  const name = names.unique(fk.name, names.fold(fk.name), taken);
  if (name.shortened)
    warnings.push(
      `${label}: foreign key ${fk.name} is named ${name.target} (identifier limit or name taken)`,
    );
  return {
    name: name.target,
    columns: columns as string[],
    refSchema: table.ddl.schema,
    refTable: ref.ddl.name,
    refColumns: refColumns as string[],
    onDelete,
    onUpdate,
  };
}

// ---------------------------------------------------------------------------------------------------
// Checks

/** Source checks that restate a column's domain, which the type mapping takes over. */
interface DomainChecks {
  /** Columns constrained to 0 and 1. */
  readonly boolean: ReadonlySet<string>;
  /** Columns constrained to JSON text. */
  readonly json: ReadonlySet<string>;
  /** The checks those came from, by name: not carried over to another engine (the mapping writes its own). */
  readonly absorbed: ReadonlyMap<string, { readonly column: string; readonly kind: 'boolean' | 'json' }>;
}

function domainChecks(table: SchemaTable, from: EngineName): DomainChecks {
  const boolean = new Set<string>();
  const json = new Set<string>();
  const absorbed = new Map<string, { column: string; kind: 'boolean' | 'json' }>();
  const absorb = (set: Set<string>, name: string, check: string): void => {
    set.add(name);
    absorbed.set(check, { column: name, kind: set === json ? 'json' : 'boolean' });
  };
  const column = (token: Token | undefined): string | undefined =>
    token && (token.kind === 'word' || token.kind === 'quoted')
      ? findColumn(table.columns, token, from)?.name
      : undefined;
  for (const check of table.checks) {
    const tokens = stripParens(tokenize(check.expression, from) ?? []);
    const words = tokens.map((t) => (t.kind === 'word' ? t.text.toUpperCase() : t.text));
    const at = (i: number): string => words[i] ?? '';
    // col IN (0, 1)
    if (tokens.length === 7 && at(1) === 'IN' && at(2) === '(' && at(4) === ',' && at(6) === ')') {
      const name = column(tokens[0]);
      if (name && [at(3), at(5)].sort().join() === '0,1') absorb(boolean, name, check.name);
      continue;
    }
    // col IS JSON [...] | json_valid(col) | [col IS NULL OR] JSON_EXISTS(col, '$')
    if (tokens.length >= 3 && at(1) === 'IS' && at(2) === 'JSON') {
      const name = column(tokens[0]);
      if (name) absorb(json, name, check.name);
      continue;
    }
    if (tokens.length === 4 && at(0) === 'JSON_VALID' && at(1) === '(' && at(3) === ')') {
      const name = column(tokens[2]);
      if (name) absorb(json, name, check.name);
      continue;
    }
    const existsAt = words.indexOf('JSON_EXISTS');
    if (existsAt >= 0 && at(existsAt + 1) === '(') {
      const name = column(tokens[existsAt + 2]);
      const prefixOk =
        existsAt === 0 || (existsAt === 4 && at(1) === 'IS' && at(2) === 'NULL' && at(3) === 'OR');
      if (name && prefixOk) absorb(json, name, check.name);
    }
  }
  return { boolean, json, absorbed };
}

type Token =
  | { readonly kind: 'word'; readonly text: string }
  | { readonly kind: 'quoted'; readonly text: string }
  | { readonly kind: 'string'; readonly text: string }
  | { readonly kind: 'number'; readonly text: string }
  | { readonly kind: 'op'; readonly text: string };

/** The tokens of a check expression as the source catalog shows it; undefined when something is not understood. */
function tokenize(expression: string, from: EngineName): Token[] | undefined {
  const tokens: Token[] = [];
  let text = expression.trim().replace(/^CHECK\s*/i, '');
  while (text.length > 0) {
    let m: RegExpExecArray | null;
    if ((m = /^\s+/.exec(text))) {
      // white space
    } else if (
      (m =
        /^::\s*([a-z_][a-z0-9_ ]*?)(?:\(\d+(?:,\s*\d+)?\))?(?:\[\])*(?=$|[^a-z0-9_ ]|\s+(?:and|or|is|in|not|between|like)\b|\s*\))/i.exec(
          text,
        ))
    ) {
      // PostgreSQL casts, as pg_get_constraintdef writes them around literals: dropped; a numeric
      // literal written as text and cast ('-1000'::integer) becomes the number it is.
      const last = tokens[tokens.length - 1];
      if (last?.kind === 'string' && NUMERIC_TYPE.test(m[1] ?? '') && /^-?\d+(\.\d+)?$/.test(last.text)) {
        tokens[tokens.length - 1] = { kind: 'number', text: last.text };
      }
    } else if ((m = /^_[a-z0-9]+(?=')/i.exec(text))) {
      // MySQL charset introducer (_utf8mb4'x'): dropped
    } else if (
      (m = from === 'mysql' ? /^'((?:[^'\\]|''|\\.)*)'/s.exec(text) : /^'((?:[^']|'')*)'/s.exec(text))
    ) {
      const body = (m[1] ?? '').replaceAll("''", "'");
      tokens.push({ kind: 'string', text: from === 'mysql' ? body.replace(/\\(.)/g, '$1') : body });
    } else if (from === 'mysql' && (m = /^`((?:[^`]|``)+)`/.exec(text))) {
      tokens.push({ kind: 'quoted', text: (m[1] ?? '').replaceAll('``', '`') });
    } else if (from !== 'mysql' && (m = /^"((?:[^"]|"")+)"/.exec(text))) {
      tokens.push({ kind: 'quoted', text: (m[1] ?? '').replaceAll('""', '"') });
    } else if ((m = /^\d+(?:\.\d+)?(?:e[+-]?\d+)?/i.exec(text))) {
      tokens.push({ kind: 'number', text: m[0] });
    } else if ((m = /^[a-z_][a-z0-9_$#]*/i.exec(text))) {
      tokens.push({ kind: 'word', text: m[0] });
    } else if ((m = /^(<=|>=|<>|!=|=|<|>|\(|\)|,|\+|-|\*|\/)/.exec(text))) {
      tokens.push({ kind: 'op', text: m[0] === '!=' ? '<>' : m[0] });
    } else return undefined;
    text = text.slice(m[0].length);
  }
  return tokens;
}

const NUMERIC_TYPE = /^(smallint|integer|bigint|numeric|decimal|real|double precision|int[248]?|float[48])$/i;

function stripParens(tokens: Token[]): Token[] {
  let out = tokens;
  while (
    out.length >= 2 &&
    out[0]?.text === '(' &&
    out[out.length - 1]?.text === ')' &&
    balancedInside(out)
  ) {
    out = out.slice(1, -1);
  }
  return out;
}

/** The outer parentheses enclose the whole list (not `(a) AND (b)`). */
function balancedInside(tokens: readonly Token[]): boolean {
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'op' && t.text === '(') depth++;
    if (t.kind === 'op' && t.text === ')') depth--;
    if (depth === 0 && i < tokens.length - 1) return false;
  }
  return true;
}

/** Words a check may hold besides column names: comparisons and logic only, which every engine spells the same. */
const CHECK_WORDS = new Set(['AND', 'OR', 'NOT', 'IS', 'NULL', 'IN', 'BETWEEN', 'LIKE']);

function findColumn(columns: readonly ColumnInfo[], token: Token, from: EngineName): ColumnInfo | undefined {
  if (token.kind === 'quoted') {
    return (
      columns.find((c) => c.name === token.text) ??
      (from === 'mysql' ? columns.find((c) => c.name.toLowerCase() === token.text.toLowerCase()) : undefined)
    );
  }
  // Unquoted: as the source engine resolves it (Oracle upper case, PostgreSQL lower case, MySQL any case).
  const folded =
    from === 'oracle'
      ? token.text.toUpperCase()
      : from === 'postgres'
        ? token.text.toLowerCase()
        : token.text;
  return (
    columns.find((c) => c.name === folded) ??
    (from === 'mysql' ? columns.find((c) => c.name.toLowerCase() === folded.toLowerCase()) : undefined)
  );
}

/** A source check in target SQL, or undefined when it holds anything beyond columns, literals, comparisons and logic. */
function translateCheck(
  expression: string,
  from: EngineName,
  columns: ReadonlyMap<string, WorkColumn>,
  compiler: DdlCompiler,
): string | undefined {
  const tokens = tokenize(expression, from);
  if (!tokens || tokens.length === 0) return undefined;
  const infos = [...columns.values()].map((c) => c.info);
  const out: string[] = [];
  for (const token of tokens) {
    switch (token.kind) {
      case 'quoted':
      case 'word': {
        if (token.kind === 'word' && CHECK_WORDS.has(token.text.toUpperCase())) {
          out.push(token.text.toUpperCase());
          break;
        }
        const info = findColumn(infos, token, from);
        const target = info ? columns.get(info.name) : undefined;
        // A boolean on one side and a number on the other compare differently: such checks are not carried.
        if (!target || /^boolean$/i.test(target.type) !== /^boolean$/i.test(info?.dataType ?? ''))
          return undefined;
        out.push(compiler.identifier(target.target));
        break;
      }
      case 'string':
        out.push(compiler.literal(token.text));
        break;
      case 'number':
      case 'op':
        out.push(token.text);
        break;
    }
  }
  return out.join(' ').replace(/\( /g, '(').replace(/ \)/g, ')').replace(/ ,/g, ',');
}

// ---------------------------------------------------------------------------------------------------
// Defaults

type ParsedDefault =
  | { readonly kind: 'null' }
  | { readonly kind: 'string'; readonly text: string }
  | { readonly kind: 'number'; readonly text: string }
  | { readonly kind: 'boolean'; readonly value: boolean }
  | { readonly kind: 'bits'; readonly digits: string }
  | { readonly kind: 'now' }
  | { readonly kind: 'today' }
  | { readonly kind: 'uuid' }
  | { readonly kind: 'identity' }
  | { readonly kind: 'expression'; readonly text: string };

const NOW =
  /^(current_timestamp|now|localtimestamp|systimestamp|sysdate|statement_timestamp|transaction_timestamp|clock_timestamp|sys_extract_utc\s*\(\s*systimestamp\s*\))\s*(\(\s*\d*\s*\))?$/i;
const TODAY = /^(current_date|curdate)\s*(\(\s*\))?$|^trunc\s*\(\s*(sysdate|current_date)\s*\)$/i;
const UUID = /^(uuid|gen_random_uuid|uuid_generate_v4)\s*\(\s*\)$/i;

/** A catalog default, as each engine's catalog shows it. */
function parseDefault(text: string, column: ColumnInfo, from: EngineName): ParsedDefault {
  let t = text.trim();
  if (from === 'postgres') {
    // 'abc'::character varying, '2020-01-01'::date, (-1)
    t = t.replace(/::[a-z_][a-z0-9_ ]*(\(\d+(,\d+)?\))?(\[\])*$/i, '').trim();
    if (/^nextval\(/i.test(t)) return { kind: 'identity' };
  }
  if (from === 'oracle' && /\.nextval$/i.test(t)) return { kind: 'identity' };
  while (/^\(.*\)$/s.test(t) && !/^\(.*\)\s*\(/s.test(t)) t = t.slice(1, -1).trim();
  if (/^null$/i.test(t)) return { kind: 'null' };
  let m: RegExpExecArray | null;
  if ((m = /^'((?:[^']|'')*)'$/s.exec(t))) {
    const body = (m[1] ?? '').replaceAll("''", "'");
    return { kind: 'string', text: from === 'mysql' ? body.replace(/\\(.)/g, '$1') : body };
  }
  if (from === 'oracle' && (m = /^(?:date|timestamp)\s+'([^']*)'$/i.exec(t)))
    return { kind: 'string', text: m[1] ?? '' };
  if ((m = /^b'([01]*)'$/i.exec(t))) return { kind: 'bits', digits: m[1] ?? '' };
  if (/^[+-]?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(t)) return { kind: 'number', text: t.replace(/^\+/, '') };
  if (/^(true|false)$/i.test(t)) return { kind: 'boolean', value: /^true$/i.test(t) };
  if (NOW.test(t)) return { kind: 'now' };
  if (TODAY.test(t)) return { kind: 'today' };
  if (UUID.test(t)) return { kind: 'uuid' };
  // MySQL 8 shows string defaults unquoted; a function call is an expression default.
  if (from === 'mysql' && /char|text|enum|set/i.test(column.dataType) && !/^\w+\s*\(.*\)$/s.test(t)) {
    return { kind: 'string', text: t };
  }
  return { kind: 'expression', text: t };
}

/** The default as the target writes it, or undefined (after `drop(why)`) when it has no faithful spelling. */
function translateDefault(
  column: ColumnInfo,
  targetType: string,
  from: EngineName,
  to: EngineName,
  compiler: DdlCompiler,
  drop: (why: string) => void,
): string | undefined {
  const dropped = (why: string): undefined => {
    drop(why);
    return undefined;
  };
  const value = parseDefault(column.defaultValue ?? '', column, from);
  // Same engine: the catalog's expression means the same (MySQL aside: MySQL 8 shows strings unquoted).
  if (from === to && from !== 'mysql') {
    return value.kind === 'identity' || value.kind === 'null' ? undefined : column.defaultValue?.trim();
  }
  const type = targetType.toLowerCase();
  const isBoolean = type === 'boolean';
  const isNumber =
    /^(number|binary_|float|numeric|decimal|smallint|integer|int|bigint|tinyint|mediumint|real|double|year)/.test(
      type,
    );
  const isBits = /^bit/.test(type);
  const isBinary = /^(raw|blob|bytea|binary|varbinary|tinyblob|mediumblob|longblob)/.test(type);
  const isDate = type === 'date' && !(to === 'oracle' && from === 'oracle');
  const isInterval = /^interval/.test(type);
  const isTimestamp = /^(timestamp|datetime)/.test(type) || (to === 'oracle' && type === 'date');
  const isTime = /^time(\(|$| )/.test(type);
  switch (value.kind) {
    case 'null':
    case 'identity':
      return undefined;
    case 'number':
      if (isBoolean) {
        if (value.text === '0' || value.text === '1') return value.text === '1' ? 'true' : 'false';
        return dropped('not a truth value');
      }
      if (isNumber) return value.text;
      if (isBits) return to === 'postgres' ? postgresBits(BigInt(value.text).toString(2), type) : value.text;
      if (isBinary || isTimestamp || isDate || isTime || isInterval)
        return dropped(`a number for ${targetType}`);
      return compiler.literal(value.text);
    case 'boolean':
      if (isBoolean) return String(value.value);
      if (isNumber) return value.value ? '1' : '0';
      return dropped(`a truth value for ${targetType}`);
    case 'bits':
      if (isBits) return to === 'postgres' ? postgresBits(value.digits, type) : `b'${value.digits}'`;
      if (isBoolean && /^[01]$/.test(value.digits)) return value.digits === '1' ? 'true' : 'false';
      if (isNumber) return BigInt(`0b${value.digits || '0'}`).toString();
      return dropped(`bits for ${targetType}`);
    case 'string': {
      if (to === 'oracle' && value.text === '') return dropped("'' is NULL in Oracle");
      if (/^0000-00-00/.test(value.text)) return dropped('MySQL zero date');
      if (isNumber) {
        return /^[+-]?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(value.text.trim())
          ? value.text.trim()
          : dropped('not a number');
      }
      if (isBoolean) {
        const truth = /^(1|t|true|y|yes|on)$/i.test(value.text)
          ? 'true'
          : /^(0|f|false|n|no|off)$/i.test(value.text)
            ? 'false'
            : undefined;
        return truth ?? dropped('not a truth value');
      }
      if (isBinary || isBits || isInterval) return dropped(`text for ${targetType}`);
      if (to === 'oracle' && isDate) {
        return /^\d{4}-\d{2}-\d{2}$/.test(value.text) ? `DATE '${value.text}'` : dropped('not a date');
      }
      if (to === 'oracle' && isTimestamp) {
        const m = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?))?$/.exec(value.text);
        return m
          ? `TIMESTAMP '${m[1]} ${m[2] ?? '00:00:00'}${/with time zone/.test(type) ? ' +00:00' : ''}'`
          : dropped('not a timestamp');
      }
      return compiler.literal(value.text);
    }
    case 'now': {
      const fraction = /\((\d)\)/.exec(type)?.[1];
      if (isTimestamp) {
        if (to === 'mysql')
          return fraction && fraction !== '0' ? `CURRENT_TIMESTAMP(${fraction})` : 'CURRENT_TIMESTAMP';
        if (to === 'postgres') return 'CURRENT_TIMESTAMP';
        // Oracle: the session's clock (dbtwin runs sessions in UTC), never the server's SYSDATE.
        return /with time zone/.test(type)
          ? 'CURRENT_TIMESTAMP'
          : type === 'date'
            ? 'CURRENT_DATE'
            : 'LOCALTIMESTAMP';
      }
      if (isDate) return todayIn(to);
      return dropped(`the current time for ${targetType}`);
    }
    case 'today':
      if (isDate) return todayIn(to);
      if (to === 'oracle' && isTimestamp && type === 'date') return 'TRUNC(CURRENT_DATE)';
      return dropped(`the current date for ${targetType}`);
    case 'uuid':
      if (to === 'postgres' && type === 'uuid') return 'gen_random_uuid()';
      if (to === 'postgres' && /char/.test(type)) return 'gen_random_uuid()::text';
      if (to === 'mysql' && /char/.test(type)) return '(UUID())';
      return dropped(`no UUID generator for ${targetType}`);
    case 'expression':
      if (from === to) return value.text;
      return dropped('an expression that is not translated');
  }
}

/** A PostgreSQL bit-string literal; `bit(n)` takes exactly n digits (MySQL's `b'101'` for BIT(5) means 00101). */
function postgresBits(digits: string, type: string): string {
  const width = /^bit\((\d+)\)/.exec(type)?.[1];
  return `B'${width === undefined ? digits : digits.padStart(Number(width), '0')}'`;
}

function todayIn(to: EngineName): string {
  switch (to) {
    case 'mysql':
      return '(CURRENT_DATE)';
    case 'postgres':
      return 'CURRENT_DATE';
    case 'oracle':
      return 'TRUNC(CURRENT_DATE)';
  }
}
