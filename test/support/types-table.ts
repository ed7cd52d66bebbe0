import type { EngineDriver } from '../../src/engines/engine-driver.js';

/**
 * A table with every common column type, as DDL for MariaDB and PostgreSQL, and a generator of
 * random inserts, updates and deletes against it. Values are chosen to be exactly representable on
 * both engines (FLOAT in quarters, DOUBLE with 15 significant digits, TIME within a day, TIMESTAMP in
 * its 1970–2038 range), so a checksum over canonical values must match exactly after replication.
 */
export type EngineSide = 'mariadb' | 'postgres';

export const TYPE_COLUMNS = [
  'id',
  'i8',
  'i16',
  'i32',
  'i64',
  'u64',
  'dec30',
  'f',
  'd',
  'ch',
  'vc',
  'tx',
  'bl',
  'dt',
  'dtm',
  'ts',
  'tm',
  'yr',
  'en',
  'st',
  'js',
  'bt',
  'flag',
] as const;
type Column = (typeof TYPE_COLUMNS)[number];

export function typesTableDdl(side: EngineSide, table: string): string[] {
  if (side === 'mariadb') {
    return [
      `CREATE TABLE ${table} (id BIGINT NOT NULL PRIMARY KEY, i8 TINYINT, i16 SMALLINT, i32 INT, i64 BIGINT, u64 BIGINT UNSIGNED,
        dec30 DECIMAL(30,10), f FLOAT, d DOUBLE, ch CHAR(12), vc VARCHAR(200), tx TEXT, bl BLOB, dt DATE, dtm DATETIME(6),
        ts TIMESTAMP(6) NULL DEFAULT NULL, tm TIME(6), yr YEAR, en ENUM('red','green','blue'), st SET('a','b','c'), js JSON,
        bt BIT(12), flag TINYINT(1)) CHARACTER SET utf8mb4`,
    ];
  }
  return [
    `CREATE TABLE ${table} (id bigint PRIMARY KEY, i8 smallint, i16 smallint, i32 integer, i64 bigint, u64 numeric(20,0),
      dec30 numeric(30,10), f real, d double precision, ch char(12), vc varchar(200), tx text, bl bytea, dt date, dtm timestamp(6),
      ts timestamptz(6), tm time(6), yr smallint, en varchar(10), st varchar(10), js json, bt bit(12), flag boolean)`,
    `ALTER TABLE ${table} REPLICA IDENTITY FULL`,
  ];
}

