import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { LinkConfig, SideConfig } from '../../src/config/dbtwin-config.js';
import type { Introspector, SchemaTable, TableInfo } from '../../src/engines/dialect.js';
import { TableRouter } from '../../src/pipeline/table-router.js';
import { table } from '../support/table-fixtures.js';

/** A catalog of fixed tables (the router only reads it). */
function catalog(tables: readonly TableInfo[]): Introspector {
  const find = (schema: string, name: string): TableInfo | undefined =>
    tables.find((t) => t.schema === schema && t.name === name);
  return {
    table: (schema, name) => Promise.resolve(find(schema, name)),
    tables: (schema) => Promise.resolve(tables.filter((t) => t.schema === schema).map((t) => t.name)),
    describe: () => Promise.resolve<SchemaTable | undefined>(undefined),
  };
}

function side(name: string, engine: SideConfig['engine'], schema: string): SideConfig {
  return {
    name,
    engine,
    connection: { host: 'h', port: 1, user: 'u', password: 'p', database: 'd' },
    topicPrefix: name,
    schema,
    tables: [],
    capture: { mode: 'none' },
  };
}

describe('TableRouter with a mapping file’s renames', () => {
  const target = table(
    'SHOP',
    'ORDERS_V2',
    [
      ['ID', 'number'],
      ['AMOUNT', 'number'],
      ['NOTE', 'varchar2'],
    ],
    ['ID'],
  );
  const link: LinkConfig = {
    name: 'mariadb->oracle',
    from: 'mariadb',
    to: 'oracle',
    tables: { orders: 'ORDERS_V2' },
    batchMaxRows: 10,
    truncate: 'skip',
    retry: { initialMs: 1, maxMs: 2 },
    concurrency: 1,
    columns: { orders: { total: 'AMOUNT' } },
  };
  const router = new TableRouter(
    link,
    side('mariadb', 'mysql', 'shop'),
    side('oracle', 'oracle', 'SHOP'),
    catalog([target]),
  );

  it('routes a renamed column to its target name, and the others by name (case folded)', async () => {
    const route = await router.route('shop.orders');
    assert.equal(route.target.name, 'ORDERS_V2');
    assert.equal(route.column('total')?.name, 'AMOUNT');
    assert.equal(route.column('id')?.name, 'ID');
    assert.equal(route.column('note')?.name, 'NOTE');
    assert.equal(route.column('missing'), undefined);
  });
});
