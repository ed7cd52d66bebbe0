import type { EngineDriver, EngineSession } from '../../src/engines/engine-driver.js';
import { prng } from './types-table.js';

/**
 * A MariaDB schema of eleven tables for the schema round trip (issue 6): every MySQL/MariaDB column
 * type (integers signed and unsigned, TINYINT(1)/BOOLEAN, BIT(1)/BIT(n), DECIMAL up to (65,30), FLOAT,
 * FLOAT(M,D), DOUBLE, CHAR/VARCHAR/TINYTEXT…LONGTEXT in utf8mb4, latin1, ascii and a binary
 * collation, BINARY/VARBINARY/TINYBLOB…LONGBLOB, DATE, DATETIME(0…6), TIMESTAMP(0…6), TIME(0/3/6),
 * YEAR, ENUM, SET, JSON), an AUTO_INCREMENT key, composite primary keys (one of them BINARY(16), the
 * usual UUID key), foreign keys between tables including a composite one, secondary and unique
 * indexes; plus a seeded generator of rows with edge values.
 *
 * Table names carry a per-run suffix and so do constraint and index names: PostgreSQL index names
 * are unique per schema and InnoDB foreign-key names per database, so two runs must not share them.
 *
 * Every value is one the replication is expected to carry unchanged, except in `quirks`, whose rows
 * each plant exactly one value that PostgreSQL cannot hold or that Debezium does not report as
 * stored (negative TIME, TIME over 24 h, zero dates written with `sql_mode=''`, TINYINT(1) holding
 * neither 0 nor 1, YEAR 0000, NUL in text): those are what `dbtwin schema check` must predict, one
 * quirk per row so a lost row points at one column.
 */

/** The MariaDB database the fixture lives in (captured by the local stack's connector). */
export const FIXTURE_DATABASE = 'dbtwin';

/** The base names of the fixture's tables, parents before the tables that refer to them. */
export const FIXTURE_TABLES = [
  'customers',
  'products',
  'orders',
  'order_lines',
  'ints',
  'decimals',
  'texts',
  'binaries',
  'temporals',
  'misc',
  'quirks',
] as const;

/** A fixture table's base name. */
export type FixtureTableBase = (typeof FIXTURE_TABLES)[number];

/** One table of the fixture. */
export interface FixtureTable {
  /** The name without the run suffix (`customers`). */
  readonly base: FixtureTableBase;
  /** The name in the database (`rt_customers_123456`). */
  readonly name: string;
  /** `CREATE TABLE` for MariaDB, unqualified (run it with the target database as default). */
  readonly ddl: string;
  /** Columns holding JSON documents: compared by document, not by text (PostgreSQL jsonb rewrites the text). */
  readonly jsonColumns: readonly string[];
}

/** One statement of the fixture's workload, with `?` placeholders. */
export interface FixtureStatement {
  readonly table: string;
  readonly sql: string;
  readonly params: readonly unknown[];
  /**
   * Run with `sql_mode=''`: the only way MariaDB accepts a zero date, planted on purpose because
   * legacy MySQL data holds them and no other engine can.
   */
  readonly lenient?: boolean;
}

/** A value written through a SQL expression instead of one bound placeholder. */
class SqlExpr {
  constructor(
    readonly sql: string,
    readonly params: readonly unknown[],
  ) {}
}

/** BIT(n) values as numbers: a bound string would be taken as the bytes of its characters. */
function bits(value: bigint | number): SqlExpr {
  return new SqlExpr('CAST(? AS UNSIGNED)', [String(value)]);
}

type Row = Record<string, unknown>;

/** Characters random text is drawn from: ASCII, Latin-1, Greek, Cyrillic, CJK, emoji (4-byte), quotes, controls. */
const CHARS = [
  ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789     ',
  'é',
  'ß',
  'ø',
  'Ω',
  'ж',
  '東',
  '京',
  '한',
  '✓',
  '€',
  '😀',
  '🎉',
  '👍🏽',
  "'",
  '"',
  '\\',
  '%',
  '_',
  '\t',
  '\n',
];
/** Characters latin1 columns can hold. */
const LATIN1 = [
  ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ',
  'é',
  'ß',
  'ø',
  'ñ',
  'Ü',
  '£',
];
/** A text with every kind of character the fixture cares about, emoji with skin tone and a ZWJ family included. */
const UNICODE_SAMPLE =
  'Grüße, 東京, Ωμέγα, жизнь, 한국어, 😀🎉👍🏽 👨‍👩‍👧 — “quotes” ‘single’ \'apos\' "dq" back\\slash';
const JSON_DOCS = [
  '{"name": "Zoë 😀", "tags": ["a", "b"], "nested": {"deep": {"deeper": [1, 2, {"x": null}]}}, "n": 1.5e300, "i": -42}',
  '[]',
  '{}',
  '"just a string"',
  '123.456',
  'true',
  'null',
  '{"b": 1, "a": 2, "c": {"z": [true, false, null], "y": "東京"}}',
  '{"esc": "line\\nbreak \\"quoted\\" \\\\ \\u00e9 é", "empty": "", "zero": 0, "neg": -0.5}',
  '[1, "two", 3.0, [4, [5, [6]]], {"seven": 7}]',
];

const pad = (n: number | bigint, width = 2): string => String(n).padStart(width, '0');

/** `YYYY-MM-DD hh:mm:ss[.f…]` of a UTC instant in seconds, with `digits` fractional digits. */
function utcText(seconds: number, fraction: number, digits: number): string {
  const d = new Date(seconds * 1000);
  const base = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return digits === 0 ? base : `${base}.${pad(fraction, 6).slice(0, digits)}`;
}

/**
 * The fixture: the DDL of its tables and the statements of its two workload phases. `seed()` is the
 * data present before `dbtwin schema check` runs (so its scan sees the quirks); `changes()` are the
 * updates, deletes, inserts and a primary-key change made while the links run, with values that all
 * replicate exactly. Both are deterministic for a given seed.
 */
export class MysqlSchemaFixture {
  /** The tables, parents before the tables that refer to them. */
  readonly tables: readonly FixtureTable[];
  private readonly random: () => number;
  /** Live rows per table: key text → the WHERE clause that finds the row. */
  private readonly live = new Map<FixtureTableBase, Map<string, Row>>();
  /** Keys of the edge rows: the changes leave them alone, so their values are still there to compare. */
  private readonly edges = new Set<string>();
  private readonly customers: { email: string; orders: number[] }[] = [];
  private readonly orders = new Map<string, { email: string; orderNo: number; lines: number[] }>();
  private readonly products: string[] = [];
  private readonly productsInUse = new Set<string>();
  private nextOrderNo = 1;
  private customerCount = 0;
  private nextId = new Map<FixtureTableBase, number>();

