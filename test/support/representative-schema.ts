import type {
  ColumnInfo,
  ForeignKeyInfo,
  IndexInfo,
  KeyInfo,
  SchemaTable,
} from '../../src/engines/dialect.js';

/**
 * Representative catalogs as each engine's `Introspector.describe()` reports them, for the schema
 * translation tests (and anyone else who needs a realistic schema without a database):
 *
 * - {@link REPRESENTATIVE_MYSQL_SCHEMA}: a shop in MySQL/MariaDB with every MySQL column type, signed
 *   and unsigned, composite primary and foreign keys, AUTO_INCREMENT, defaults, checks, indexes
 *   (one with a prefix), comments, reserved and mixed-case names and names too long for Oracle 11g.
 * - {@link REPRESENTATIVE_ORACLE_SCHEMA}: the Oracle types (NUMBER in all its forms, VARCHAR2 BYTE
 *   and CHAR, LOBs, RAW, DATE, TIMESTAMP with and without zones, intervals), an identity, a NUMBER(1)
 *   boolean and a CLOB JSON column marked by their checks, a quoted mixed-case table.
 * - {@link REPRESENTATIVE_POSTGRES_SCHEMA}: the PostgreSQL types (identity, numeric, boolean, text,
 *   bytea, timestamps, time, intervals, json/jsonb, uuid, bit strings, an enum, inet).
 *
 * Column shapes follow the introspectors: MySQL `dataType` is DATA_TYPE and `columnType` COLUMN_TYPE,
 * TEXT lengths in bytes; Oracle `dataType` lower case without sizes; PostgreSQL `dataType` as
 * information_schema spells it and `columnType` as `format_type` does.
 */

/** Builder state: positions restart for each table. */
let position = 0;

/**
 * A MySQL column from its declaration as COLUMN_TYPE shows it (`bigint unsigned`, `decimal(10,2)`,
 * `enum('a','b')`, `datetime(3)`), with the fields the MySQL introspector would fill. A trailing
 * ` auto_increment` marks the column as one.
 */
export function mysqlColumn(name: string, declaration: string, extra: Partial<ColumnInfo> = {}): ColumnInfo {
  position += 1;
  const autoIncrement = /\s+auto_increment$/i.test(declaration);
  const columnType = declaration.replace(/\s+auto_increment$/i, '').trim();
  const dataType = (/^[a-z]+/i.exec(columnType)?.[0] ?? columnType).toLowerCase();
  const args = /\(([^)]*)\)/
    .exec(columnType)?.[1]
    ?.split(',')
    .map((a) => Number.parseInt(a.trim(), 10));
  const info: { -readonly [K in keyof ColumnInfo]: ColumnInfo[K] } = {
    name,
    position,
    dataType,
    columnType,
    nullable: true,
  };
  const textBytes: Record<string, number> = {
    tinytext: 255,
    text: 65_535,
    mediumtext: 16_777_215,
    longtext: 4_294_967_295,
  };
  const blobBytes: Record<string, number> = {
    tinyblob: 255,
    blob: 65_535,
    mediumblob: 16_777_215,
    longblob: 4_294_967_295,
  };
  if (['char', 'varchar', 'binary', 'varbinary', 'bit'].includes(dataType)) info.length = args?.[0] ?? 1;
  if (dataType in textBytes) info.length = textBytes[dataType];
  if (dataType in blobBytes) info.length = blobBytes[dataType];
  if (['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext', 'enum', 'set'].includes(dataType)) {
    info.charset = 'utf8mb4';
    info.collation = 'utf8mb4_general_ci';
  }
  if (dataType === 'decimal') {
    info.precision = args?.[0] ?? 10;
    info.scale = args?.[1] ?? 0;
  }
  if (['datetime', 'timestamp', 'time'].includes(dataType)) info.fractionDigits = args?.[0] ?? 0;
  if (/\bunsigned\b/i.test(columnType)) info.unsigned = true;
  if (dataType === 'enum' || dataType === 'set') {
    info.enumValues = [...columnType.matchAll(/'((?:[^']|'')*)'/g)].map((m) =>
      (m[1] ?? '').replaceAll("''", "'"),
    );
  }
  if (autoIncrement) {
    info.autoIncrement = true;
    info.nullable = false;
  }
  return { ...info, ...extra };
}

