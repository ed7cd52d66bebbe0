import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CompiledStatement } from '../../src/engines/dialect.js';
import type { EngineSession } from '../../src/engines/engine-driver.js';
import {
  CHECKS_SQL,
  COLUMN_DETAILS_SQL,
  COLUMNS_SQL,
  FOREIGN_KEYS_SQL,
  INDEXES_SQL,
  KEYS_SQL,
  OracleIntrospector,
  TABLE_COMMENT_SQL,
} from '../../src/engines/oracle/oracle-introspector.js';
import { formatPlsqlErrors, plsqlSyntaxErrors } from '../support/plsql-grammar.js';

/**
 * OracleIntrospector.describe without a server (none runs here; the live check is
 * test/integration/schema-introspection.test.ts with ORACLE_URL): its catalog queries parse with the
 * PL/SQL grammar and take the owner and table only as binds, and catalog rows shaped as node-oracledb
 * Thin returns them (OUT_FORMAT_OBJECT, upper-case keys, NUMBER as text, LONG as text) become the
 * expected SchemaTable.
 */

const DESCRIBE_SQL = {
  COLUMNS_SQL,
  KEYS_SQL,
  COLUMN_DETAILS_SQL,
  CHECKS_SQL,
  FOREIGN_KEYS_SQL,
  INDEXES_SQL,
  TABLE_COMMENT_SQL,
};

/** A session answering each catalog query with canned rows, recording what was asked. */
function fakeSession(answers: ReadonlyMap<string, Record<string, unknown>[]>): {
  session: EngineSession;
  calls: { sql: string; params: readonly unknown[] }[];
} {
  const calls: { sql: string; params: readonly unknown[] }[] = [];
  const session: EngineSession = {
    query: (sql, params = []) => {
      calls.push({ sql, params });
      const rows = answers.get(sql);
      if (rows === undefined) return Promise.reject(new Error(`unexpected SQL: ${sql}`));
      return Promise.resolve(rows);
    },
    execute: (_statement: CompiledStatement) => Promise.reject(new Error('execute is not used')),
  };
  return { session, calls };
}

