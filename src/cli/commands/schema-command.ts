import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import type { EngineName } from '../../core/change-event.js';
import { DbtwinError } from '../../core/dbtwin-error.js';
import { ErrorCode } from '../../core/error-codes.js';
import { loadConfig } from '../../config/config-loader.js';
import type { DbtwinConfig, SideConfig } from '../../config/dbtwin-config.js';
import type { SchemaTable } from '../../engines/dialect.js';
import { dialectFor } from '../../engines/dialect-registry.js';
import type { EngineDriver } from '../../engines/engine-driver.js';
import {
  mappingOf,
  mappingText,
  overridesOf,
  readMappingFile,
  type MappingEnd,
} from '../../translate/mapping-file.js';
import { checkSchema, type CheckReport, type RoundTripProblem } from '../../translate/schema-checker.js';
import { translateSchema } from '../../translate/schema-translator.js';
import { configOption } from '../config-option.js';

const ENGINES: readonly EngineName[] = ['mysql', 'postgres', 'oracle'];

/** Exit code of `schema check` when a blocker was found: replication would change values. */
export const SCHEMA_CHECK_UNSAFE_EXIT = 3;

interface CommonOptions {
  config: string;
  from: string;
  to: string;
  tables?: string;
}

interface TranslateOptions extends CommonOptions {
  out: string;
  apply?: boolean;
  withForeignKeys?: boolean;
  targetSchema?: string;
  oracleMaxIdentifierLength?: string;
}

interface CheckOptions extends CommonOptions {
  scan: boolean;
  json?: boolean;
  oracleMaxIdentifierLength?: string;
}

/**
 * `dbtwin schema translate|check` (design §5): the other engine's DDL and the mapping file from a live
 * catalog, and the columns and values that cannot make the round trip.
 */
export function registerSchemaCommand(program: Command): void {
  const schema = program
    .command('schema')
    .description('translate a side’s tables into another engine’s DDL, and check what cannot round-trip');
  withCommon(schema.command('translate'))
    .description(
      'write the target DDL (tables, keys, identity, indexes; foreign keys apart, for after the data) and the mapping file the links use',
    )
    .option('--out <dir>', 'where to write <from>-to-<to>.{tables.sql,after-data.sql,mapping.yaml}', 'schema')
    .option('--apply', 'run the table DDL on the target side (needs --to <side>)')
    .option(
      '--with-foreign-keys',
      'with --apply: also run the after-data statements (foreign keys, identity restarts) once the data is copied',
    )
    .option(
      '--target-schema <name>',
      'target schema when --to names an engine (default: public, the source schema)',
    )
    .option('--oracle-max-identifier-length <n>', 'Oracle identifier limit: 128 (12.2+) or 30', '128')
    .action(async (opts: TranslateOptions) => {
      const config = await loadConfig(opts.config);
      const source = sideOf(config, opts.from, '--from');
      const target = targetOf(config, opts.to, opts.targetSchema, source);
      await withSource(source, async (driver) => {
        const tables = await describeTables(driver, source, opts.tables);
        const stem = `${source.name}-to-${target.side ?? target.engine}`;
        const mappingFile = path.resolve(opts.out, `${stem}.mapping.yaml`);
        const previous = await readMappingFile(mappingFile);
        const translated = translateSchema(tables, {
          from: source.engine,
          to: target.engine,
          targetSchema: target.schema,
          overrides: overridesOf(previous),
          oracleMaxIdentifierLength: Number(opts.oracleMaxIdentifierLength),
        });
        const from: MappingEnd = { side: source.name, engine: source.engine, schema: source.schema };
        const mapping = mappingOf(translated, from, target, previous);
        await mkdir(opts.out, { recursive: true });
        const tablesSql = path.join(opts.out, `${stem}.tables.sql`);
        const afterSql = path.join(opts.out, `${stem}.after-data.sql`);
        await writeFile(tablesSql, sqlText(translated.statements, target.engine));
        await writeFile(afterSql, sqlText(translated.afterData, target.engine));
        await writeFile(
          mappingFile,
          mappingText(mapping, `dbtwin schema translate --from ${opts.from} --to ${opts.to}`),
        );
        for (const w of translated.warnings) console.error(`warning: ${w}`);
        const kept = Object.keys(overridesOf(previous).tables ?? {}).length;
        console.log(
          `${translated.tables.length} tables: ${tablesSql} (${translated.statements.length} statements), ${afterSql} (${translated.afterData.length} statements for after the data: foreign keys, identity restarts), ${mappingFile}${kept > 0 ? ` (overrides kept for ${kept} tables)` : ''}`,
        );
        if (!opts.apply) return;
        if (!target.side)
          throw new DbtwinError(
            ErrorCode.ConfigInvalid,
            `--apply needs --to <side>: ${opts.to} is an engine`,
            {
              hint: `name a side of ${config.file} (${Object.keys(config.sides).join(', ')})`,
            },
          );
        const statements = [...translated.statements, ...(opts.withForeignKeys ? translated.afterData : [])];
        await applyStatements(config.sides[target.side]!, statements);
        console.log(`applied ${statements.length} statements on ${target.side}`);
      });
    });

  withCommon(schema.command('check'))
    .description(
      'list every column and value class that cannot round-trip, and key values that collide on the other side; exit 0 when it is safe to go bidirectional, 3 when not',
    )
    .option('--no-scan', 'check the catalog only, not the data')
    .option('--json', 'print { safe, problems, scanned } as JSON')
    .option('--oracle-max-identifier-length <n>', 'Oracle identifier limit: 128 (12.2+) or 30', '128')
    .action(async (opts: CheckOptions) => {
      const config = await loadConfig(opts.config);
      const source = sideOf(config, opts.from, '--from');
      const target = targetOf(config, opts.to, undefined, source);
      await withSource(source, async (driver) => {
        const tables = await describeTables(driver, source, opts.tables);
        const version = await driver.serverVersion();
        const report = await checkSchema(driver, source.schema, tables, {
          from: source.engine,
          ...(source.engine === 'mysql'
            ? { fromFlavor: /mariadb/i.test(version) ? 'mariadb' : 'mysql' }
            : {}),
          to: target.engine,
          scanData: opts.scan,
          oracleMaxIdentifierLength: Number(opts.oracleMaxIdentifierLength),
        });
        if (opts.json) console.log(JSON.stringify(report, null, 2));
        else console.log(describeReport(report, source.name, opts.to));
        if (!report.safe) process.exitCode = SCHEMA_CHECK_UNSAFE_EXIT;
      });
    });
}