  constructor(
    readonly suffix: string,
    seed = 6,
  ) {
    this.random = prng(seed);
    this.tables = FIXTURE_TABLES.map((base) => ({
      base,
      name: this.name(base),
      ddl: this.ddlOf(base),
      jsonColumns: base === 'products' ? ['attrs'] : base === 'misc' ? ['doc', 'meta'] : [],
    }));
    for (const base of FIXTURE_TABLES) this.live.set(base, new Map());
  }

  /** The name of a table in the database. */
  name(base: FixtureTableBase): string {
    return `rt_${base}_${this.suffix}`;
  }

  /** The table by base name. */
  table(base: FixtureTableBase): FixtureTable {
    return this.tables.find((t) => t.base === base)!;
  }

  /** Creates the tables through `db` (its default database). */
  async create(db: EngineDriver): Promise<void> {
    for (const t of this.tables) await db.query(t.ddl);
  }

  /** Drops the tables of `database`, children first; missing ones are fine. */
  async drop(db: EngineDriver, database: string): Promise<void> {
    for (const t of [...this.tables].reverse())
      await db.query(`DROP TABLE IF EXISTS \`${database}\`.\`${t.name}\``);
  }

  /**
   * Runs statements in transactions of up to `perTransaction`, in order. Lenient statements run in a
   * transaction of their own with `sql_mode=''`, restored afterwards: the pool's connections are
   * shared and must stay strict.
   */
  static async run(
    db: EngineDriver,
    statements: readonly FixtureStatement[],
    perTransaction = 20,
  ): Promise<void> {
    let batch: FixtureStatement[] = [];
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return;
      const statements = batch;
      batch = [];
      await db.transaction(async (tx) => {
        for (const s of statements) await tx.query(s.sql, s.params);
      });
    };
    for (const s of statements) {
      if (s.lenient) {
        await flush();
        await db.transaction(async (tx: EngineSession) => {
          await tx.query('SET @dbtwin_fixture_sql_mode = @@SESSION.sql_mode');
          await tx.query("SET SESSION sql_mode = ''");
          try {
            await tx.query(s.sql, s.params);
          } finally {
            await tx.query('SET SESSION sql_mode = @dbtwin_fixture_sql_mode');
          }
        });
        continue;
      }
      batch.push(s);
      if (batch.length >= perTransaction) await flush();
    }
    await flush();
  }

  // -------------------------------------------------------------------------------------------------
  // DDL

  private ddlOf(base: FixtureTableBase): string {
    const t = (b: FixtureTableBase): string => this.name(b);
    const s = this.suffix;
    const tail = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci';
    switch (base) {
      case 'customers':
        return `CREATE TABLE ${t(base)} (
  id INT NOT NULL AUTO_INCREMENT,
  email VARCHAR(190) NOT NULL,
  name VARCHAR(100) NOT NULL,
  tier ENUM('free','pro','enterprise') NOT NULL DEFAULT 'free',
  active TINYINT(1) NOT NULL DEFAULT 1,
  balance DECIMAL(14,2) NOT NULL DEFAULT 0.00,
  created_at DATETIME(3) NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uq_rt_customers_email_${s} (email)
) ${tail}`;
      case 'products':
        return `CREATE TABLE ${t(base)} (
  code VARCHAR(32) NOT NULL,
  title VARCHAR(200) NOT NULL,
  price DECIMAL(10,2) UNSIGNED NOT NULL,
  weight_kg FLOAT NULL,
  tags SET('new','sale','fragile','bulky') NOT NULL DEFAULT '',
  attrs JSON NULL,
  PRIMARY KEY (code)
) ${tail}`;
      case 'orders':
        return `CREATE TABLE ${t(base)} (
  customer_id INT NOT NULL,
  order_no SMALLINT UNSIGNED NOT NULL,
  placed_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  status ENUM('new','paid','shipped','cancelled') NOT NULL DEFAULT 'new',
  total DECIMAL(12,2) NULL,
  note TEXT NULL,
  PRIMARY KEY (customer_id, order_no),
  KEY ix_rt_orders_status_${s} (status),
  CONSTRAINT fk_rt_orders_customer_${s} FOREIGN KEY (customer_id) REFERENCES ${t('customers')} (id)
) ${tail}`;
      case 'order_lines':
        return `CREATE TABLE ${t(base)} (
  customer_id INT NOT NULL,
  order_no SMALLINT UNSIGNED NOT NULL,
  line_no TINYINT UNSIGNED NOT NULL,
  product_code VARCHAR(32) NOT NULL,
  qty MEDIUMINT UNSIGNED NOT NULL,
  unit_price DECIMAL(10,2) NOT NULL,
  discount DECIMAL(5,4) NULL,
  PRIMARY KEY (customer_id, order_no, line_no),
  KEY ix_rt_order_lines_product_${s} (product_code),
  CONSTRAINT fk_rt_order_lines_order_${s} FOREIGN KEY (customer_id, order_no) REFERENCES ${t('orders')} (customer_id, order_no),
  CONSTRAINT fk_rt_order_lines_product_${s} FOREIGN KEY (product_code) REFERENCES ${t('products')} (code)
) ${tail}`;
      case 'ints':
        return `CREATE TABLE ${t(base)} (
  id SMALLINT NOT NULL,
  ti TINYINT NULL, tiu TINYINT UNSIGNED NULL,
  si SMALLINT NULL, siu SMALLINT UNSIGNED NULL,
  mi MEDIUMINT NULL, miu MEDIUMINT UNSIGNED NULL,
  i INT NULL, iu INT UNSIGNED NULL,
  bi BIGINT NULL, biu BIGINT UNSIGNED NULL,
  zf INT(6) UNSIGNED ZEROFILL NULL,
  flag TINYINT(1) NULL, bo BOOLEAN NULL,
  b1 BIT(1) NULL, b5 BIT(5) NULL, b64 BIT(64) NULL,
  nn INT NOT NULL DEFAULT 0,
  PRIMARY KEY (id)
) ${tail}`;
      case 'decimals':
        return `CREATE TABLE ${t(base)} (
  region CHAR(2) NOT NULL,
  seq SMALLINT UNSIGNED NOT NULL,
  d52 DECIMAL(5,2) NULL, d100 DECIMAL(10,0) NULL, d1810 DECIMAL(18,10) NULL, d3010 DECIMAL(30,10) NULL,
  d380 DECIMAL(38,0) NULL, d6530 DECIMAL(65,30) NULL, d650 DECIMAL(65,0) NULL,
  du DECIMAL(12,4) UNSIGNED NULL, num NUMERIC(9,3) NULL,
  f FLOAT NULL, f72 FLOAT(7,2) NULL, d DOUBLE NULL,
  PRIMARY KEY (region, seq)
) ${tail}`;
      case 'texts':
        return `CREATE TABLE ${t(base)} (
  id BIGINT UNSIGNED NOT NULL,
  c1 CHAR(1) NULL, c10 CHAR(10) NULL, c255 CHAR(255) NULL,
  vc VARCHAR(255) NULL, vc_long VARCHAR(5000) NULL,
  tt TINYTEXT NULL, tx TEXT NULL, mt MEDIUMTEXT NULL, lt LONGTEXT NULL,
  vc_latin1 VARCHAR(40) CHARACTER SET latin1 COLLATE latin1_swedish_ci NULL,
  c_ascii CHAR(8) CHARACTER SET ascii COLLATE ascii_general_ci NULL,
  vc_bin VARCHAR(40) COLLATE utf8mb4_bin NULL,
  vc_nn VARCHAR(20) NOT NULL DEFAULT '',
  PRIMARY KEY (id),
  UNIQUE KEY uq_rt_texts_vc_bin_${s} (vc_bin)
) ${tail}`;
      case 'binaries':
        return `CREATE TABLE ${t(base)} (
  uid BINARY(16) NOT NULL,
  part TINYINT UNSIGNED NOT NULL,
  bn4 BINARY(4) NULL, vb VARBINARY(255) NULL,
  tb TINYBLOB NULL, b BLOB NULL, mb MEDIUMBLOB NULL, lb LONGBLOB NULL,
  PRIMARY KEY (uid, part)
) ${tail}`;
      case 'temporals':
        return `CREATE TABLE ${t(base)} (
  id INT NOT NULL,
  d DATE NULL,
  dt0 DATETIME NULL, dt1 DATETIME(1) NULL, dt2 DATETIME(2) NULL, dt3 DATETIME(3) NULL,
  dt4 DATETIME(4) NULL, dt5 DATETIME(5) NULL, dt6 DATETIME(6) NULL,
  ts0 TIMESTAMP NULL DEFAULT NULL, ts1 TIMESTAMP(1) NULL DEFAULT NULL, ts2 TIMESTAMP(2) NULL DEFAULT NULL,
  ts3 TIMESTAMP(3) NULL DEFAULT NULL, ts4 TIMESTAMP(4) NULL DEFAULT NULL, ts5 TIMESTAMP(5) NULL DEFAULT NULL,
  ts6 TIMESTAMP(6) NULL DEFAULT NULL,
  t0 TIME NULL, t3 TIME(3) NULL, t6 TIME(6) NULL,
  y YEAR NULL,
  ts_nn TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (id)
) ${tail}`;
      case 'misc':
        return `CREATE TABLE ${t(base)} (
  id INT NOT NULL,
  size ENUM('small','medium','large','x-large') NOT NULL DEFAULT 'medium',
  label ENUM('alpha','beta','größe','日本','😀') NULL,
  perms SET('read','write','admin','audit') NULL,
  flags SET('a','b','c','d','e','f','g','h') NOT NULL DEFAULT '',
  doc JSON NULL,
  meta JSON NOT NULL DEFAULT '{}',
  PRIMARY KEY (id)
) ${tail}`;
      case 'quirks':
        return `CREATE TABLE ${t(base)} (
  id INT NOT NULL,
  label VARCHAR(40) NOT NULL,
  tm TIME(6) NULL, tm0 TIME NULL,
  d DATE NULL, dt DATETIME NULL, ts TIMESTAMP NULL DEFAULT NULL,
  dt_nn DATETIME NOT NULL DEFAULT '2000-01-01 00:00:00',
  flag TINYINT(1) NULL,
  y YEAR NULL,
  note VARCHAR(40) NULL,
  PRIMARY KEY (id)
) ${tail}`;
    }
  }

  // -------------------------------------------------------------------------------------------------
  // Phase 1: the data schema check scans

  /** The rows present before `schema check` runs: edge rows of every table, random rows, the quirks. */
  seed(): FixtureStatement[] {
    const out: FixtureStatement[] = [];
    // Customers by AUTO_INCREMENT, one explicit key in the middle (the sequence continues above it).
    for (let i = 0; i < 40; i++) {
      if (i === 20) out.push(this.insertCustomer(1_000_000));
      out.push(this.insertCustomer());
    }
    for (let i = 0; i < 25; i++) out.push(this.insertProduct());
    for (let i = 0; i < 80; i++) out.push(...this.insertOrder());
    out.push(...this.intEdges());
    this.markEdges('ints');
    for (let i = 0; i < 40; i++) out.push(this.insertRandom('ints'));
    out.push(...this.decimalEdges());
    this.markEdges('decimals');
    for (let i = 0; i < 40; i++) out.push(this.insertRandom('decimals'));
    out.push(...this.textEdges());
    this.markEdges('texts');
    for (let i = 0; i < 20; i++) out.push(this.insertRandom('texts'));
    out.push(...this.binaryEdges());
    this.markEdges('binaries');
    for (let i = 0; i < 20; i++) out.push(this.insertRandom('binaries'));
    out.push(...this.temporalEdges());
    this.markEdges('temporals');
    for (let i = 0; i < 40; i++) out.push(this.insertRandom('temporals'));
    out.push(...this.miscEdges());
    this.markEdges('misc');
    for (let i = 0; i < 20; i++) out.push(this.insertRandom('misc'));
    out.push(...this.quirkRows());
    return out;
  }

  private markEdges(base: FixtureTableBase): void {
    for (const key of this.live.get(base)!.keys()) this.edges.add(`${base}:${key}`);
  }

  // -------------------------------------------------------------------------------------------------
  // Phase 2: changes while the links run

  /**
   * Updates, deletes (children before parents: the foreign keys hold in MariaDB, and cascades would
   * not reach the binlog), inserts and one primary-key change, all with values that replicate exactly.
   */
  changes(): FixtureStatement[] {
    const out: FixtureStatement[] = [];
    for (const c of this.sample(this.customers, 10)) {
      out.push(
        this.update(
          'customers',
          {
            name: this.text(1, 60),
            balance: this.decimal(12, 2, true),
            tier: this.pick(['free', 'pro', 'enterprise']),
          },
          { email: c.email },
        ),
      );
    }
    for (let i = 0; i < 5; i++) out.push(this.insertCustomer());
    for (const code of this.sample(this.products, 5))
      out.push(
        this.update(
          'products',
          { price: this.decimal(8, 2, false), tags: this.set(['new', 'sale', 'fragile', 'bulky']) },
          { code },
        ),
      );
    out.push(this.insertProduct(), this.insertProduct());
    const unused = this.products.find((p) => !this.productsInUse.has(p));
    if (unused) out.push(this.deleteProduct(unused));
    for (const o of this.sample([...this.orders.values()], 10)) {
      out.push(
        this.update(
          'orders',
          {
            status: this.pick(['new', 'paid', 'shipped', 'cancelled']),
            note: this.maybe(() => this.text(0, 300)),
          },
          { customer_id: this.customerId(o.email), order_no: o.orderNo },
        ),
      );
      for (const line of o.lines.slice(0, 2))
        out.push(
          this.update(
            'order_lines',
            { qty: this.int(1, 16_777_215), discount: this.maybe(() => this.decimal(1, 4, false)) },
            { customer_id: this.customerId(o.email), order_no: o.orderNo, line_no: line },
          ),
        );
    }
    for (let i = 0; i < 5; i++) out.push(...this.insertOrder());
    for (const o of this.sample([...this.orders.values()], 3)) out.push(...this.deleteOrder(o));
    for (const c of this.sample(
      this.customers.filter((c) => c.orders.length === 0),
      3,
    ))
      out.push(this.deleteCustomer(c.email));
    for (const base of ['ints', 'decimals', 'texts', 'binaries', 'temporals', 'misc'] as const) {
      const keys = [...this.live.get(base)!.entries()]
        .filter(([key]) => !this.edges.has(`${base}:${key}`))
        .map(([, where]) => where);
      for (const where of this.sample(keys, 8))
        out.push(this.update(base, this.randomRow(base, false), where));
      for (const where of this.sample(keys, 2)) out.push(this.deleteRow(base, where));
      out.push(this.insertRandom(base), this.insertRandom(base));
    }
    // A primary-key change (of a random row: ids 1-6 are the edge rows): Debezium reports it as a
    // delete and a create.
    const moved = [...this.live.get('ints')!.values()].find((w) => (w['id'] as number) > 6);
    if (moved) {
      const to = (moved['id'] as number) + 20_000;
      out.push(this.update('ints', { id: to }, moved));
      this.live.get('ints')!.delete(JSON.stringify(moved));
      this.live.get('ints')!.set(JSON.stringify({ id: to }), { id: to });
    }
    // The control row of quirks changes; so does a quirk row (its change cannot land either).
    out.push(this.update('quirks', { label: 'control, updated' }, { id: 1 }));
    out.push(this.update('quirks', { label: 'negative time, updated' }, { id: 2 }));
    return out;
  }

  // -------------------------------------------------------------------------------------------------
  // Customers, products, orders

  private insertCustomer(explicitId?: number): FixtureStatement {
    const email = `c${++this.customerCount}.${this.suffix}@example.com`;
    this.customers.push({ email, orders: [] });
    this.live.get('customers')!.set(email, { email });
    return this.insert('customers', {
      ...(explicitId === undefined ? {} : { id: explicitId }),
      email,
      name: this.customerCount % 7 === 0 ? UNICODE_SAMPLE : this.text(1, 60),
      tier: this.pick(['free', 'pro', 'enterprise']),
      active: this.int(0, 1),
      balance: this.customerCount === 1 ? '999999999999.99' : this.decimal(12, 2, true),
      created_at: this.datetime(3),
    });
  }

  private deleteCustomer(email: string): FixtureStatement {
    this.customers.splice(
      this.customers.findIndex((c) => c.email === email),
      1,
    );
    this.live.get('customers')!.delete(email);
    return this.deleteRow('customers', { email });
  }

  private insertProduct(): FixtureStatement {
    const n = this.products.length + 1;
    // Keys with non-ASCII characters and case variants (the collation is case-insensitive in MariaDB).
    const code = n % 5 === 0 ? `Prod-ü-${n}` : n % 5 === 1 ? `SKU-${pad(n, 5)}` : `sku_${n}_😀`;
    this.products.push(code);
    this.live.get('products')!.set(code, { code });
    return this.insert('products', {
      code,
      title: this.text(1, 200),
      price: n === 1 ? '99999999.99' : n === 2 ? '0.00' : this.decimal(8, 2, false),
      weight_kg: this.maybe(() => this.int(0, 400_000) / 8),
      tags: this.set(['new', 'sale', 'fragile', 'bulky']),
      attrs: this.maybe(() => this.pick(JSON_DOCS)),
    });
  }

  private deleteProduct(code: string): FixtureStatement {
    this.products.splice(this.products.indexOf(code), 1);
    this.live.get('products')!.delete(code);
    return this.deleteRow('products', { code });
  }

  /** An order of a random customer with 0–4 lines. */
  private insertOrder(): FixtureStatement[] {
    const customer = this.pick(this.customers);
    const orderNo = this.nextOrderNo++;
    const order = { email: customer.email, orderNo, lines: [] as number[] };
    customer.orders.push(orderNo);
    this.orders.set(`${customer.email}|${orderNo}`, order);
    const out = [
      this.insert('orders', {
        customer_id: this.customerId(customer.email),
        order_no: orderNo,
        placed_at: this.timestamp(3),
        status: this.pick(['new', 'paid', 'shipped', 'cancelled']),
        total: this.maybe(() => this.decimal(10, 2, false)),
        note: this.maybe(() => (orderNo % 9 === 0 ? UNICODE_SAMPLE : this.text(0, 300))),
      }),
    ];
    const lines = this.int(0, 4);
    for (let line = 1; line <= lines; line++) {
      const product = this.pick(this.products);
      this.productsInUse.add(product);
      order.lines.push(line);
      out.push(
        this.insert('order_lines', {
          customer_id: this.customerId(customer.email),
          order_no: orderNo,
          line_no: orderNo === 1 ? 255 - lines + line : line,
          product_code: product,
          qty: orderNo === 1 && line === 1 ? 16_777_215 : this.int(1, 1000),
          unit_price: this.decimal(8, 2, true),
          discount: this.maybe(() => this.decimal(1, 4, false)),
        }),
      );
    }
    if (orderNo === 1) order.lines = order.lines.map((l) => 255 - lines + l);
    return out;
  }

  private deleteOrder(order: { email: string; orderNo: number; lines: number[] }): FixtureStatement[] {
    const customerId = this.customerId(order.email);
    const out = order.lines.map((line) =>
      this.deleteRow('order_lines', { customer_id: customerId, order_no: order.orderNo, line_no: line }),
    );
    out.push(this.deleteRow('orders', { customer_id: customerId, order_no: order.orderNo }));
    this.orders.delete(`${order.email}|${order.orderNo}`);
    const customer = this.customers.find((c) => c.email === order.email);
    if (customer) customer.orders = customer.orders.filter((o) => o !== order.orderNo);
    return out;
  }

  /** The customer's AUTO_INCREMENT key, looked up by its unique e-mail when the statement runs. */
  private customerId(email: string): SqlExpr {
    return new SqlExpr(`(SELECT id FROM ${this.name('customers')} WHERE email = ?)`, [email]);
  }

  // -------------------------------------------------------------------------------------------------
  // Edge rows

  private intEdges(): FixtureStatement[] {
    const rows: Row[] = [
      {
        ti: -128,
        tiu: 0,
        si: -32768,
        siu: 0,
        mi: -8388608,
        miu: 0,
        i: -2147483648,
        iu: 0,
        bi: '-9223372036854775808',
        biu: '0',
        zf: 0,
        flag: 0,
        bo: 0,
        b1: bits(0),
        b5: bits(0),
        b64: bits(0n),
        nn: -2147483648,
      },
      {
        ti: 127,
        tiu: 255,
        si: 32767,
        siu: 65535,
        mi: 8388607,
        miu: 16777215,
        i: 2147483647,
        iu: 4294967295,
        bi: '9223372036854775807',
        biu: '18446744073709551615',
        zf: 4294967295,
        flag: 1,
        bo: 1,
        b1: bits(1),
        b5: bits(31),
        b64: bits(18446744073709551615n),
        nn: 2147483647,
      },
      {
        ti: null,
        tiu: null,
        si: null,
        siu: null,
        mi: null,
        miu: null,
        i: null,
        iu: null,
        bi: null,
        biu: null,
        zf: null,
        flag: null,
        bo: null,
        b1: null,
        b5: null,
        b64: null,
        nn: 0,
      },
      {
        ti: -1,
        tiu: 1,
        si: -1,
        siu: 1,
        mi: -1,
        miu: 1,
        i: -1,
        iu: 1,
        bi: '-1',
        biu: '1',
        zf: 42,
        flag: 1,
        bo: 0,
        b1: bits(1),
        b5: bits(16),
        b64: bits(1n),
        nn: 0,
      },
      // Beyond 2^53 (JavaScript numbers lose them) and at 2^63 (past BIGINT's signed range).
      {
        ti: 0,
        tiu: 128,
        si: 0,
        siu: 32768,
        mi: 0,
        miu: 8388608,
        i: 0,
        iu: 2147483648,
        bi: '9007199254740993',
        biu: '9223372036854775808',
        zf: 123456,
        flag: 0,
        bo: 1,
        b1: bits(0),
        b5: bits(21),
        b64: bits(9223372036854775808n),
        nn: 1,
      },
      {
        ti: 1,
        tiu: 254,
        si: 12345,
        siu: 54321,
        mi: -1234567,
        miu: 7654321,
        i: 123456789,
        iu: 3000000000,
        bi: '-9007199254740993',
        biu: '18446744073709551614',
        zf: 7,
        flag: null,
        bo: null,
        b1: bits(1),
        b5: bits(10),
        b64: bits(12345678901234567890n),
        nn: -7,
      },
    ];
    return rows.map((row) => this.insertWithId('ints', row));
  }

  private decimalEdges(): FixtureStatement[] {
    const nines = (n: number): string => '9'.repeat(n);
    const rows: Row[] = [
      {
        d52: '999.99',
        d100: nines(10),
        d1810: `${nines(8)}.${nines(10)}`,
        d3010: `${nines(20)}.${nines(10)}`,
        d380: nines(38),
        d6530: `${nines(35)}.${nines(30)}`,
        d650: nines(65),
        du: '99999999.9999',
        num: '999999.999',
        f: '3.4028234663852886e38',
        f72: '99999.99',
        d: '1.7976931348623157e308',
      },
      {
        d52: '-999.99',
        d100: `-${nines(10)}`,
        d1810: `-${nines(8)}.${nines(10)}`,
        d3010: `-${nines(20)}.${nines(10)}`,
        d380: `-${nines(38)}`,
        d6530: `-${nines(35)}.${nines(30)}`,
        d650: `-${nines(65)}`,
        du: '0.0000',
        num: '-999999.999',
        f: '-3.4028234663852886e38',
        f72: '-99999.99',
        d: '-1.7976931348623157e308',
      },
      {
        d52: '0.01',
        d100: '1',
        d1810: '0.0000000001',
        d3010: '0.0000000001',
        d380: '1',
        d6530: `0.${'0'.repeat(29)}1`,
        d650: '1',
        du: '0.0001',
        num: '0.001',
        f: '1.1754943508222875e-38',
        f72: '0.01',
        d: '2.2250738585072014e-308',
      },
      {
        d52: '0.00',
        d100: '0',
        d1810: '0.0000000000',
        d3010: '0',
        d380: '0',
        d6530: '0',
        d650: '0',
        du: '0',
        num: '0',
        f: '0',
        f72: '0',
        d: '0',
      },
      {
        d52: null,
        d100: null,
        d1810: null,
        d3010: null,
        d380: null,
        d6530: null,
        d650: null,
        du: null,
        num: null,
        f: null,
        f72: null,
        d: null,
      },
      // Floats whose decimal text is not their value: float32 0.1, 1/3 as a double, 2^24 + 1 (rounds to 2^24).
      {
        d52: '-0.01',
        d100: '-1',
        d1810: '-0.0000000001',
        d3010: '12345678901234567890.1234567890',
        d380: '12345678901234567890123456789012345678',
        d6530: '3.141592653589793238462643383279',
        d650: '-12345678901234567890123456789012345678901234567890123456789012345',
        du: '1234.5678',
        num: '-0.001',
        f: '0.1',
        f72: '12345.67',
        d: String(1 / 3),
      },
      {
        d52: '12.34',
        d100: '2147483648',
        d1810: '-12345678.0000000001',
        d3010: '-0.5',
        d380: '-1',
        d6530: '-1',
        d650: '18446744073709551616',
        du: '5',
        num: '5',
        f: '16777217',
        f72: '-0.5',
        d: '1e-300',
      },
    ];
    return rows.map((row, i) =>
      this.insertKeyed('decimals', { region: i % 2 === 0 ? 'EU' : 'ÜS', seq: i }, row),
    );
  }

  private textEdges(): FixtureStatement[] {
    const emoji64 = '😀'.repeat(63) + 'abc'; // TINYTEXT's 255 bytes, full
    const rows: Row[] = [
      {
        c1: '',
        c10: '',
        c255: '',
        vc: '',
        vc_long: '',
        tt: '',
        tx: '',
        mt: '',
        lt: '',
        vc_latin1: '',
        c_ascii: '',
        vc_bin: '',
        vc_nn: '',
      },
      {
        c1: null,
        c10: null,
        c255: null,
        vc: null,
        vc_long: null,
        tt: null,
        tx: null,
        mt: null,
        lt: null,
        vc_latin1: null,
        c_ascii: null,
        vc_bin: null,
        vc_nn: 'not null',
      },
      {
        c1: '😀',
        c10: 'Grüße😀東京',
        c255: UNICODE_SAMPLE,
        vc: UNICODE_SAMPLE,
        vc_long: UNICODE_SAMPLE.repeat(40),
        tt: emoji64,
        tx: UNICODE_SAMPLE.repeat(100),
        mt: UNICODE_SAMPLE.repeat(2000),
        lt: UNICODE_SAMPLE.repeat(5000),
        vc_latin1: 'café crème, Straße, Ñandú £5',
        c_ascii: 'ASCII~!',
        vc_bin: 'Case',
        vc_nn: '👨‍👩‍👧',
      },
      // Spaces: CHAR drops trailing ones on every engine (PAD SPACE), VARCHAR and TEXT keep them.
      {
        c1: ' ',
        c10: '  lead',
        c255: 'trail   ',
        vc: 'trail   ',
        vc_long: '   both   ',
        tt: ' ',
        tx: '\t\n\r ',
        mt: 'x'.repeat(70_000),
        lt: 'y'.repeat(300_000),
        vc_latin1: ' ',
        c_ascii: ' ',
        vc_bin: 'case',
        vc_nn: ' ',
      },
      {
        c1: "'",
        c10: '\\',
        c255: `'";--\\%_`,
        vc: 'O\'Reilly "quoted" back\\slash %_',
        vc_long: 'ж'.repeat(5000),
        tt: 'line1\nline2\r\nline3\ttab',
        tx: '東'.repeat(21_845),
        mt: '😀'.repeat(5_000),
        lt: '€'.repeat(100_000),
        vc_latin1: 'ÿ',
        c_ascii: '\\\'"',
        vc_bin: 'CASE',
        vc_nn: '%',
      },
    ];
    const ids = ['18446744073709551615', '0', '9223372036854775808', '1', '9007199254740993'];
    return rows.map((row, i) => this.insertKeyed('texts', { id: ids[i]! }, row));
  }

  private binaryEdges(): FixtureStatement[] {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const rows: { key: Row; row: Row }[] = [
      {
        key: { uid: Buffer.alloc(16, 0), part: 0 },
        row: {
          bn4: Buffer.alloc(4, 0),
          vb: Buffer.alloc(0),
          tb: Buffer.alloc(0),
          b: Buffer.alloc(0),
          mb: Buffer.alloc(0),
          lb: Buffer.alloc(0),
        },
      },
      {
        key: { uid: Buffer.alloc(16, 0xff), part: 255 },
        row: {
          bn4: Buffer.from([0xff, 0xfe, 0x00, 0x01]),
          vb: all.subarray(0, 255),
          tb: all.subarray(1, 256),
          b: this.bytes(65_535),
          mb: this.bytes(200_000),
          lb: this.bytes(500_000),
        },
      },
      {
        key: { uid: Buffer.from('00112233445566778899aabbccddeeff', 'hex'), part: 1 },
        row: { bn4: null, vb: null, tb: null, b: null, mb: null, lb: null },
      },
      // Shorter than BINARY(n): MariaDB pads with 0x00, and the padded value is what must come back.
      {
        key: { uid: Buffer.from('short'), part: 2 },
        row: {
          bn4: Buffer.from('ab'),
          vb: Buffer.from([0]),
          tb: Buffer.from([0, 0, 0]),
          b: all,
          mb: Buffer.from(UNICODE_SAMPLE),
          lb: Buffer.from([0x5c, 0x27, 0x22]),
        },
      },
    ];
    const statements = rows.map(({ key, row }) => this.insertKeyed('binaries', key, row));
    // Updates and deletes must name the stored (padded) key: BINARY compares every byte.
    const short = { uid: Buffer.from('short'), part: 2 };
    this.live.get('binaries')!.delete(JSON.stringify(short));
    const padded = { uid: Buffer.concat([short.uid, Buffer.alloc(11)]), part: 2 };
    this.live.get('binaries')!.set(JSON.stringify(padded), padded);
    return statements;
  }

  private temporalEdges(): FixtureStatement[] {
    const at = (text: string, digits: number): string =>
      digits === 0 ? text.slice(0, 19) : text.slice(0, 20 + digits);
    const dts = (text: string): Row =>
      Object.fromEntries([0, 1, 2, 3, 4, 5, 6].map((n) => [`dt${n}`, at(text, n)]));
    const tss = (text: string): Row =>
      Object.fromEntries([0, 1, 2, 3, 4, 5, 6].map((n) => [`ts${n}`, at(text, n)]));
    const rows: Row[] = [
      // Range ends: DATE/DATETIME 1000-01-01 … 9999-12-31, TIMESTAMP 1970-01-01 00:00:01 … 2038-01-19 03:14:07.999999 UTC.
      {
        d: '1000-01-01',
        ...dts('1000-01-01 00:00:00.000000'),
        ...tss('1970-01-01 00:00:01.000000'),
        t0: '00:00:00',
        t3: '00:00:00.000',
        t6: '00:00:00.000000',
        y: 1901,
        ts_nn: '1970-01-01 00:00:01.000000',
      },
      {
        d: '9999-12-31',
        ...dts('9999-12-31 23:59:59.999999'),
        ...tss('2038-01-19 03:14:07.999999'),
        t0: '23:59:59',
        t3: '23:59:59.999',
        t6: '23:59:59.999999',
        y: 2155,
        ts_nn: '2038-01-19 03:14:07.999999',
      },
      // Fractions at every precision, a leap day, the Julian/Gregorian switch (no such day in Java's old calendar).
      {
        d: '2024-02-29',
        ...dts('2024-02-29 12:34:56.123456'),
        ...tss('2024-02-29 12:34:56.123456'),
        t0: '12:34:56',
        t3: '12:34:56.789',
        t6: '12:34:56.000001',
        y: 2024,
        ts_nn: '2000-01-01 00:00:00.500000',
      },
      {
        d: '1582-10-10',
        ...dts('1582-10-10 10:10:10.100000'),
        ...tss('1999-12-31 23:59:59.900000'),
        t0: '00:00:01',
        t3: '00:00:00.001',
        t6: '00:00:00.000001',
        y: 1970,
        ts_nn: '2001-09-09 01:46:40.000000',
      },
      {
        d: '1970-01-01',
        ...dts('1970-01-01 00:00:00.000000'),
        ...tss('2000-01-01 00:00:00.000001'),
        t0: '10:00:00',
        t3: '10:00:00.500',
        t6: '10:00:00.999999',
        y: 2000,
        ts_nn: '2020-06-30 23:59:59.999999',
      },
      {
        d: null,
        ...dts('1900-01-01 00:00:00.000000'),
        ...Object.fromEntries([0, 1, 2, 3, 4, 5, 6].map((n) => [`ts${n}`, null])),
        t0: null,
        t3: null,
        t6: null,
        y: null,
        ts_nn: '1970-01-02 00:00:00.000000',
      },
    ];
    return rows.map((row) => this.insertWithId('temporals', row));
  }

  private miscEdges(): FixtureStatement[] {
    const rows: Row[] = [
      { size: 'small', label: 'alpha', perms: '', flags: '', doc: JSON_DOCS[0], meta: '{}' },
      {
        size: 'x-large',
        label: '😀',
        perms: 'read,write,admin,audit',
        flags: 'a,b,c,d,e,f,g,h',
        doc: JSON_DOCS[6],
        meta: '[]',
      },
      { size: 'medium', label: 'größe', perms: 'read', flags: 'h', doc: JSON_DOCS[3], meta: JSON_DOCS[8] },
      {
        size: 'large',
        label: '日本',
        perms: 'audit,read',
        flags: 'a,h',
        doc: JSON_DOCS[4],
        meta: JSON_DOCS[9],
      },
      { size: 'small', label: null, perms: null, flags: '', doc: null, meta: JSON_DOCS[7] },
      { size: 'medium', label: 'beta', perms: 'write', flags: 'c', doc: JSON_DOCS[5], meta: JSON_DOCS[1] },
      {
        size: 'medium',
        label: 'beta',
        perms: 'admin',
        flags: 'd,e',
        doc: JSON_DOCS[2],
        meta: '{"big": 12345678901234567890, "small": 1e-7}',
      },
    ];
    return rows.map((row) => this.insertWithId('misc', row));
  }

  /** One row per quirk (the control row first), so a row that does not come back names its column. */
  private quirkRows(): FixtureStatement[] {
    const normal: Row = {
      tm: '10:00:00.000000',
      tm0: '10:00:00',
      d: '2024-01-01',
      dt: '2024-01-01 00:00:00',
      ts: '2024-01-01 00:00:00',
      dt_nn: '2024-01-01 00:00:00',
      flag: 1,
      y: 2024,
      note: 'plain',
    };
    const quirks: [string, Row, boolean][] = [
      ['control', {}, false],
      ['negative time', { tm: '-12:30:00.250000' }, false],
      ['time over 24 h', { tm0: '100:00:00' }, false],
      ['time at its maximum', { tm: '838:59:59.000000' }, false],
      ['time at its minimum', { tm0: '-838:59:59' }, false],
      ['zero date', { d: '0000-00-00' }, true],
      ['zero datetime', { dt: '0000-00-00 00:00:00' }, true],
      ['zero timestamp', { ts: '0000-00-00 00:00:00' }, true],
      ['zero datetime, not null', { dt_nn: '0000-00-00 00:00:00' }, true],
      ['tinyint(1) holding 5', { flag: 5 }, false],
      ['tinyint(1) holding -1', { flag: -1 }, false],
      ['year 0000', { y: 0 }, false],
      ['NUL in text', { note: 'a\u0000b' }, false],
    ];
    return quirks.map(([label, quirk, lenient], i) => {
      this.live.get('quirks')!.set(JSON.stringify({ id: i + 1 }), { id: i + 1 });
      return this.insert('quirks', { id: i + 1, label, ...normal, ...quirk }, lenient);
    });
  }

  // -------------------------------------------------------------------------------------------------
  // Random rows

  private insertRandom(
    base: 'ints' | 'decimals' | 'texts' | 'binaries' | 'temporals' | 'misc',
  ): FixtureStatement {
    const row = this.randomRow(base, true);
    switch (base) {
      case 'decimals':
        return this.insertKeyed(
          'decimals',
          { region: this.pick(['EU', 'ÜS', 'AP', 'zz']), seq: this.nextKey(base, 100) },
          row,
        );
      case 'texts':
        return this.insertKeyed('texts', { id: String(this.nextKey(base, 1000)) }, row);
      case 'binaries':
        return this.insertKeyed('binaries', { uid: this.bytes(16), part: this.int(0, 255) }, row);
      default:
        return this.insertWithId(base, row);
    }
  }

  /** Random values for every non-key column of a table (`full`) or a random subset of them (updates). */
  private randomRow(
    base: 'ints' | 'decimals' | 'texts' | 'binaries' | 'temporals' | 'misc',
    full: boolean,
  ): Row {
    const gen: Record<string, () => unknown> = this.generators(base);
    const columns = Object.keys(gen).filter(() => full || this.random() < 0.4);
    if (columns.length === 0) columns.push(Object.keys(gen)[0]!);
    return Object.fromEntries(columns.map((c) => [c, gen[c]!()]));
  }

  private generators(
    base: 'ints' | 'decimals' | 'texts' | 'binaries' | 'temporals' | 'misc',
  ): Record<string, () => unknown> {
    const n =
      <T>(f: () => T): (() => T | null) =>
      () =>
        this.maybe(f);
    const i64 = (): string =>
      ((BigInt(this.digits(19)) % 9223372036854775807n) * (this.random() < 0.5 ? -1n : 1n)).toString();
    switch (base) {
      case 'ints':
        return {
          ti: n(() => this.int(-128, 127)),
          tiu: n(() => this.int(0, 255)),
          si: n(() => this.int(-32768, 32767)),
          siu: n(() => this.int(0, 65535)),
          mi: n(() => this.int(-8388608, 8388607)),
          miu: n(() => this.int(0, 16777215)),
          i: n(() => this.int(-2147483648, 2147483647)),
          iu: n(() => this.int(0, 4294967295)),
          bi: n(i64),
          biu: n(() => (BigInt(this.digits(20)) % 18446744073709551616n).toString()),
          zf: n(() => this.int(0, 999999)),
          flag: n(() => this.int(0, 1)),
          bo: n(() => this.int(0, 1)),
          b1: n(() => bits(this.int(0, 1))),
          b5: n(() => bits(this.int(0, 31))),
          b64: n(() => bits(BigInt(this.digits(20)) % 18446744073709551616n)),
          nn: () => this.int(-2147483648, 2147483647),
        };
      case 'decimals':
        return {
          d52: n(() => this.decimal(3, 2, true)),
          d100: n(() => this.decimal(10, 0, true)),
          d1810: n(() => this.decimal(8, 10, true)),
          d3010: n(() => this.decimal(20, 10, true)),
          d380: n(() => this.decimal(38, 0, true)),
          d6530: n(() => this.decimal(35, 30, true)),
          d650: n(() => this.decimal(65, 0, true)),
          du: n(() => this.decimal(8, 4, false)),
          num: n(() => this.decimal(6, 3, true)),
          // FLOAT in quarters and FLOAT(7,2) in cents, DOUBLE with 15 significant digits: each is one exact binary value.
          f: n(() => this.int(-4_000_000, 4_000_000) / 4),
          f72: n(() => (this.int(-9_999_999, 9_999_999) / 100).toFixed(2)),
          d: n(() => Number(((this.random() - 0.5) * 2e12).toPrecision(15))),
        };
      case 'texts':
        return {
          c1: n(() => this.text(1, 1).trimEnd()),
          c10: n(() => this.text(0, 10).trimEnd()),
          c255: n(() => this.text(0, 255).trimEnd()),
          vc: n(() => this.text(0, 255)),
          vc_long: n(() => this.text(0, 5000)),
          tt: n(() => this.ascii(0, 255)),
          tx: n(() => this.text(0, 2000)),
          mt: n(() => this.text(0, 20_000)),
          lt: n(() => this.text(0, 40_000)),
          vc_latin1: n(() => this.latin1(0, 40)),
          c_ascii: n(() => this.ascii(0, 8).trimEnd()),
          vc_bin: n(() => `${this.ascii(1, 20)}#${this.nextKey('texts', 1000)}`),
          vc_nn: () => this.text(0, 20),
        };
      case 'binaries':
        return {
          bn4: n(() => this.bytes(4)),
          vb: n(() => this.bytes(this.int(0, 255))),
          tb: n(() => this.bytes(this.int(0, 255))),
          b: n(() => this.bytes(this.int(0, 2000))),
          mb: n(() => this.bytes(this.int(0, 20_000))),
          lb: n(() => this.bytes(this.int(0, 40_000))),
        };
      case 'temporals':
        return {
          d: n(() => this.date()),
          ...Object.fromEntries([0, 1, 2, 3, 4, 5, 6].map((p) => [`dt${p}`, n(() => this.datetime(p))])),
          ...Object.fromEntries([0, 1, 2, 3, 4, 5, 6].map((p) => [`ts${p}`, n(() => this.timestamp(p))])),
          t0: n(() => this.time(0)),
          t3: n(() => this.time(3)),
          t6: n(() => this.time(6)),
          y: n(() => this.int(1901, 2155)),
          ts_nn: () => this.timestamp(6),
        };
      case 'misc':
        return {
          size: () => this.pick(['small', 'medium', 'large', 'x-large']),
          label: n(() => this.pick(['alpha', 'beta', 'größe', '日本', '😀'])),
          perms: n(() => this.set(['read', 'write', 'admin', 'audit'])),
          flags: () => this.set(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']),
          doc: n(() =>
            JSON.stringify({
              k: this.int(-1e6, 1e6),
              s: this.text(0, 20),
              a: [this.random() < 0.5, null, this.int(0, 9) / 4],
            }),
          ),
          meta: () => this.pick(JSON_DOCS),
        };
    }
  }

  // -------------------------------------------------------------------------------------------------
  // Statements

  private insertWithId(base: FixtureTableBase, row: Row): FixtureStatement {
    return this.insertKeyed(base, { id: this.nextKey(base, 1) }, row);
  }

  private insertKeyed(base: FixtureTableBase, key: Row, row: Row): FixtureStatement {
    this.live.get(base)!.set(JSON.stringify(key), key);
    return this.insert(base, { ...key, ...row });
  }

  private insert(base: FixtureTableBase, row: Row, lenient = false): FixtureStatement {
    const params: unknown[] = [];
    const values = Object.values(row).map((v) => this.placeholder(v, params));
    return {
      table: this.name(base),
      sql: `INSERT INTO ${this.name(base)} (${Object.keys(row).join(', ')}) VALUES (${values.join(', ')})`,
      params,
      ...(lenient ? { lenient } : {}),
    };
  }

  private update(base: FixtureTableBase, set: Row, where: Row): FixtureStatement {
    const params: unknown[] = [];
    const assignments = Object.entries(set).map(([c, v]) => `${c} = ${this.placeholder(v, params)}`);
    const conditions = Object.entries(where).map(([c, v]) => `${c} = ${this.placeholder(v, params)}`);
    return {
      table: this.name(base),
      sql: `UPDATE ${this.name(base)} SET ${assignments.join(', ')} WHERE ${conditions.join(' AND ')}`,
      params,
    };
  }

  private deleteRow(base: FixtureTableBase, where: Row): FixtureStatement {
    this.live.get(base)!.delete(JSON.stringify(where));
    const params: unknown[] = [];
    const conditions = Object.entries(where).map(([c, v]) => `${c} = ${this.placeholder(v, params)}`);
    return {
      table: this.name(base),
      sql: `DELETE FROM ${this.name(base)} WHERE ${conditions.join(' AND ')}`,
      params,
    };
  }

  private placeholder(value: unknown, params: unknown[]): string {
    if (value instanceof SqlExpr) {
      params.push(...value.params);
      return value.sql;
    }
    params.push(value);
    return '?';
  }

  private nextKey(base: FixtureTableBase, first: number): number {
    const next = this.nextId.get(base) ?? first;
    this.nextId.set(base, next + 1);
    return next;
  }

  // -------------------------------------------------------------------------------------------------
  // Values

  private int(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min + 1));
  }

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }

  private sample<T>(items: readonly T[], n: number): T[] {
    const copy = [...items];
    const out: T[] = [];
    while (out.length < n && copy.length > 0)
      out.push(copy.splice(Math.floor(this.random() * copy.length), 1)[0]!);
    return out;
  }

  private maybe<T>(f: () => T): T | null {
    return this.random() < 0.1 ? null : f();
  }

  private digits(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += String(this.int(0, 9));
    return s;
  }

  /** A decimal with up to `whole` integer digits and exactly `scale` fractional ones. */
  private decimal(whole: number, scale: number, signed: boolean): string {
    const int = BigInt(this.digits(this.int(1, whole))).toString();
    const sign = signed && this.random() < 0.5 ? '-' : '';
    return scale === 0 ? `${sign}${int}` : `${sign}${int}.${this.digits(scale)}`;
  }

  /** Up to `max` characters (code points, as MariaDB counts them; some picks are two, like 👍🏽). */
  private text(min: number, max: number): string {
    const n = this.int(min, max);
    let s = '';
    for (let length = 0; length < n;) {
      const c = this.pick(CHARS);
      const size = [...c].length;
      if (length + size > n) continue;
      s += c;
      length += size;
    }
    return s;
  }

  private ascii(min: number, max: number): string {
    const n = this.int(min, max);
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode(this.int(32, 126));
    return s;
  }

  private latin1(min: number, max: number): string {
    const n = this.int(min, max);
    let s = '';
    for (let i = 0; i < n; i++) s += this.pick(LATIN1);
    return s;
  }

  private bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = this.int(0, 255);
    return out;
  }

  private set(members: readonly string[]): string {
    return members.filter(() => this.random() < 0.5).join(',');
  }

  private date(): string {
    return `${this.int(1000, 9999)}-${pad(this.int(1, 12))}-${pad(this.int(1, 28))}`;
  }

  private datetime(digits: number): string {
    return `${this.date()} ${pad(this.int(0, 23))}:${pad(this.int(0, 59))}:${pad(this.int(0, 59))}${digits === 0 ? '' : `.${this.digits(digits)}`}`;
  }

  /** A TIMESTAMP inside its range (UTC; the driver's sessions run in UTC). */
  private timestamp(digits: number): string {
    return utcText(this.int(1, 2_147_483_647), this.int(0, 999_999), digits);
  }

  private time(digits: number): string {
    return `${pad(this.int(0, 23))}:${pad(this.int(0, 59))}:${pad(this.int(0, 59))}${digits === 0 ? '' : `.${this.digits(digits)}`}`;
  }
}
