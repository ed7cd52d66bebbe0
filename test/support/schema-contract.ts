import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ColumnInfo, Dialect, Introspector, SchemaTable } from '../../src/engines/dialect.js';
import type { ConnectionOptions, EngineDriver } from '../../src/engines/engine-driver.js';

/**
 * The names of one run's objects, in lower case. Engines that fold unquoted names to upper case
 * (Oracle) store them upper-cased; the suite compares names case-insensitively.
 */
export interface SchemaNames {
  readonly parent: string;
  readonly child: string;
  /** The parent's composite unique key (tenant, code). */
  readonly uniqueKey: string;
  /** The parent's check constraint (qty >= 0). */
  readonly check: string;
  /** The child's composite primary key (parent_id, line), where the engine lets it be named. */
  readonly childPrimaryKey: string;
  /** The child's foreign key (parent_id) → parent (id) ON DELETE CASCADE. */
  readonly foreignKey: string;
  /** The child's secondary index (note, created_at DESC). */
  readonly index: string;
}

/**
 * One engine as the schema-introspection suite runs it. The DDL creates, in the case's schema:
 *
 * - `parent`: `id` an identity/AUTO_INCREMENT primary key; `tenant` VARCHAR(20) NOT NULL and `code`
 *   VARCHAR(30) NOT NULL with the unique key `uniqueKey` (tenant, code); `qty` INT NULL with the check
 *   `check` (qty >= 0); `total` generated as qty * 2 with the comment `twice the quantity`; the table
 *   comment `parent table`; then any engine-specific columns (`parentExtras`).
 * - `child`: `parent_id` BIGINT NOT NULL, `line` INT NOT NULL, primary key (parent_id, line) named
 *   `childPrimaryKey`; `note` VARCHAR(50) NULL, `created_at` a timestamp NULL; the foreign key
 *   `foreignKey` (parent_id) → parent (id) ON DELETE CASCADE (ON UPDATE NO ACTION where the engine
 *   has ON UPDATE); the non-unique index `index` on (note, created_at DESC). Nothing else: no other
 *   index, key or check.
 */
export interface SchemaCase {
  /** Shown in the test names. */
  readonly name: string;
  readonly dialect: Dialect;
  /** Where to connect, or why the engine is skipped on this machine (reported as a skip, never silently). */
  readonly connection: ConnectionOptions | { readonly skip: string };
  /** Schema (MySQL: database) that holds the test tables. */
  readonly schema: string;
  /** Makes sure the schema (MySQL: database) exists before the suite connects to it; optional. */
  prepare?(): Promise<void>;
  createTables(names: SchemaNames): string[];
  /** Drops both tables if they exist, child first. */
  dropTables(names: SchemaNames): string[];
  /** What this engine reports where engines legitimately differ. */
  readonly expect: SchemaExpectations;
}

/** Per-engine expectations of {@link SchemaCase}. */
export interface SchemaExpectations {
  /** `identity` of parent.id. */
  readonly identity: NonNullable<ColumnInfo['identity']>;
  /** The child's `primaryKeyName` (MySQL: always `PRIMARY`), case-insensitively. */
  childPrimaryKeyName(names: SchemaNames): string;
  /** Whether the server keeps DESC in an index (MariaDB before 10.8 accepts and ignores it). */
  descendingIndexes(serverVersion: string): boolean;
  /** `prefixLength` of the index's `note` part, when the DDL indexes only a prefix (MySQL). */
  readonly notePrefixLength?: number;
  /** Engine-specific parent columns after `total`, with what each must report. */
  readonly parentExtras?: Readonly<Record<string, Partial<ColumnInfo>>>;
  /** The parent's table `charset`/`collation` (MySQL); undefined where the engine has none. */
  readonly charset?: string;
  readonly collation?: string;
}

const PARENT_COLUMNS = ['id', 'tenant', 'code', 'qty', 'total'] as const;
const CHILD_COLUMNS = ['parent_id', 'line', 'note', 'created_at'] as const;

