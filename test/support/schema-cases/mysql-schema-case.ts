import { LOCAL_SIDES } from '../../../src/config/local-stack.js';
import { mysqlDialect } from '../../../src/engines/mysql/mysql-dialect.js';
import type { SchemaCase } from '../schema-contract.js';

const SCRATCH = 'dbtwin_scratch';

/**
 * MySQL engine against the local MariaDB, database `dbtwin_scratch` (outside what Debezium captures).
 * The parent also has a JSON column: MariaDB adds a `json_valid` check for it, which `describe` must
 * not report. The index covers a 10-character prefix of `note`.
 */
export const mysqlSchemaCase: SchemaCase = {
  name: 'mysql (local MariaDB)',
  dialect: mysqlDialect,
  connection: { ...LOCAL_SIDES.mariadb.connection, database: SCRATCH },
  schema: SCRATCH,
  async prepare() {
    // information_schema is there for every user, whichever databases exist.
    const driver = await mysqlDialect.createDriver({
      ...LOCAL_SIDES.mariadb.connection,
      database: 'information_schema',
    });
    try {
      await driver.query(`CREATE DATABASE IF NOT EXISTS ${SCRATCH}`);
    } finally {
      await driver.close();
    }
  },
  createTables: (n) => [
    `CREATE TABLE ${n.parent} (
      id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
      tenant VARCHAR(20) NOT NULL,
      code VARCHAR(30) NOT NULL,
      qty INT NULL,
      total INT AS (qty * 2) VIRTUAL COMMENT 'twice the quantity',
      doc JSON NULL,
      CONSTRAINT ${n.uniqueKey} UNIQUE KEY (tenant, code),
      CONSTRAINT ${n.check} CHECK (qty >= 0)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='parent table'`,
    `CREATE TABLE ${n.child} (
      parent_id BIGINT NOT NULL,
      line INT NOT NULL,
      note VARCHAR(50) NULL,
      created_at DATETIME(6) NULL,
      PRIMARY KEY (parent_id, line),
      CONSTRAINT ${n.foreignKey} FOREIGN KEY (parent_id) REFERENCES ${n.parent} (id)
        ON DELETE CASCADE ON UPDATE NO ACTION,
      KEY ${n.index} (note(10), created_at DESC)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
  ],
  dropTables: (n) => [`DROP TABLE IF EXISTS ${n.child}`, `DROP TABLE IF EXISTS ${n.parent}`],
  expect: {
    identity: 'by-default-on-null',
    childPrimaryKeyName: () => 'PRIMARY',
    // MySQL 8 and MariaDB 10.8+ keep DESC; older MariaDB parses it and builds an ascending index.
    descendingIndexes: (version) => {
      const [major = 0, minor = 0] = (/^(\d+)\.(\d+)/.exec(version) ?? []).slice(1).map(Number);
      return /mariadb/i.test(version) ? major * 100 + minor >= 1008 : major >= 8;
    },
    notePrefixLength: 10,
    parentExtras: { doc: { dataType: 'json', identity: undefined, generatedAs: undefined } },
    charset: 'utf8mb4',
    collation: 'utf8mb4_unicode_ci',
  },
};