/** A small seeded PRNG (mulberry32), so a failing run can be repeated with the same operations. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TEXT = [
  'a',
  'b',
  'z',
  'Z',
  '0',
  ' ',
  'é',
  'ß',
  'Ω',
  'ж',
  '東',
  '京',
  '✓',
  '😀',
  "'",
  '"',
  '\\',
  '%',
  '_',
];

export class TypesWorkload {
  private readonly live = new Set<number>();
  private nextId: number;
  readonly counts = { insert: 0, update: 0, delete: 0 };

  /** `firstId` (default 1) starts the keys this workload inserts, so two workloads can keep disjoint keys. */
  constructor(
    private readonly side: EngineSide,
    private readonly table: string,
    private readonly random: () => number,
    firstId = 1,
  ) {
    this.nextId = firstId;
  }

  /** Runs `ops` random operations in transactions of `perTransaction`: about 20% inserts, 70% updates, 10% deletes. */
  async run(db: EngineDriver, ops: number, perTransaction = 25): Promise<void> {
    for (let done = 0; done < ops;) {
      const n = Math.min(perTransaction, ops - done);
      await db.transaction(async (tx) => {
        for (let i = 0; i < n; i++) {
          const [sql, params] = this.next();
          await tx.query(sql, params);
        }
      });
      done += n;
    }
  }

  private next(): [string, unknown[]] {
    const r = this.random();
    if (this.live.size === 0 || r < 0.2) {
      const id = this.nextId++;
      this.live.add(id);
      this.counts.insert++;
      const values = TYPE_COLUMNS.map((c) => (c === 'id' ? id : this.value(c)));
      return [
        `INSERT INTO ${this.table} (${TYPE_COLUMNS.join(', ')}) VALUES (${values.map((_, i) => this.p(i + 1)).join(', ')})`,
        values,
      ];
    }
    const ids = [...this.live];
    const id = ids[Math.floor(this.random() * ids.length)]!;
    if (r < 0.9) {
      this.counts.update++;
      const columns = TYPE_COLUMNS.filter((c) => c !== 'id' && this.random() < 0.25);
      if (columns.length === 0) columns.push('vc');
      const values = columns.map((c) => this.value(c));
      return [
        `UPDATE ${this.table} SET ${columns.map((c, i) => `${c} = ${this.p(i + 1)}`).join(', ')} WHERE id = ${this.p(columns.length + 1)}`,
        [...values, id],
      ];
    }
    this.live.delete(id);
    this.counts.delete++;
    return [`DELETE FROM ${this.table} WHERE id = ${this.p(1)}`, [id]];
  }

  private p(n: number): string {
    return this.side === 'mariadb' ? '?' : `$${n}`;
  }

  private int(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min + 1));
  }

  private digits(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += String(this.int(0, 9));
    return s;
  }

  private text(max: number): string {
    const n = this.int(0, max);
    let s = '';
    for (let i = 0; i < n; i++) s += TEXT[this.int(0, TEXT.length - 1)];
    return s;
  }

  private value(column: Column): unknown {
    if (this.random() < 0.08) return null;
    const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
    switch (column) {
      case 'id':
        return this.nextId;
      case 'i8':
        return this.int(-128, 127);
      case 'i16':
        return this.int(-32768, 32767);
      case 'i32':
        return this.int(-2147483648, 2147483647);
      case 'i64': {
        const v = BigInt(`${this.int(0, 9)}${this.digits(18)}`) % 9223372036854775807n;
        return (this.random() < 0.5 ? -v : v).toString();
      }
      case 'u64':
        return this.random() < 0.1
          ? '18446744073709551615'
          : (BigInt(this.digits(19)) % 18446744073709551615n).toString();
      case 'dec30': {
        const sign = this.random() < 0.5 ? '-' : '';
        return `${sign}${BigInt(this.digits(this.int(1, 20)))}.${this.digits(10)}`;
      }
      case 'f':
        return this.int(-4000, 4000) / 4;
      case 'd':
        return Number(((this.random() - 0.5) * 2e8).toFixed(6));
      case 'ch':
        return this.text(12).replace(/ +$/, '');
      case 'vc':
        return this.text(200);
      case 'tx':
        return this.text(600);
      case 'bl': {
        const n = this.int(0, 300);
        return Buffer.from(Array.from({ length: n }, () => this.int(0, 255)));
      }
      case 'dt':
        return `${this.int(1900, 2100)}-${pad(this.int(1, 12))}-${pad(this.int(1, 28))}`;
      case 'dtm':
        return `${this.int(1900, 2100)}-${pad(this.int(1, 12))}-${pad(this.int(1, 28))} ${pad(this.int(0, 23))}:${pad(this.int(0, 59))}:${pad(this.int(0, 59))}.${pad(this.int(0, 999999), 6)}`;
      case 'ts':
        return `${this.int(1971, 2037)}-${pad(this.int(1, 12))}-${pad(this.int(1, 28))} ${pad(this.int(0, 23))}:${pad(this.int(0, 59))}:${pad(this.int(0, 59))}.${pad(this.int(0, 999999), 6)}${this.side === 'postgres' ? '+00' : ''}`;
      case 'tm':
        return `${pad(this.int(0, 23))}:${pad(this.int(0, 59))}:${pad(this.int(0, 59))}.${pad(this.int(0, 999999), 6)}`;
      case 'yr':
        return this.int(1901, 2155);
      case 'en':
        return ['red', 'green', 'blue'][this.int(0, 2)];
      case 'st':
        return ['a', 'b', 'c'].filter(() => this.random() < 0.5).join(',');
      case 'js':
        // Canonical text (sorted keys, no spaces): MariaDB keeps JSON text as written.
        return JSON.stringify({ a: this.int(-1000, 1000), b: this.text(8), c: [this.random() < 0.5, null] });
      case 'bt': {
        const bits = this.int(0, 4095);
        return this.side === 'mariadb' ? bits : bits.toString(2).padStart(12, '0');
      }
      case 'flag':
        return this.side === 'mariadb' ? this.int(0, 1) : this.random() < 0.5;
    }
  }
}
