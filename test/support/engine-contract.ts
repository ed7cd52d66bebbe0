import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { DbtwinError } from '../../src/core/dbtwin-error.js';
import { ErrorCode } from '../../src/core/error-codes.js';
import { type JsonScalar, valueToJson } from '../../src/core/value-json.js';
import type { Value } from '../../src/core/values.js';
import type { ColumnInfo, Dialect, SqlCompiler, TableInfo, TypeCodec } from '../../src/engines/dialect.js';
import type { ConnectionOptions, EngineDriver, EngineSession } from '../../src/engines/engine-driver.js';

/** The two tables the contract needs: `wide` (one column per value family) and `composite` (a two-column key). */
export type TableShape = 'wide' | 'composite';

/**
 * One engine as the contract suite runs it. Column names below are the logical (lower-case) names;
 * the suite finds the table's real columns case-insensitively, so an engine that folds unquoted names
 * to upper case (Oracle) needs nothing special. A wide-table column an engine cannot declare may be
 * left out of its DDL: the suite then skips it.
 */
export interface EngineCase {
  /** Shown in the test names. */
  readonly name: string;
  readonly dialect: Dialect;
  /** Where to connect, or why the engine is skipped on this machine (reported as a skip, never silently). */
  readonly connection: ConnectionOptions | { readonly skip: string };
  /** Schema (MySQL: database) that holds the test tables. */
  readonly schema: string;
  /**
   * DDL creating `table`.
   * - `wide`: id BIGINT primary key, name VARCHAR(100) NOT NULL, code VARCHAR(20) UNIQUE, and nullable
   *   amount DECIMAL(30,10), big BIGINT UNSIGNED (PostgreSQL numeric(20,0)), ratio DOUBLE, flag
   *   TINYINT(1)/boolean, born DATE, seen_at DATETIME(6)/timestamp(6), at_tz TIMESTAMP(6)/timestamptz(6),
   *   span TIME(6)/time(6), doc JSON/jsonb, payload BLOB/bytea.
   * - `composite`: tenant VARCHAR(20), seq INT, label VARCHAR(50) NULL, primary key (tenant, seq).
   */
  createTable(table: string, shape: TableShape): string[];
  /** DDL dropping `table` if it exists. */
  dropTable(table: string): string[];
  /** The placeholder of the `n`th (1-based) parameter, for the suite's hand-written statements. */
  param(n: number): string;
  /** Expected `ColumnInfo.dataType` of wide-table columns, by logical name. */
  readonly dataTypes: Readonly<Record<string, string>>;
  /** Vendor codes (substrings of `ClassifiedError.vendorCode`) of a unique-key duplicate and of a deadlock. */
  readonly vendorCodes: { readonly duplicate: string; readonly deadlock: string };
  /**
   * The value the engine reads back for `value` written into `column`, where the engine's canonical
   * form differs from what was written but means the same (MySQL TINYINT(1): `true` → `1`). Default: `value`.
   */
  canonical?(column: string, value: Value): Value;
}

type LogicalRow = Readonly<Record<string, Value>>;

const WIDE_COLUMNS = [
  'id',
  'name',
  'code',
  'amount',
  'big',
  'ratio',
  'flag',
  'born',
  'seen_at',
  'at_tz',
  'span',
  'doc',
  'payload',
] as const;

/** Days since 1970-01-01, computed with Date (independently of the code under test). */
function days(y: number, m: number, d: number): number {
  const date = new Date(0);
  date.setUTCFullYear(y, m - 1, d);
  return Math.round(date.getTime() / 86_400_000);
}

function micros(y: number, m: number, d: number, h: number, mi: number, s: number, us: number): bigint {
  return BigInt(days(y, m, d)) * 86_400_000_000n + BigInt(h * 3600 + mi * 60 + s) * 1_000_000n + BigInt(us);
}