/** An Oracle column as the Oracle introspector reports it (`dataType` lower case, `columnType` declared). */
export function oracleColumn(name: string, columnType: string, extra: Partial<ColumnInfo> = {}): ColumnInfo {
  position += 1;
  const upper = columnType.toUpperCase();
  const dataType = upper
    .toLowerCase()
    .replace(/\([^)]*\)/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  const args = /\(([^)]*)\)/
    .exec(upper)?.[1]
    ?.split(',')
    .map((a) => a.trim());
  const info: { -readonly [K in keyof ColumnInfo]: ColumnInfo[K] } = {
    name,
    position,
    dataType,
    columnType: upper,
    nullable: true,
  };
  const num = (text: string | undefined): number | undefined =>
    text === undefined || text === '*' ? undefined : Number.parseInt(text, 10);
  if (dataType === 'number') {
    info.precision = num(args?.[0]);
    if (args !== undefined) info.scale = num(args[1]) ?? 0;
  }
  if (dataType === 'float') info.precision = num(args?.[0]) ?? 126;
  if (['varchar2', 'char', 'nvarchar2', 'nchar'].includes(dataType)) {
    const [n, semantics] = (args?.[0] ?? '1').split(/\s+/);
    info.length = num(n);
    info.lengthSemantics = dataType.startsWith('n') || semantics === 'CHAR' ? 'char' : 'byte';
  }
  if (dataType === 'raw') info.length = num(args?.[0]);
  if (dataType.startsWith('timestamp')) info.fractionDigits = num(args?.[0]) ?? 6;
  if (dataType === 'interval day to second') {
    const m = /DAY\((\d+)\) TO SECOND\((\d+)\)/.exec(upper);
    info.precision = num(m?.[1]) ?? 2;
    info.fractionDigits = num(m?.[2]) ?? 6;
  }
  if (dataType === 'interval year to month') info.precision = num(/YEAR\((\d+)\)/.exec(upper)?.[1]) ?? 2;
  return { ...info, ...extra };
}

/** A PostgreSQL column: `dataType` as information_schema spells it, `columnType` as format_type does. */
export function postgresColumn(
  name: string,
  dataType: string,
  columnType: string,
  extra: Partial<ColumnInfo> = {},
): ColumnInfo {
  position += 1;
  const args = /\(([^)]*)\)/
    .exec(columnType)?.[1]
    ?.split(',')
    .map((a) => Number.parseInt(a.trim(), 10));
  const info: { -readonly [K in keyof ColumnInfo]: ColumnInfo[K] } = {
    name,
    position,
    dataType,
    columnType,
    nullable: true,
  };
  if (['character varying', 'character', 'bit', 'bit varying'].includes(dataType) && args)
    info.length = args[0];
  if (dataType === 'numeric' && args) {
    info.precision = args[0];
    info.scale = args[1] ?? 0;
  }
  if (/^(timestamp|time|interval)/.test(dataType)) info.fractionDigits = args?.[0] ?? 6;
  return { ...info, ...extra };
}

interface TableParts {
  readonly name: string;
  readonly columns: readonly ColumnInfo[];
  readonly primaryKey?: readonly string[];
  readonly primaryKeyName?: string;
  readonly uniqueKeys?: readonly KeyInfo[];
  readonly foreignKeys?: readonly ForeignKeyInfo[];
  readonly indexes?: readonly IndexInfo[];
  readonly checks?: readonly { readonly name: string; readonly expression: string }[];
  readonly comment?: string;
  readonly charset?: string;
  readonly collation?: string;
}