const col = (
  name: string,
  id: number,
  type: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> => ({
  COLUMN_NAME: name,
  COLUMN_ID: String(id),
  DATA_TYPE: type,
  DATA_PRECISION: null,
  DATA_SCALE: null,
  CHAR_LENGTH: '0',
  CHAR_USED: null,
  DATA_LENGTH: '22',
  NULLABLE: 'Y',
  DATA_DEFAULT: null,
  IDENTITY_COLUMN: 'NO',
  ...extra,
});

/** A parent table as the catalog shows it: identity key, unique key, virtual column, checks, indexes. */
const PARENT = new Map<string, Record<string, unknown>[]>([
  [
    COLUMNS_SQL,
    [
      col('ID', 1, 'NUMBER', {
        DATA_PRECISION: '19',
        DATA_SCALE: '0',
        NULLABLE: 'N',
        DATA_DEFAULT: '"APP"."ISEQ$$_73512".nextval',
        IDENTITY_COLUMN: 'YES',
      }),
      col('TENANT', 2, 'VARCHAR2', { CHAR_LENGTH: '20', CHAR_USED: 'C', NULLABLE: 'N' }),
      col('CODE', 3, 'VARCHAR2', { CHAR_LENGTH: '30', CHAR_USED: 'C', NULLABLE: 'N' }),
      col('QTY', 4, 'NUMBER', { DATA_PRECISION: '10', DATA_SCALE: '0' }),
      col('TOTAL', 5, 'NUMBER', { DATA_DEFAULT: '"QTY"*2 ' }),
      col('CREATED_AT', 6, 'TIMESTAMP(6)', { DATA_SCALE: '6', DATA_DEFAULT: 'SYSTIMESTAMP ' }),
      col('TAG', 7, 'VARCHAR2', { CHAR_LENGTH: '10', CHAR_USED: 'B' }),
    ],
  ],
  [
    KEYS_SQL,
    [
      { CONSTRAINT_NAME: 'PARENT_PK', CONSTRAINT_TYPE: 'P', COLUMN_NAME: 'ID', POSITION: '1' },
      { CONSTRAINT_NAME: 'PARENT_UK', CONSTRAINT_TYPE: 'U', COLUMN_NAME: 'TENANT', POSITION: '1' },
      { CONSTRAINT_NAME: 'PARENT_UK', CONSTRAINT_TYPE: 'U', COLUMN_NAME: 'CODE', POSITION: '2' },
    ],
  ],
  [
    COLUMN_DETAILS_SQL,
    [
      {
        COLUMN_NAME: 'ID',
        VIRTUAL_COLUMN: 'NO',
        DATA_DEFAULT: '"APP"."ISEQ$$_73512".nextval',
        DEFAULT_ON_NULL: 'YES',
        GENERATION_TYPE: 'BY DEFAULT',
        COMMENTS: null,
      },
      {
        COLUMN_NAME: 'TENANT',
        VIRTUAL_COLUMN: 'NO',
        DATA_DEFAULT: null,
        DEFAULT_ON_NULL: 'NO',
        GENERATION_TYPE: null,
        COMMENTS: null,
      },
      {
        COLUMN_NAME: 'CODE',
        VIRTUAL_COLUMN: 'NO',
        DATA_DEFAULT: null,
        DEFAULT_ON_NULL: 'NO',
        GENERATION_TYPE: null,
        COMMENTS: 'business code',
      },
      {
        COLUMN_NAME: 'QTY',
        VIRTUAL_COLUMN: 'NO',
        DATA_DEFAULT: null,
        DEFAULT_ON_NULL: 'NO',
        GENERATION_TYPE: null,
        COMMENTS: null,
      },
      {
        COLUMN_NAME: 'TOTAL',
        VIRTUAL_COLUMN: 'YES',
        DATA_DEFAULT: '"QTY"*2 ',
        DEFAULT_ON_NULL: 'NO',
        GENERATION_TYPE: null,
        COMMENTS: 'twice the quantity',
      },
      {
        COLUMN_NAME: 'CREATED_AT',
        VIRTUAL_COLUMN: 'NO',
        DATA_DEFAULT: 'SYSTIMESTAMP ',
        DEFAULT_ON_NULL: 'NO',
        GENERATION_TYPE: null,
        COMMENTS: null,
      },
      {
        COLUMN_NAME: 'TAG',
        VIRTUAL_COLUMN: 'NO',
        DATA_DEFAULT: null,
        DEFAULT_ON_NULL: 'NO',
        GENERATION_TYPE: null,
        COMMENTS: null,
      },
    ],
  ],
  [
    CHECKS_SQL,
    [
      // NOT NULL constraints of ID, TENANT, CODE: `nullable: false`, not checks.
      { CONSTRAINT_NAME: 'SYS_C008101', SEARCH_CONDITION: '"ID" IS NOT NULL' },
      { CONSTRAINT_NAME: 'SYS_C008102', SEARCH_CONDITION: '"TENANT" IS NOT NULL' },
      { CONSTRAINT_NAME: 'CODE_NN', SEARCH_CONDITION: '"CODE" IS NOT NULL' },
      { CONSTRAINT_NAME: 'PARENT_CK', SEARCH_CONDITION: 'qty >= 0' },
      // A check that reads like a NOT NULL constraint on a nullable column is a real check.
      { CONSTRAINT_NAME: 'TAG_SET', SEARCH_CONDITION: '"TAG" IS NOT NULL' },
    ],
  ],
  [FOREIGN_KEYS_SQL, []],
  [
    INDEXES_SQL,
    [
      // DESC is a function-based column whose expression is the quoted column name.
      {
        INDEX_NAME: 'PARENT_IX',
        UNIQUENESS: 'NONUNIQUE',
        COLUMN_NAME: 'QTY',
        COLUMN_POSITION: '1',
        DESCEND: 'ASC',
        COLUMN_EXPRESSION: null,
      },
      {
        INDEX_NAME: 'PARENT_IX',
        UNIQUENESS: 'NONUNIQUE',
        COLUMN_NAME: 'SYS_NC00008$',
        COLUMN_POSITION: '2',
        DESCEND: 'DESC',
        COLUMN_EXPRESSION: '"CREATED_AT"',
      },
      // An expression index has no IndexInfo form: left out.
      {
        INDEX_NAME: 'PARENT_UPPER_IX',
        UNIQUENESS: 'NONUNIQUE',
        COLUMN_NAME: 'SYS_NC00009$',
        COLUMN_POSITION: '1',
        DESCEND: 'ASC',
        COLUMN_EXPRESSION: 'UPPER("CODE")',
      },
      // A unique index that backs no constraint is a unique key.
      {
        INDEX_NAME: 'PARENT_TAG_UX',
        UNIQUENESS: 'UNIQUE',
        COLUMN_NAME: 'TAG',
        COLUMN_POSITION: '1',
        DESCEND: 'ASC',
        COLUMN_EXPRESSION: null,
      },
    ],
  ],
  [TABLE_COMMENT_SQL, [{ COMMENTS: 'parent table' }]],
]);

/** A child table: composite key, a two-column foreign key to PARENT in another schema. */
const CHILD = new Map<string, Record<string, unknown>[]>([
  [
    COLUMNS_SQL,
    [
      col('PARENT_ID', 1, 'NUMBER', { DATA_PRECISION: '19', DATA_SCALE: '0', NULLABLE: 'N' }),
      col('PARENT_CODE', 2, 'VARCHAR2', { CHAR_LENGTH: '30', CHAR_USED: 'C', NULLABLE: 'N' }),
      col('LINE', 3, 'NUMBER', { DATA_PRECISION: '10', DATA_SCALE: '0', NULLABLE: 'N' }),
    ],
  ],
  [
    KEYS_SQL,
    [
      { CONSTRAINT_NAME: 'CHILD_PK', CONSTRAINT_TYPE: 'P', COLUMN_NAME: 'PARENT_ID', POSITION: '1' },
      { CONSTRAINT_NAME: 'CHILD_PK', CONSTRAINT_TYPE: 'P', COLUMN_NAME: 'LINE', POSITION: '2' },
    ],
  ],
  [COLUMN_DETAILS_SQL, []],
  [CHECKS_SQL, []],
  [
    FOREIGN_KEYS_SQL,
    [
      {
        CONSTRAINT_NAME: 'CHILD_FK',
        DELETE_RULE: 'CASCADE',
        COLUMN_NAME: 'PARENT_CODE',
        POSITION: '1',
        R_OWNER: 'OTHER',
        R_TABLE_NAME: 'PARENT',
        R_COLUMN_NAME: 'CODE',
      },
      {
        CONSTRAINT_NAME: 'CHILD_FK',
        DELETE_RULE: 'CASCADE',
        COLUMN_NAME: 'PARENT_ID',
        POSITION: '2',
        R_OWNER: 'OTHER',
        R_TABLE_NAME: 'PARENT',
        R_COLUMN_NAME: 'ID',
      },
      {
        CONSTRAINT_NAME: 'CHILD_FK2',
        DELETE_RULE: 'SET NULL',
        COLUMN_NAME: 'PARENT_ID',
        POSITION: '1',
        R_OWNER: 'APP',
        R_TABLE_NAME: 'PARENT',
        R_COLUMN_NAME: 'ID',
      },
    ],
  ],
  [INDEXES_SQL, []],
  [TABLE_COMMENT_SQL, [{ COMMENTS: null }]],
]);

describe('OracleIntrospector.describe', () => {
  it('catalog queries parse with the PL/SQL grammar and bind only :1 (owner) and :2 (table)', () => {
    for (const [name, sql] of Object.entries(DESCRIBE_SQL)) {
      const errors = plsqlSyntaxErrors(sql);
      assert.deepEqual(errors, [], `${name}:\n${formatPlsqlErrors(sql, errors)}`);
      assert.deepEqual([...new Set(sql.match(/:\w+/g))].sort(), [':1', ':2'], name);
      assert.doesNotMatch(sql, /\$\{|'[^']*(app|parent)[^']*'/i, `${name} has no table name in its text`);
    }
  });

  it('folds unquoted names, binds them, and reads keys, identity, virtual column, checks and indexes', async () => {
    const { session, calls } = fakeSession(PARENT);
    const table = await new OracleIntrospector(session).describe('app', 'parent');
    assert.ok(table);
    assert.ok(calls.every((c) => c.params.length === 2 && c.params[0] === 'APP' && c.params[1] === 'PARENT'));
    assert.deepEqual(
      new Set(calls.map((c) => c.sql)),
      new Set(Object.values(DESCRIBE_SQL)),
      'every describe query, each once',
    );
    assert.equal(calls.length, Object.keys(DESCRIBE_SQL).length);

    assert.equal(table.schema, 'APP');
    assert.equal(table.name, 'PARENT');
    const byName = new Map(table.columns.map((c) => [c.name, c]));
    const id = byName.get('ID');
    assert.equal(id?.identity, 'by-default-on-null');
    assert.equal(id?.autoIncrement, true);
    assert.equal(id?.defaultValue, undefined, 'the identity sequence call is no default');
    const total = byName.get('TOTAL');
    assert.equal(total?.generatedAs, '"QTY"*2');
    assert.equal(total?.defaultValue, undefined);
    assert.equal(total?.comment, 'twice the quantity');
    assert.equal(byName.get('CODE')?.comment, 'business code');
    assert.equal(byName.get('CREATED_AT')?.defaultValue, 'SYSTIMESTAMP');
    assert.equal(byName.get('CREATED_AT')?.identity, undefined);
    assert.equal(byName.get('CREATED_AT')?.generatedAs, undefined);

    assert.deepEqual(table.primaryKey, ['ID']);
    assert.equal(table.primaryKeyName, 'PARENT_PK');
    assert.deepEqual(table.uniqueKeyInfo, [
      { name: 'PARENT_UK', columns: ['TENANT', 'CODE'] },
      { name: 'PARENT_TAG_UX', columns: ['TAG'] },
    ]);
    assert.deepEqual(table.uniqueKeys, [['TENANT', 'CODE'], ['TAG']]);
    assert.deepEqual(table.checks, [
      { name: 'PARENT_CK', expression: 'qty >= 0' },
      { name: 'TAG_SET', expression: '"TAG" IS NOT NULL' },
    ]);
    assert.deepEqual(table.indexes, [
      { name: 'PARENT_IX', columns: [{ name: 'QTY' }, { name: 'CREATED_AT', descending: true }] },
    ]);
    assert.deepEqual(table.foreignKeys, []);
    assert.equal(table.comment, 'parent table');
    assert.equal(table.charset, undefined);
  });

  it('reads foreign keys in key order, with DELETE_RULE and no ON UPDATE', async () => {
    const { session } = fakeSession(CHILD);
    const table = await new OracleIntrospector(session).describe('APP', '"CHILD"');
    assert.ok(table);
    assert.equal(table.primaryKeyName, 'CHILD_PK');
    assert.deepEqual(table.primaryKey, ['PARENT_ID', 'LINE']);
    assert.deepEqual(table.foreignKeys, [
      {
        name: 'CHILD_FK',
        columns: ['PARENT_CODE', 'PARENT_ID'],
        refSchema: 'OTHER',
        refTable: 'PARENT',
        refColumns: ['CODE', 'ID'],
        onDelete: 'cascade',
        onUpdate: 'no action',
      },
      {
        name: 'CHILD_FK2',
        columns: ['PARENT_ID'],
        refSchema: 'APP',
        refTable: 'PARENT',
        refColumns: ['ID'],
        onDelete: 'set null',
        onUpdate: 'no action',
      },
    ]);
    assert.deepEqual(table.indexes, []);
    assert.deepEqual(table.uniqueKeyInfo, []);
    assert.equal(table.comment, undefined);
  });

  it('reports a missing table as undefined after one query', async () => {
    const { session, calls } = fakeSession(new Map([[COLUMNS_SQL, []]]));
    assert.equal(await new OracleIntrospector(session).describe('APP', 'NOPE'), undefined);
    assert.equal(calls.length, 1);
  });

  it('identity ALWAYS and BY DEFAULT without ON NULL', async () => {
    const answers = new Map(PARENT);
    answers.set(
      COLUMN_DETAILS_SQL,
      PARENT.get(COLUMN_DETAILS_SQL)!.map((r) =>
        r['COLUMN_NAME'] === 'ID'
          ? { ...r, GENERATION_TYPE: 'ALWAYS' }
          : r['COLUMN_NAME'] === 'QTY'
            ? { ...r, GENERATION_TYPE: 'BY DEFAULT', DEFAULT_ON_NULL: 'NO' }
            : r,
      ),
    );
    const table = await new OracleIntrospector(fakeSession(answers).session).describe('APP', 'PARENT');
    assert.equal(table?.columns.find((c) => c.name === 'ID')?.identity, 'always');
    assert.equal(table?.columns.find((c) => c.name === 'QTY')?.identity, 'by-default');
  });
});