const dec = (unscaled: bigint): Value => ({ type: 'decimal', unscaled, scale: 10 });
const date = (y: number, m: number, d: number): Value => ({ type: 'date', days: days(y, m, d) });
const ts = (...p: [number, number, number, number, number, number, number]): Value => ({
  type: 'timestamp',
  micros: micros(...p),
  nanos: 0,
});
const tstz = (...p: [number, number, number, number, number, number, number]): Value => ({
  type: 'timestamptz',
  micros: micros(...p),
  nanos: 0,
});
const time = (h: number, mi: number, s: number, us: number): Value => ({
  type: 'time',
  micros: BigInt(h * 3600 + mi * 60 + s) * 1_000_000n + BigInt(us),
});
const json = (text: string): Value => ({ type: 'json', text });
const bytes = (...b: number[]): Value => Uint8Array.from(b);

/**
 * Rows exercising every family at its edges: 30-digit decimals, 2^64−1, the BIGINT minimum, pre-1970
 * and year-1 dates, microseconds, the MySQL TIMESTAMP range ends, non-ASCII and quote characters,
 * binary with 0x00 bytes, JSON text kept verbatim (already in the spelling every engine prints),
 * NULLs and the empty string.
 */
const ROWS: readonly LogicalRow[] = [
  {
    id: 1n,
    name: 'Zoë — 日本語 🎉',
    code: 'A-1',
    amount: dec(123456789012345678901234567890n),
    big: 18446744073709551615n,
    ratio: 1.2345678901234567,
    flag: true,
    born: date(2024, 2, 29),
    seen_at: ts(2024, 2, 29, 23, 59, 59, 123456),
    at_tz: tstz(2024, 3, 1, 12, 0, 0, 1),
    span: time(23, 59, 59, 999999),
    doc: json('{"a": 1, "b": [true, null, "ü"]}'),
    payload: bytes(0, 1, 2, 0, 255),
  },
  {
    id: 2n,
    name: `it's "quoted" \\ and ; -- not a comment`,
    code: 'B-2',
    amount: dec(-1n),
    big: 0n,
    ratio: -1.5e-300,
    flag: false,
    born: date(1900, 1, 1),
    seen_at: ts(1969, 12, 31, 23, 59, 59, 999999),
    at_tz: tstz(1970, 1, 1, 0, 0, 1, 0),
    span: time(0, 0, 0, 0),
    doc: json('[]'),
    payload: bytes(0),
  },
  {
    id: 3n,
    name: 'all nulls',
    code: null,
    amount: null,
    big: null,
    ratio: null,
    flag: null,
    born: null,
    seen_at: null,
    at_tz: null,
    span: null,
    doc: null,
    payload: null,
  },
  {
    id: -9223372036854775808n,
    name: 'edges',
    code: '',
    amount: dec(-999999999999999999999999999999n),
    big: 9223372036854775808n,
    ratio: 0,
    flag: 1,
    born: date(1, 1, 1),
    seen_at: ts(9999, 12, 31, 23, 59, 59, 999999),
    at_tz: tstz(2038, 1, 19, 3, 14, 7, 999999),
    span: time(12, 0, 0, 500000),
    doc: json('{"big": 12345678901234567890}'),
    payload: bytes(),
  },
];