function table(schema: string, parts: TableParts): SchemaTable {
  position = 0;
  return {
    schema,
    name: parts.name,
    columns: parts.columns,
    primaryKey: parts.primaryKey ?? [],
    uniqueKeys: (parts.uniqueKeys ?? []).map((k) => k.columns),
    uniqueKeyInfo: parts.uniqueKeys ?? [],
    foreignKeys: parts.foreignKeys ?? [],
    indexes: parts.indexes ?? [],
    checks: parts.checks ?? [],
    ...(parts.primaryKeyName === undefined ? {} : { primaryKeyName: parts.primaryKeyName }),
    ...(parts.comment === undefined ? {} : { comment: parts.comment }),
    ...(parts.charset === undefined ? {} : { charset: parts.charset }),
    ...(parts.collation === undefined ? {} : { collation: parts.collation }),
  };
}

function fk(
  name: string,
  columns: readonly string[],
  refSchema: string,
  refTable: string,
  refColumns: readonly string[],
  onDelete: ForeignKeyInfo['onDelete'] = 'no action',
  onUpdate: ForeignKeyInfo['onUpdate'] = 'no action',
): ForeignKeyInfo {
  return { name, columns, refSchema, refTable, refColumns, onDelete, onUpdate };
}

// ---------------------------------------------------------------------------------------------------
// MySQL / MariaDB

const MY = 'shop';
const mysqlTable = (parts: TableParts): SchemaTable =>
  table(MY, { charset: 'utf8mb4', collation: 'utf8mb4_general_ci', ...parts });
const c = mysqlColumn;