/** Every engine prints `qty >= 0` its own way: `(qty >= 0)`, `` `qty` >= 0 ``, `qty >= 0`, any case. */
const CHECK_EXPRESSION = /^\(?\s*[`"]?qty[`"]?\s*>=\s*0\s*\)?$/i;
/** `(qty * 2)`, `` `qty` * 2 ``, `"QTY"*2`. */
const GENERATED_EXPRESSION = /^\(?\s*[`"]?qty[`"]?\s*\*\s*2\s*\)?$/i;

/** The names of the objects of one run (short enough for Oracle's 30-byte limit before 12.2). */
export function schemaNames(run: string): SchemaNames {
  return {
    parent: `dbt_p${run}`,
    child: `dbt_c${run}`,
    uniqueKey: `dbt_p${run}_uk`,
    check: `dbt_p${run}_ck`,
    childPrimaryKey: `dbt_c${run}_pk`,
    foreignKey: `dbt_c${run}_fk`,
    index: `dbt_c${run}_ix`,
  };
}

const lower = (names: readonly string[]): string[] => names.map((n) => n.toLowerCase());

/** A column of a described table by logical name, failing the test when it is not there. */
function column(table: SchemaTable, logical: string): ColumnInfo {
  const found = table.columns.find((c) => c.name.toLowerCase() === logical);
  assert.ok(found, `${table.name} has column ${logical}`);
  return found;
}

/**
 * Registers the `Introspector.describe` contract (node:test `describe`/`it`) for one engine against its
 * real database: the keys, foreign key, index, check, identity, generated column and comments the
 * DDL declares are reported exactly (names case-insensitively), and nothing else.
 */
export function runSchemaContract(engine: SchemaCase): void {
  const connection = engine.connection;
  if ('skip' in connection) {
    describe(`schema introspection: ${engine.name}`, { skip: connection.skip }, () => {
      it('describes tables of a live database', () => undefined);
    });
    return;
  }

  describe(`schema introspection: ${engine.name}`, () => {
    const run = `${Date.now().toString(36)}${process.pid.toString(36)}`.slice(-10);
    const names = schemaNames(run);
    const expect = engine.expect;
    let driver: EngineDriver;
    let introspector: Introspector;
    let serverVersion: string;
    let parent: SchemaTable;
    let child: SchemaTable;

    before(async () => {
      await engine.prepare?.();
      driver = await engine.dialect.createDriver(connection);
      serverVersion = await driver.serverVersion();
      for (const sql of engine.dropTables(names)) await driver.query(sql);
      for (const sql of engine.createTables(names)) await driver.query(sql);
      introspector = engine.dialect.createIntrospector(driver);
      const p = await introspector.describe(engine.schema, names.parent);
      const c = await introspector.describe(engine.schema, names.child);
      assert.ok(p && c, 'describe finds both test tables');
      parent = p;
      child = c;
    });

    after(async () => {
      if (!driver) return;
      for (const sql of engine.dropTables(names)) await driver.query(sql).catch(() => undefined);
      await driver.close();
    });

    it('reports the parent columns with identity, generated expression and comment', () => {
      const extras = expect.parentExtras ?? {};
      assert.equal(parent.name.toLowerCase(), names.parent);
      assert.equal(parent.schema.toLowerCase(), engine.schema.toLowerCase());
      assert.deepEqual(lower(parent.columns.map((c) => c.name)), [...PARENT_COLUMNS, ...Object.keys(extras)]);
      const id = column(parent, 'id');
      assert.equal(id.identity, expect.identity);
      assert.equal(id.autoIncrement, true);
      assert.equal(id.nullable, false);
      assert.equal(id.generatedAs, undefined);
      const total = column(parent, 'total');
      assert.match(total.generatedAs ?? '', GENERATED_EXPRESSION);
      assert.equal(total.comment, 'twice the quantity');
      assert.equal(total.identity, undefined);
      assert.equal(total.defaultValue, undefined, 'a generated column has no default');
      for (const name of ['tenant', 'code', 'qty']) {
        const c = column(parent, name);
        assert.deepEqual([c.identity, c.generatedAs, c.comment], [undefined, undefined, undefined], name);
      }
      for (const [name, expected] of Object.entries(extras)) {
        const actual = column(parent, name);
        for (const [field, value] of Object.entries(expected))
          assert.deepEqual(actual[field as keyof ColumnInfo], value, `${name}.${field}`);
      }
    });

    it('reports the parent keys, check, table comment and charset, and no index or foreign key', () => {
      assert.deepEqual(lower(parent.primaryKey), ['id']);
      assert.deepEqual(
        parent.uniqueKeyInfo.map((k) => ({ name: k.name.toLowerCase(), columns: lower(k.columns) })),
        [{ name: names.uniqueKey, columns: ['tenant', 'code'] }],
      );
      assert.deepEqual(
        parent.uniqueKeys.map((k) => lower(k)),
        [['tenant', 'code']],
      );
      assert.deepEqual(
        parent.checks.map((c) => c.name.toLowerCase()),
        [names.check],
        'only the declared check (no JSON or NOT NULL checks the engine made)',
      );
      assert.match(parent.checks[0]!.expression, CHECK_EXPRESSION);
      assert.deepEqual(parent.foreignKeys, []);
      assert.deepEqual(parent.indexes, [], 'indexes backing keys are not secondary indexes');
      assert.equal(parent.comment, 'parent table');
      assert.equal(parent.charset, expect.charset);
      assert.equal(parent.collation, expect.collation);
    });

    it('reports the child composite primary key, foreign key and descending index', () => {
      assert.deepEqual(lower(child.columns.map((c) => c.name)), [...CHILD_COLUMNS]);
      assert.deepEqual(lower(child.primaryKey), ['parent_id', 'line']);
      assert.equal(child.primaryKeyName?.toLowerCase(), expect.childPrimaryKeyName(names).toLowerCase());
      assert.deepEqual(child.uniqueKeyInfo, []);
      assert.deepEqual(child.uniqueKeys, []);
      assert.deepEqual(
        child.foreignKeys.map((fk) => ({
          ...fk,
          name: fk.name.toLowerCase(),
          columns: lower(fk.columns),
          refSchema: fk.refSchema.toLowerCase(),
          refTable: fk.refTable.toLowerCase(),
          refColumns: lower(fk.refColumns),
        })),
        [
          {
            name: names.foreignKey,
            columns: ['parent_id'],
            refSchema: engine.schema.toLowerCase(),
            refTable: names.parent,
            refColumns: ['id'],
            onDelete: 'cascade',
            onUpdate: 'no action',
          },
        ],
      );
      const descending = expect.descendingIndexes(serverVersion);
      assert.deepEqual(
        child.indexes.map((ix) => ({
          name: ix.name.toLowerCase(),
          columns: ix.columns.map((c) => ({ ...c, name: c.name.toLowerCase() })),
        })),
        [
          {
            name: names.index,
            columns: [
              {
                name: 'note',
                ...(expect.notePrefixLength === undefined ? {} : { prefixLength: expect.notePrefixLength }),
              },
              { name: 'created_at', ...(descending ? { descending: true } : {}) },
            ],
          },
        ],
      );
      assert.deepEqual(child.checks, []);
      assert.equal(child.comment, undefined);
    });

    it('agrees with table() on columns and keys', async () => {
      for (const described of [parent, child]) {
        const table = await introspector.table(engine.schema, described.name);
        assert.ok(table, `table() finds ${described.name}`);
        assert.deepEqual(
          described.columns.map((c) => [c.name, c.position, c.dataType, c.columnType, c.nullable]),
          table.columns.map((c) => [c.name, c.position, c.dataType, c.columnType, c.nullable]),
        );
        assert.deepEqual(described.primaryKey, table.primaryKey);
        assert.deepEqual(described.uniqueKeys, table.uniqueKeys);
      }
    });

    it('reports a missing table as undefined', async () => {
      assert.equal(await introspector.describe(engine.schema, `dbt_missing_${run}`), undefined);
    });
  });
}