/** Registers the engine contract (node:test `describe`/`it`) for one engine against its real database. */
export function runEngineContract(engine: EngineCase): void {
  const connection = engine.connection;
  if ('skip' in connection) {
    describe(`engine contract: ${engine.name}`, { skip: connection.skip }, () => {
      it('runs against a live database', () => undefined);
    });
    return;
  }

  describe(`engine contract: ${engine.name}`, () => {
    const run = `${Date.now().toString(36)}${process.pid.toString(36)}`.slice(-10);
    const wideName = `dbt_w${run}`;
    const compositeName = `dbt_c${run}`;
    let driver: EngineDriver;
    let compiler: SqlCompiler;
    let codec: TypeCodec;
    let wide: TableInfo;
    let composite: TableInfo;

    /** The real column of a logical name, or undefined when the engine's DDL left it out. */
    const col = (table: TableInfo, logical: string): ColumnInfo | undefined =>
      table.columns.find((c) => c.name.toLowerCase() === logical);
    const mustCol = (table: TableInfo, logical: string): ColumnInfo => {
      const found = col(table, logical);
      assert.ok(found, `${table.name} has column ${logical}`);
      return found;
    };
    const present = (table: TableInfo, logical: readonly string[]): string[] =>
      logical.filter((name) => col(table, name) !== undefined);

    const canonical = (column: string, value: Value): Value =>
      engine.canonical ? engine.canonical(column, value) : value;

    async function runAll(
      session: EngineSession,
      statements: ReturnType<SqlCompiler['upsert']>,
    ): Promise<void> {
      for (const statement of statements) await session.execute(statement);
    }

    /** Upserts logical rows into a table, encoding every value for its column. */
    async function upsert(
      table: TableInfo,
      rows: readonly LogicalRow[],
      logical: readonly string[],
    ): Promise<void> {
      const names = present(table, logical);
      const columns = names.map((n) => mustCol(table, n));
      const encoded = rows.map((row) => columns.map((c, i) => codec.encode(row[names[i]!] ?? null, c)));
      await driver.transaction((tx) =>
        runAll(
          tx,
          compiler.upsert(
            table,
            columns.map((c) => c.name),
            encoded,
          ),
        ),
      );
    }

    function keyOf(table: TableInfo, row: LogicalRow): unknown[] {
      return table.primaryKey.map((pk) =>
        codec.encode(row[pk.toLowerCase()] ?? null, mustCol(table, pk.toLowerCase())),
      );
    }

    /** Current rows for the keys of `rows`, decoded and in JSON form, by logical column name. */
    async function readBack(
      table: TableInfo,
      rows: readonly LogicalRow[],
    ): Promise<Record<string, JsonScalar>[]> {
      const out: Record<string, JsonScalar>[] = [];
      const keys = rows.map((r) => keyOf(table, r));
      for (const statement of compiler.selectByKeys(table, keys)) {
        for (const raw of (await driver.execute(statement)).rows) {
          const row: Record<string, JsonScalar> = {};
          for (const c of table.columns)
            row[c.name.toLowerCase()] = valueToJson(codec.decode(raw[c.name], c));
          out.push(row);
        }
      }
      return out;
    }

    /** The JSON form the engine should read back for logical rows, ordered like `actual`. */
    function expected(table: TableInfo, rows: readonly LogicalRow[]): Record<string, JsonScalar>[] {
      return rows.map((row) => {
        const out: Record<string, JsonScalar> = {};
        for (const c of table.columns) {
          const name = c.name.toLowerCase();
          out[name] = valueToJson(canonical(name, row[name] ?? null));
        }
        return out;
      });
    }

    /** Rows sorted by their key's JSON form, so engines' result order does not matter. */
    function sorted(table: TableInfo, rows: Record<string, JsonScalar>[]): Record<string, JsonScalar>[] {
      const key = (r: Record<string, JsonScalar>): string =>
        JSON.stringify(table.primaryKey.map((pk) => r[pk.toLowerCase()]));
      return [...rows].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    }

    async function assertRows(table: TableInfo, rows: readonly LogicalRow[]): Promise<void> {
      assert.deepEqual(sorted(table, await readBack(table, rows)), sorted(table, expected(table, rows)));
    }

    async function countRows(table: TableInfo): Promise<number> {
      const [row] = await driver.query(
        `SELECT COUNT(*) AS n FROM ${compiler.quoteIdentifier(table.schema)}.${compiler.quoteIdentifier(table.name)}`,
      );
      return Number(Object.values(row ?? {})[0]);
    }

    before(async () => {
      driver = await engine.dialect.createDriver(connection);
      compiler = engine.dialect.createCompiler(await driver.serverVersion());
      codec = engine.dialect.createCodec();
      for (const [name, shape] of [
        [wideName, 'wide'],
        [compositeName, 'composite'],
      ] as const) {
        for (const sql of engine.dropTable(name)) await driver.query(sql);
        for (const sql of engine.createTable(name, shape)) await driver.query(sql);
      }
      const introspector = engine.dialect.createIntrospector(driver);
      const w = await introspector.table(engine.schema, wideName);
      const c = await introspector.table(engine.schema, compositeName);
      assert.ok(w && c, 'the test tables are found');
      wide = w;
      composite = c;
    });

    after(async () => {
      if (!driver) return;
      for (const name of [wideName, compositeName]) {
        for (const sql of engine.dropTable(name)) await driver.query(sql).catch(() => undefined);
      }
      await driver.close();
    });

    it('introspects columns, types, precision/scale, nullability and keys', () => {
      assert.deepEqual(
        wide.columns.map((c) => c.name.toLowerCase()),
        present(wide, WIDE_COLUMNS),
      );
      assert.deepEqual(
        wide.columns.map((c) => c.position),
        wide.columns.map((_, i) => i + 1),
      );
      for (const [name, dataType] of Object.entries(engine.dataTypes)) {
        assert.equal(mustCol(wide, name).dataType, dataType, `dataType of ${name}`);
      }
      const amount = mustCol(wide, 'amount');
      assert.equal(amount.precision, 30);
      assert.equal(amount.scale, 10);
      assert.equal(amount.nullable, true);
      assert.equal(mustCol(wide, 'name').length, 100);
      assert.equal(mustCol(wide, 'name').nullable, false);
      assert.equal(mustCol(wide, 'id').nullable, false);
      assert.equal(mustCol(wide, 'seen_at').fractionDigits, 6);
      assert.deepEqual(
        wide.primaryKey.map((c) => c.toLowerCase()),
        ['id'],
      );
      assert.deepEqual(
        wide.uniqueKeys.map((k) => k.map((c) => c.toLowerCase())),
        [['code']],
      );
      assert.deepEqual(
        composite.primaryKey.map((c) => c.toLowerCase()),
        ['tenant', 'seq'],
      );
    });

    it('reports a missing table as undefined and lists the test tables', async () => {
      const introspector = engine.dialect.createIntrospector(driver);
      assert.equal(await introspector.table(engine.schema, `dbt_missing_${run}`), undefined);
      const names = await introspector.tables(engine.schema);
      assert.ok(names.includes(wide.name) && names.includes(composite.name), 'tables() lists both');
      assert.deepEqual(names, [...names].sort());
    });

    it('upserts a batch and reads back exactly the values written', async () => {
      await upsert(wide, ROWS, WIDE_COLUMNS);
      await assertRows(wide, ROWS);
    });

    it('applying the same batch twice leaves the same rows', async () => {
      await upsert(wide, ROWS, WIDE_COLUMNS);
      await upsert(wide, ROWS, WIDE_COLUMNS);
      await assertRows(wide, ROWS);
      assert.equal(await countRows(wide), ROWS.length);
    });

    it('an upsert changing some rows updates those and inserts new ones, leaving the rest', async () => {
      const changed: LogicalRow[] = [
        { ...ROWS[0]!, name: 'renamed', amount: dec(5n), payload: bytes(9, 0, 9) },
        { ...ROWS[2]!, flag: true, born: date(1970, 1, 1) },
        { ...ROWS[1]!, id: 5n, code: 'E-5' },
      ];
      await upsert(wide, changed, WIDE_COLUMNS);
      await assertRows(wide, [changed[0]!, ROWS[1]!, changed[1]!, ROWS[3]!, changed[2]!]);
    });

    it('upserting a subset of columns leaves the other columns as they were', async () => {
      await upsert(wide, [{ id: 2n, name: 'only the name' }], ['id', 'name']);
      await assertRows(wide, [{ ...ROWS[1]!, name: 'only the name' }]);
    });

    it('deletes by key, and deleting a missing key is no error', async () => {
      const keys = [keyOf(wide, { id: 5n }), keyOf(wide, { id: 424242n })];
      await driver.transaction((tx) => runAll(tx, compiler.deleteByKeys(wide, keys)));
      assert.deepEqual(await readBack(wide, [{ id: 5n }]), []);
      assert.equal(await countRows(wide), ROWS.length);
    });

    it('handles a composite key: upsert, select, update, key-only upsert, delete', async () => {
      const all = ['tenant', 'seq', 'label'];
      const rows: LogicalRow[] = [
        { tenant: 'acme', seq: 1, label: 'a' },
        { tenant: 'acme', seq: 2, label: 'b' },
        { tenant: 'zeta', seq: 1, label: 'c' },
      ];
      await upsert(composite, rows, all);
      await assertRows(composite, rows);
      assert.deepEqual(await readBack(composite, [{ tenant: 'none', seq: 9 }]), []);
      await upsert(composite, [{ tenant: 'acme', seq: 2, label: 'B' }], all);
      // Every written column is a key column: an existing row stays as it is, a new one is inserted.
      for (let i = 0; i < 2; i++) {
        await upsert(
          composite,
          [
            { tenant: 'acme', seq: 1 },
            { tenant: 'new', seq: 5 },
          ],
          ['tenant', 'seq'],
        );
      }
      const expectedRows: LogicalRow[] = [
        rows[0]!,
        { tenant: 'acme', seq: 2, label: 'B' },
        rows[2]!,
        { tenant: 'new', seq: 5, label: null },
      ];
      await assertRows(composite, expectedRows);
      const gone = [keyOf(composite, rows[0]!), keyOf(composite, { tenant: 'missing', seq: 0 })];
      await driver.transaction((tx) => runAll(tx, compiler.deleteByKeys(composite, gone)));
      await assertRows(composite, expectedRows.slice(1));
      assert.equal(await countRows(composite), 3);
    });

    it('splits a batch larger than one statement allows and applies all of it', async () => {
      const width = present(wide, WIDE_COLUMNS).length;
      const count = Math.ceil(65_535 / width) + 50;
      const rows: LogicalRow[] = Array.from({ length: count }, (_, i) => ({
        ...ROWS[0]!,
        id: 1_000_000n + BigInt(i),
        code: null,
        name: `bulk ${i}`,
      }));
      const names = present(wide, WIDE_COLUMNS);
      const columns = names.map((n) => mustCol(wide, n));
      const statements = compiler.upsert(
        wide,
        columns.map((c) => c.name),
        rows.map((row) => columns.map((c, i) => codec.encode(row[names[i]!] ?? null, c))),
      );
      assert.ok(statements.length >= 2, `split into ${statements.length} statements`);
      await driver.transaction((tx) => runAll(tx, statements));
      assert.equal(await countRows(wide), ROWS.length + count);
      const back = await readBack(wide, rows);
      assert.equal(back.length, count);
      assert.deepEqual(sorted(wide, back).slice(0, 3), sorted(wide, expected(wide, rows)).slice(0, 3));
      await driver.transaction((tx) =>
        runAll(
          tx,
          compiler.deleteByKeys(
            wide,
            rows.map((r) => keyOf(wide, r)),
          ),
        ),
      );
      assert.equal(await countRows(wide), ROWS.length);
    });

    it('encode rejects values that do not fit with ValueDoesNotFit naming the column', () => {
      const cases: [string, Value][] = [
        ['amount', { type: 'decimal', unscaled: 10n ** 21n, scale: 0 }],
        ['amount', { type: 'decimal', unscaled: 123456789012n, scale: 11 }],
        ['name', 'x'.repeat(101)],
        ['id', 2n ** 63n],
        ['id', 'not a number'],
        ['big', -1.5],
        ['name', null],
      ];
      for (const [name, value] of cases) {
        const column = mustCol(wide, name);
        assert.throws(
          () => codec.encode(value, column),
          (e: unknown) =>
            e instanceof DbtwinError &&
            e.code === ErrorCode.ValueDoesNotFit &&
            e.message.includes(column.name),
          `${name} rejects ${String(valueToJson(value))}`,
        );
      }
      // Extra fraction digits that are zeros do fit.
      assert.doesNotThrow(() =>
        codec.encode({ type: 'decimal', unscaled: 1_500_000_000_000n, scale: 12 }, mustCol(wide, 'amount')),
      );
    });

    it('classifies a duplicate in a unique non-key column as poison', async () => {
      const insert = (id: bigint): Promise<unknown> =>
        driver.query(
          `INSERT INTO ${compiler.quoteIdentifier(wide.schema)}.${compiler.quoteIdentifier(wide.name)} (${[
            'id',
            'name',
            'code',
          ]
            .map((n) => compiler.quoteIdentifier(mustCol(wide, n).name))
            .join(', ')}) VALUES (${engine.param(1)}, ${engine.param(2)}, ${engine.param(3)})`,
          [codec.encode(id, mustCol(wide, 'id')), 'dup', 'DUP-1'],
        );
      await insert(60n);
      const error = await insert(61n).then(
        () => assert.fail('the duplicate was accepted'),
        (e: unknown) => e,
      );
      const verdict = engine.dialect.createErrorClassifier().classify(error);
      assert.equal(verdict.class, 'poison', verdict.reason);
      assert.ok(verdict.vendorCode.includes(engine.vendorCodes.duplicate), verdict.vendorCode);
      await driver.transaction((tx) => runAll(tx, compiler.deleteByKeys(wide, [keyOf(wide, { id: 60n })])));
    });

    it('classifies a deadlock as retriable', async () => {
      const nameCol = mustCol(wide, 'name');
      const touch = (tx: EngineSession, id: bigint, name: string): Promise<void> =>
        runAll(
          tx,
          compiler.upsert(
            wide,
            [mustCol(wide, 'id').name, nameCol.name],
            [[...keyOf(wide, { id }), codec.encode(name, nameCol)]],
          ),
        );
      const gate = (): { wait: Promise<void>; open: () => void } => {
        let open = (): void => undefined;
        const wait = new Promise<void>((resolve) => (open = resolve));
        return { wait, open };
      };
      const firstHolds1 = gate();
      const secondHolds2 = gate();
      const first = driver.transaction(async (tx) => {
        try {
          await touch(tx, 1n, 'deadlock first 1');
        } finally {
          firstHolds1.open();
        }
        await secondHolds2.wait;
        await touch(tx, 2n, 'deadlock first 2');
      });
      const second = driver.transaction(async (tx) => {
        await firstHolds1.wait;
        try {
          await touch(tx, 2n, 'deadlock second 2');
        } finally {
          secondHolds2.open();
        }
        // Let the first transaction block on row 2 before this one asks for row 1.
        await new Promise((resolve) => setTimeout(resolve, 300));
        await touch(tx, 1n, 'deadlock second 1');
      });
      const results = await Promise.allSettled([first, second]);
      const failed = results.filter((r) => r.status === 'rejected');
      assert.equal(failed.length, 1, 'exactly one transaction is the deadlock victim');
      const verdict = engine.dialect.createErrorClassifier().classify(failed[0]!.reason);
      assert.equal(verdict.class, 'retriable', verdict.reason);
      assert.ok(verdict.vendorCode.includes(engine.vendorCodes.deadlock), verdict.vendorCode);
    });

    it('classifies a connection to a closed port as retriable', async () => {
      const server = createServer();
      const port = await new Promise<number>((resolve) =>
        server.listen(0, '127.0.0.1', () => {
          const address = server.address();
          resolve(typeof address === 'object' && address ? address.port : 0);
        }),
      );
      await new Promise((resolve) => server.close(resolve));
      const error = await engine.dialect.createDriver({ ...connection, host: '127.0.0.1', port }).then(
        async (d) => {
          await d.close();
          return assert.fail('connected to a closed port');
        },
        (e: unknown) => e,
      );
      const verdict = engine.dialect.createErrorClassifier().classify(error);
      assert.equal(verdict.class, 'retriable', verdict.reason);
    });

    it('rolls back the whole transaction when a statement inside it fails', async () => {
      const row: LogicalRow = { ...ROWS[0]!, id: 50n, code: 'TX-50' };
      const error = await driver
        .transaction(async (tx) => {
          const names = present(wide, WIDE_COLUMNS);
          const columns = names.map((n) => mustCol(wide, n));
          await runAll(
            tx,
            compiler.upsert(
              wide,
              columns.map((c) => c.name),
              [columns.map((c, i) => codec.encode(row[names[i]!] ?? null, c))],
            ),
          );
          // NULL into the NOT NULL name column, bound as is (the codec would refuse it).
          await tx.query(
            `INSERT INTO ${compiler.quoteIdentifier(wide.schema)}.${compiler.quoteIdentifier(wide.name)} (${compiler.quoteIdentifier(mustCol(wide, 'id').name)}, ${compiler.quoteIdentifier(mustCol(wide, 'name').name)}) VALUES (${engine.param(1)}, ${engine.param(2)})`,
            [codec.encode(51n, mustCol(wide, 'id')), null],
          );
        })
        .then(
          () => assert.fail('the transaction committed'),
          (e: unknown) => e,
        );
      assert.equal(engine.dialect.createErrorClassifier().classify(error).class, 'poison');
      assert.deepEqual(await readBack(wide, [row]), []);
    });
  });
}
