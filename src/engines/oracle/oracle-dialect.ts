import type { Dialect } from '../dialect.js';
import { OracleDriver } from './oracle-driver.js';
import { OracleErrorClassifier } from './oracle-error-classifier.js';
import { OracleIntrospector } from './oracle-introspector.js';
import { OracleSqlCompiler } from './oracle-sql-compiler.js';
import { OracleTypeCodec } from './oracle-type-codec.js';

/**
 * Oracle Database 12.2+ through node-oracledb in Thin mode (no Oracle Client libraries). `database`
 * in the connection options is the service name (`host:port/service`, e.g. `FREEPDB1`).
 */
export const oracleDialect: Dialect = {
  engine: 'oracle',
  createDriver: (options) => OracleDriver.connect(options),
  createIntrospector: (driver) => new OracleIntrospector(driver),
  createCompiler: (serverVersion) => new OracleSqlCompiler(serverVersion),
  createCodec: () => new OracleTypeCodec(),
  createErrorClassifier: () => new OracleErrorClassifier(),
};
