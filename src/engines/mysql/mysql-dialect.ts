import type { Dialect } from '../dialect.js';
import { MysqlDriver } from './mysql-driver.js';
import { MysqlErrorClassifier } from './mysql-error-classifier.js';
import { MysqlIntrospector } from './mysql-introspector.js';
import { MysqlSqlCompiler } from './mysql-sql-compiler.js';
import { MysqlTypeCodec } from './mysql-type-codec.js';

/**
 * MySQL 8 and MariaDB (one engine; the compiler picks the flavour from the server version).
 * Without a version the compiler writes for current MySQL (row alias); pass
 * `await driver.serverVersion()` to get MariaDB's `VALUES()` form.
 */
export const mysqlDialect: Dialect = {
  engine: 'mysql',
  createDriver: (options) => MysqlDriver.connect(options),
  createIntrospector: (driver) => new MysqlIntrospector(driver),
  createCompiler: (serverVersion) => new MysqlSqlCompiler(serverVersion),
  createCodec: () => new MysqlTypeCodec(),
  createErrorClassifier: () => new MysqlErrorClassifier(),
};