/** Every MySQL column type, in a shop of ten tables (referenced tables listed after their referrers on purpose). */
export const REPRESENTATIVE_MYSQL_SCHEMA: readonly SchemaTable[] = [
  mysqlTable({
    name: 'order_lines',
    comment: 'one line per product of an order',
    columns: [
      c('order_id', 'int', { nullable: false }),
      c('line_no', 'smallint unsigned', { nullable: false }),
      c('sku', 'char(12)', { nullable: false }),
      c('qty', 'smallint', { nullable: false, defaultValue: '1' }),
      c('unit_price', 'decimal(10,2)', { nullable: false }),
      c('discount_pct', 'tinyint unsigned', { defaultValue: '0' }),
      c('gift', 'tinyint(1)', { nullable: false, defaultValue: '0' }),
    ],
    primaryKey: ['order_id', 'line_no'],
    foreignKeys: [
      fk('order_lines_order_fk', ['order_id'], MY, 'orders', ['id'], 'cascade'),
      fk('order_lines_product_fk', ['sku'], MY, 'products', ['sku'], 'restrict', 'cascade'),
    ],
    indexes: [{ name: 'order_lines_sku_idx', columns: [{ name: 'sku' }] }],
    checks: [
      { name: 'order_lines_qty_positive', expression: '`qty` > 0' },
      { name: 'order_lines_discount_range', expression: '`discount_pct` between 0 and 100' },
    ],
  }),
  mysqlTable({
    name: 'orders',
    columns: [
      c('id', 'int auto_increment'),
      c('customer_id', 'bigint unsigned', { nullable: false }),
      c('address_no', 'tinyint unsigned'),
      c('placed_on', 'date', { nullable: false, defaultValue: 'curdate()' }),
      c('placed_at', 'datetime(3)', { defaultValue: 'current_timestamp(3)' }),
      c('total', 'decimal(65,30)'),
      c('currency', 'char(3)', { nullable: false, defaultValue: "'EUR'" }),
      c('status', "enum('new','paid','shipped','cancelled')", { nullable: false, defaultValue: "'new'" }),
      c('flags', 'bit(8)', { defaultValue: "b'00000000'" }),
      c('paid', 'bit(1)', { defaultValue: "b'0'" }),
      c('note', 'varchar(500)', { comment: "what the customer wrote, as it's written" }),
    ],
    primaryKey: ['id'],
    foreignKeys: [
      fk('orders_customer_fk', ['customer_id'], MY, 'customers', ['id']),
      fk('orders_address_fk', ['customer_id', 'address_no'], MY, 'customer_addresses', [
        'customer_id',
        'address_no',
      ]),
    ],
    indexes: [
      {
        name: 'orders_customer_day_idx',
        columns: [{ name: 'customer_id' }, { name: 'placed_on', descending: true }],
      },
      { name: 'orders_note_idx', columns: [{ name: 'note', prefixLength: 100 }] },
    ],
  }),
  mysqlTable({
    name: 'customers',
    comment: 'people who buy',
    columns: [
      c('id', 'bigint unsigned auto_increment'),
      c('email', 'varchar(191)', { nullable: false }),
      c('name', 'varchar(100)', { nullable: false }),
      c('status', "enum('active','blocked','closed')", { nullable: false, defaultValue: "'active'" }),
      c('tags', "set('vip','b2b','newsletter','it''s')"),
      c('is_active', 'tinyint(1)', { nullable: false, defaultValue: '1' }),
      c('created_at', 'timestamp(6)', { nullable: false, defaultValue: 'current_timestamp(6)' }),
      c('birth_year', 'year'),
      c('notes', 'text'),
      c('profile', 'json'),
    ],
    primaryKey: ['id'],
    primaryKeyName: 'PRIMARY',
    uniqueKeys: [{ name: 'customers_email_uk', columns: ['email'] }],
    checks: [{ name: 'customers_name_not_blank', expression: "`name` <> ''" }],
  }),
  mysqlTable({
    name: 'customer_addresses',
    columns: [
      c('customer_id', 'bigint unsigned', { nullable: false }),
      c('address_no', 'tinyint unsigned', { nullable: false }),
      c('line1', 'varchar(200)', { nullable: false }),
      c('city', 'varchar(100)', { nullable: false }),
      c('country', 'char(2)', { nullable: false, defaultValue: "'DE'" }),
      c('is_default', 'tinyint(1)', { nullable: false, defaultValue: '0' }),
    ],
    primaryKey: ['customer_id', 'address_no'],
    foreignKeys: [fk('customer_addresses_customer_fk', ['customer_id'], MY, 'customers', ['id'], 'cascade')],
  }),
  mysqlTable({
    name: 'products',
    columns: [
      c('sku', 'char(12)', { nullable: false }),
      c('title', 'varchar(200)', { nullable: false }),
      c('long_title', 'varchar(2000)'),
      c('summary', 'tinytext'),
      c('description', 'mediumtext'),
      c('manual', 'longtext'),
      c('price', 'decimal(10,2)', { nullable: false, defaultValue: '0.00' }),
      c('weight_kg', 'float'),
      c('rating', 'double'),
      c('stock', 'mediumint unsigned', { nullable: false, defaultValue: '0' }),
      c('reorder_at', 'mediumint'),
      c('attrs', 'json'),
      c('thumbnail', 'tinyblob'),
      c('photo', 'blob'),
      c('video', 'mediumblob'),
      c('archive', 'longblob'),
    ],
    primaryKey: ['sku'],
    indexes: [{ name: 'products_title_idx', columns: [{ name: 'title' }] }],
    checks: [{ name: 'products_price_not_negative', expression: '`price` >= 0' }],
  }),
  mysqlTable({
    name: 'shipments',
    columns: [
      c('id', 'bigint auto_increment'),
      c('order_id', 'int'),
      c('shipped_at', 'timestamp(0)'),
      c('window', 'time(0)'),
      c('eta', 'time(6)'),
      c('tracking', 'varbinary(64)'),
      c('label_png', 'blob'),
      c('carrier_code', 'binary(4)', { nullable: false }),
      c('token', 'binary(16)'),
    ],
    primaryKey: ['id'],
    foreignKeys: [fk('shipments_order_fk', ['order_id'], MY, 'orders', ['id'], 'set null')],
    uniqueKeys: [{ name: 'shipments_token_uk', columns: ['token'] }],
  }),
  mysqlTable({
    name: 'stock_moves',
    columns: [
      c('sku', 'char(12)', { nullable: false }),
      c('moved_at', 'datetime(6)', { nullable: false }),
      c('seq', 'tinyint', { nullable: false }),
      c('delta', 'int', { nullable: false }),
      c('fiscal_year', 'year', { nullable: false }),
      c('big_delta', 'bigint'),
      c('mask', 'bit(64)'),
      c('reason', 'tinytext'),
    ],
    primaryKey: ['sku', 'moved_at', 'seq'],
    foreignKeys: [fk('stock_moves_product_fk', ['sku'], MY, 'products', ['sku'])],
  }),
  mysqlTable({
    name: 'number_samples',
    comment: 'every integer width, signed and unsigned',
    columns: [
      c('id', 'int unsigned auto_increment'),
      c('i8', 'tinyint'),
      c('u8', 'tinyint unsigned'),
      c('i16', 'smallint'),
      c('u16', 'smallint unsigned'),
      c('i24', 'mediumint'),
      c('u24', 'mediumint unsigned'),
      c('i32', 'int'),
      c('u32', 'int unsigned'),
      c('i64', 'bigint'),
      c('u64', 'bigint unsigned', { defaultValue: '18446744073709551615' }),
      c('dec_10_2', 'decimal(10,2)', { defaultValue: '-1.50' }),
      c('dec_65_30', 'decimal(65,30)'),
      c('dec_38_0', 'decimal(38,0)'),
      c('f', 'float'),
      c('d', 'double', { defaultValue: '1.5e10' }),
      c('flag', 'tinyint(1)'),
      c('bit1', 'bit(1)'),
      c('bit5', 'bit(5)', { defaultValue: "b'101'" }),
    ],
    primaryKey: ['id'],
  }),
  mysqlTable({
    name: 'temporal_samples',
    columns: [
      c('id', 'int', { nullable: false }),
      c('d', 'date', { defaultValue: "'2000-01-01'" }),
      ...[0, 1, 2, 3, 4, 5, 6].map((n) => c(`dt${n}`, `datetime(${n})`)),
      ...[0, 1, 2, 3, 4, 5, 6].map((n) => c(`ts${n}`, `timestamp(${n})`)),
      ...[0, 3, 6].map((n) => c(`t${n}`, `time(${n})`)),
      c('y', 'year'),
      c('dt_default', 'datetime(6)', { defaultValue: "'2024-02-29 12:34:56.123456'" }),
    ],
    primaryKey: ['id'],
  }),
  mysqlTable({
    name: 'customer_loyalty_program_membership_history',
    comment: 'a name too long for Oracle before 12.2',
    columns: [
      c('id', 'bigint unsigned auto_increment'),
      c('customer_id', 'bigint unsigned', { nullable: false }),
      c('membership_level_at_time_of_change_description', 'varchar(50)'),
      c('table', 'varchar(64)'),
      c('select', 'int'),
      c('Order', 'int'),
      c('group by', 'varchar(10)'),
      c('payload', 'json'),
    ],
    primaryKey: ['id'],
    foreignKeys: [
      fk('customer_loyalty_program_membership_history_customer_fk', ['customer_id'], MY, 'customers', ['id']),
    ],
    indexes: [
      {
        name: 'customer_loyalty_program_membership_history_level_idx',
        columns: [{ name: 'membership_level_at_time_of_change_description' }],
      },
    ],
  }),
];