function withCommon(command: Command): Command {
  return command
    .addOption(configOption())
    .requiredOption('--from <side>', 'the side whose tables are read')
    .requiredOption(
      '--to <side|engine>',
      'a side of the configuration, or an engine: mysql, postgres, oracle',
    )
    .option('--tables <names>', "comma-separated tables (default: the side's tables in the configuration)");
}

function sideOf(config: DbtwinConfig, name: string, option: string): SideConfig {
  const side = config.sides[name];
  if (!side)
    throw new DbtwinError(ErrorCode.ConfigInvalid, `${option} ${name}: no such side in ${config.file}`, {
      hint: `sides there: ${Object.keys(config.sides).join(', ')}`,
    });
  return side;
}

function targetOf(
  config: DbtwinConfig,
  to: string,
  targetSchema: string | undefined,
  source: SideConfig,
): MappingEnd {
  const side = config.sides[to];
  if (side) return { side: side.name, engine: side.engine, schema: targetSchema ?? side.schema };
  if (!(ENGINES as readonly string[]).includes(to))
    throw new DbtwinError(
      ErrorCode.ConfigInvalid,
      `--to ${to}: neither a side of ${config.file} nor an engine`,
      {
        hint: `sides: ${Object.keys(config.sides).join(', ')}; engines: ${ENGINES.join(', ')}`,
      },
    );
  const engine = to as EngineName;
  const schema =
    targetSchema ??
    (engine === 'postgres' ? 'public' : engine === 'oracle' ? source.schema.toUpperCase() : source.schema);
  return { engine, schema };
}

async function withSource(side: SideConfig, work: (driver: EngineDriver) => Promise<void>): Promise<void> {
  const driver = await dialectFor(side.engine).createDriver(side.connection);
  try {
    await work(driver);
  } finally {
    await driver.close();
  }
}

/** The named tables (or the side's configured ones, or every table of its schema) from the catalog. */
async function describeTables(
  driver: EngineDriver,
  side: SideConfig,
  list: string | undefined,
): Promise<SchemaTable[]> {
  const introspector = dialectFor(side.engine).createIntrospector(driver);
  const names = list
    ? list
        .split(',')
        .map((t) => t.trim())
        .filter((t) => t !== '')
    : side.tables.length > 0
      ? [...side.tables]
      : await introspector.tables(side.schema);
  const out: SchemaTable[] = [];
  const missing: string[] = [];
  for (const name of names) {
    const table = await introspector.describe(side.schema, name);
    if (table) out.push(table);
    else missing.push(name);
  }
  if (missing.length > 0)
    throw new DbtwinError(
      ErrorCode.ConfigInvalid,
      `side ${side.name}: no table ${missing.join(', ')} in ${side.schema}`,
      { hint: 'check --tables or sides.<side>.tables' },
    );
  return out;
}

/** Runs DDL on a side, one statement at a time, naming the one that fails. */
async function applyStatements(side: SideConfig, statements: readonly string[]): Promise<void> {
  const driver = await dialectFor(side.engine).createDriver(side.connection);
  try {
    for (const [i, sql] of statements.entries()) {
      try {
        await driver.query(sql);
      } catch (cause) {
        throw new DbtwinError(
          ErrorCode.ApplyRejected,
          `side ${side.name}: statement ${i + 1} of ${statements.length} failed: ${(cause as Error).message}\n${sql}`,
          {
            hint: `the statements before it were applied; fix the cause (or the mapping's override: blocks) and run the rest from the .sql file`,
            cause,
          },
        );
      }
    }
  } finally {
    await driver.close();
  }
}

function sqlText(statements: readonly string[], engine: EngineName): string {
  // SQL*Plus and psql/mysql clients all take `;` after a DDL statement (no PL/SQL blocks here).
  return (
    statements.map((s) => `${s};\n`).join('\n') + (statements.length === 0 ? `-- nothing (${engine})\n` : '')
  );
}

function describeReport(report: CheckReport, from: string, to: string): string {
  const lines = report.problems.map((p: RoundTripProblem) => {
    const where = [p.table, p.column ?? (p.key ? `(${p.key.join(', ')})` : undefined)]
      .filter((x) => x !== undefined)
      .join('.');
    return `${p.severity === 'blocker' ? 'BLOCKER' : 'warning'}  ${p.kind.padEnd(18)} ${where}: ${p.message}${p.rows !== undefined ? ` (${p.rows} rows)` : ''}`;
  });
  const blockers = report.problems.filter((p) => p.severity === 'blocker').length;
  lines.push(
    `${report.safe ? 'safe' : 'NOT safe'} to go bidirectional ${from} <-> ${to}: ${blockers} blockers, ${report.problems.length - blockers} warnings (${report.scanned.tables} tables, ${report.scanned.rows} rows scanned)`,
  );
  return lines.join('\n');
}
