import { LOCAL_SIDES } from '../../../src/config/local-stack.js';
import { mysqlDialect } from '../../../src/engines/mysql/mysql-dialect.js';
import type { EngineCase } from '../engine-contract.js';

/**
 * MySQL engine against the local MariaDB, in database `dbtwin_scratch`: outside what the Debezium
 * connector captures, so the contract's large batches do not flood the change stream.
 */
export const mysqlCase: EngineCase = {
  name: 'mysql (local MariaDB)',
  dialect: mysqlDialect,
  connection: { ...LOCAL_SIDES.mariadb.connection, database: 'dbtwin_scratch' },
  schema: 'dbtwin_scratch',
  createTable: (table, shape) =>
    shape === 'wide'
      ? [
          `CREATE TABLE ${table} (
            id BIGINT NOT NULL PRIMARY KEY,
            name VARCHAR(100) CHARACTER SET utf8mb4 NOT NULL,
            code VARCHAR(20) NULL UNIQUE,
            amount DECIMAL(30,10) NULL,
            big BIGINT UNSIGNED NULL,
            ratio DOUBLE NULL,
            flag TINYINT(1) NULL,
            born DATE NULL,
            seen_at DATETIME(6) NULL,
            at_tz TIMESTAMP(6) NULL,
            span TIME(6) NULL,
            doc JSON NULL,
            payload BLOB NULL
          ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
        ]
      : [
          `CREATE TABLE ${table} (tenant VARCHAR(20) NOT NULL, seq INT NOT NULL, label VARCHAR(50) NULL,
            PRIMARY KEY (tenant, seq)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
        ],
  dropTable: (table) => [`DROP TABLE IF EXISTS ${table}`],
  param: () => '?',
  dataTypes: {
    id: 'bigint',
    name: 'varchar',
    code: 'varchar',
    amount: 'decimal',
    big: 'bigint',
    ratio: 'double',
    flag: 'tinyint',
    born: 'date',
    seen_at: 'datetime',
    at_tz: 'timestamp',
    span: 'time',
    doc: 'json',
    payload: 'blob',
  },
  vendorCodes: { duplicate: '1062', deadlock: '1213' },
  // TINYINT(1) holds the number; Debezium reports it as that number too.
  canonical: (column, value) => (column === 'flag' && typeof value === 'boolean' ? Number(value) : value),
};