// ---------------------------------------------------------------------------------------------------
// Oracle

const OR = 'APP';
const o = oracleColumn;

/** The Oracle column types in four tables. */
export const REPRESENTATIVE_ORACLE_SCHEMA: readonly SchemaTable[] = [
  table(OR, {
    name: 'ACCOUNTS',
    comment: 'customer accounts',
    columns: [
      o('ID', 'NUMBER(19,0)', { nullable: false, autoIncrement: true, identity: 'by-default-on-null' }),
      o('CODE', 'VARCHAR2(30 BYTE)', { nullable: false }),
      o('NAME', 'NVARCHAR2(100)', { comment: 'display name' }),
      o('ACTIVE', 'NUMBER(1,0)', { nullable: false, defaultValue: '1' }),
      o('BALANCE', 'NUMBER(18,2)', { defaultValue: '0' }),
      o('RATE', 'NUMBER'),
      o('SCORE', 'BINARY_DOUBLE'),
      o('RATIO', 'BINARY_FLOAT'),
      o('APPROX', 'FLOAT(126)'),
      o('OPENED', 'DATE', { defaultValue: 'SYSDATE' }),
      o('UPDATED', 'TIMESTAMP(6)', { defaultValue: 'SYSTIMESTAMP' }),
      o('UPDATED_TZ', 'TIMESTAMP(6) WITH TIME ZONE'),
      o('SEEN', 'TIMESTAMP(9) WITH LOCAL TIME ZONE'),
      o('NOTES', 'CLOB'),
      o('DOC', 'CLOB'),
      o('PHOTO', 'BLOB'),
      o('TOKEN', 'RAW(16)'),
      o('GRADE', 'CHAR(1 CHAR)', { defaultValue: "'A'" }),
      o('COUNTRY', 'NCHAR(2)'),
      o('WAIT', 'INTERVAL DAY(2) TO SECOND(6)'),
      o('TERM', 'INTERVAL YEAR(2) TO MONTH'),
      o('SMALL', 'NUMBER(3,0)'),
      o('MID', 'NUMBER(9,0)'),
      o('BIG', 'NUMBER(38,0)'),
      o('WHOLE', 'NUMBER(*,0)'),
      o('HUNDREDS', 'NUMBER(5,-2)'),
      o('TINY_FRACTION', 'NUMBER(3,5)'),
      o('LEGACY_NOTE', 'VARCHAR2(4000 BYTE)'),
    ],
    primaryKey: ['ID'],
    primaryKeyName: 'ACCOUNTS_PK',
    uniqueKeys: [{ name: 'ACCOUNTS_CODE_UK', columns: ['CODE'] }],
    checks: [
      { name: 'ACCOUNTS_ACTIVE_CK', expression: '"ACTIVE" IN (0,1)' },
      { name: 'ACCOUNTS_DOC_JSON', expression: 'DOC IS JSON' },
      { name: 'ACCOUNTS_BALANCE_CK', expression: 'BALANCE >= -1000' },
    ],
    indexes: [
      { name: 'ACCOUNTS_NAME_IX', columns: [{ name: 'NAME' }, { name: 'OPENED', descending: true }] },
    ],
  }),
  table(OR, {
    name: 'ACCOUNT_EVENTS',
    columns: [
      o('ACCOUNT_ID', 'NUMBER(19,0)', { nullable: false }),
      o('SEQ', 'NUMBER(10,0)', { nullable: false }),
      o('KIND', 'VARCHAR2(20 CHAR)', { nullable: false }),
      o('AMOUNT', 'NUMBER(18,2)'),
      o('AT', 'TIMESTAMP(3)', { nullable: false, defaultValue: 'CURRENT_TIMESTAMP' }),
    ],
    primaryKey: ['ACCOUNT_ID', 'SEQ'],
    primaryKeyName: 'ACCOUNT_EVENTS_PK',
    foreignKeys: [fk('ACCOUNT_EVENTS_ACCOUNT_FK', ['ACCOUNT_ID'], OR, 'ACCOUNTS', ['ID'], 'cascade')],
    checks: [{ name: 'ACCOUNT_EVENTS_KIND_CK', expression: "KIND IN ('open', 'close', 'move')" }],
  }),
  table(OR, {
    name: 'Mixed Case',
    columns: [
      o('Id', 'NUMBER(10,0)', { nullable: false }),
      o('select', 'VARCHAR2(10 CHAR)'),
      o('ACCOUNT_ID', 'NUMBER(19,0)'),
    ],
    primaryKey: ['Id'],
    primaryKeyName: 'Mixed Case PK',
    foreignKeys: [fk('MIXED_ACCOUNT_FK', ['ACCOUNT_ID'], OR, 'ACCOUNTS', ['ID'], 'set null')],
  }),
  table(OR, {
    name: 'DOCUMENTS',
    columns: [
      o('ID', 'NUMBER', { nullable: false, autoIncrement: true, identity: 'by-default' }),
      o('TITLE', 'VARCHAR2(200 CHAR)', { nullable: false }),
      o('BODY', 'CLOB'),
      o('DOCTYPE', 'VARCHAR2(10 BYTE)', { defaultValue: "'text'" }),
    ],
    primaryKey: ['ID'],
    primaryKeyName: 'DOCUMENTS_PK',
    uniqueKeys: [{ name: 'DOCUMENTS_TITLE_UK', columns: ['TITLE'] }],
  }),
];

// ---------------------------------------------------------------------------------------------------
// PostgreSQL

const PG = 'public';
const p = postgresColumn;

/** The PostgreSQL column types in three tables. */
export const REPRESENTATIVE_POSTGRES_SCHEMA: readonly SchemaTable[] = [
  table(PG, {
    name: 'devices',
    comment: 'things that report',
    columns: [
      p('id', 'bigint', 'bigint', { nullable: false, autoIncrement: true, identity: 'by-default' }),
      p('serial_no', 'character varying', 'character varying(40)', { nullable: false }),
      p('label', 'text', 'text', { comment: 'shown in the UI' }),
      p('model', 'character', 'character(5)'),
      p('any_text', 'character varying', 'character varying'),
      p('enabled', 'boolean', 'boolean', { nullable: false, defaultValue: 'true' }),
      p('weight', 'numeric', 'numeric(12,3)'),
      p('exact', 'numeric', 'numeric'),
      p('small', 'smallint', 'smallint', { defaultValue: '0' }),
      p('count', 'integer', 'integer'),
      p('ratio', 'real', 'real'),
      p('score', 'double precision', 'double precision'),
      p('firmware', 'bytea', 'bytea'),
      p('installed_on', 'date', 'date', { defaultValue: 'CURRENT_DATE' }),
      p('seen_at', 'timestamp without time zone', 'timestamp(3) without time zone', {
        defaultValue: 'now()',
      }),
      p('seen_tz', 'timestamp with time zone', 'timestamp with time zone', {
        defaultValue: 'CURRENT_TIMESTAMP',
      }),
      p('daily_at', 'time without time zone', 'time without time zone'),
      p('daily_tz', 'time with time zone', 'time(3) with time zone'),
      p('uptime', 'interval', 'interval'),
      p('latency', 'interval', 'interval day to second(3)'),
      p('warranty', 'interval', 'interval year to month'),
      p('config', 'json', 'json'),
      p('state', 'jsonb', 'jsonb', { defaultValue: "'{}'::jsonb" }),
      p('uid', 'uuid', 'uuid', { nullable: false, defaultValue: 'gen_random_uuid()' }),
      p('dip', 'bit', 'bit(4)'),
      p('mask', 'bit varying', 'bit varying(16)'),
      p('mood', 'mood', 'mood', { enumValues: ['ok', 'tired', 'broken'], defaultValue: "'ok'::mood" }),
      p('ip', 'inet', 'inet'),
      p('status', 'character varying', 'character varying(10)', { defaultValue: "'new'::character varying" }),
    ],
    primaryKey: ['id'],
    primaryKeyName: 'devices_pkey',
    uniqueKeys: [{ name: 'devices_uid_key', columns: ['uid'] }],
    checks: [{ name: 'devices_small_check', expression: 'CHECK ((small >= 0))' }],
    indexes: [{ name: 'devices_label_idx', columns: [{ name: 'label' }] }],
  }),
  table(PG, {
    name: 'readings',
    columns: [
      p('device_id', 'bigint', 'bigint', { nullable: false }),
      p('taken_at', 'timestamp with time zone', 'timestamp(6) with time zone', { nullable: false }),
      p('value', 'numeric', 'numeric(20,6)'),
      p('note', 'character varying', 'character varying(2000)'),
    ],
    primaryKey: ['device_id', 'taken_at'],
    primaryKeyName: 'readings_pkey',
    foreignKeys: [fk('readings_device_id_fkey', ['device_id'], PG, 'devices', ['id'], 'cascade', 'cascade')],
    checks: [{ name: 'readings_value_check', expression: "CHECK ((value > ('-1000'::integer)::numeric))" }],
  }),
  table(PG, {
    name: 'Tags',
    columns: [
      p('Name', 'text', 'text', { nullable: false }),
      p('device_id', 'bigint', 'bigint'),
      p('tags', 'array', 'text[]'),
    ],
    primaryKey: ['Name'],
    primaryKeyName: 'Tags_pkey',
    foreignKeys: [fk('Tags_device_id_fkey', ['device_id'], PG, 'devices', ['id'], 'set null')],
  }),
];
