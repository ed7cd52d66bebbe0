import type { Dialect } from '../dialect.js';
import { PostgresDriver } from './postgres-driver.js';
import { PostgresErrorClassifier } from './postgres-error-classifier.js';
import { PostgresIntrospector } from './postgres-introspector.js';
import { PostgresSqlCompiler } from './postgres-sql-compiler.js';
import { PostgresTypeCodec } from './postgres-type-codec.js';

/** PostgreSQL (one flavour: the generated SQL does not depend on the server version). */
export const postgresDialect: Dialect = {
  engine: 'postgres',
  createDriver: (options) => PostgresDriver.connect(options),
  createIntrospector: (driver) => new PostgresIntrospector(driver),
  createCompiler: () => new PostgresSqlCompiler(),
  createCodec: () => new PostgresTypeCodec(),
  createErrorClassifier: () => new PostgresErrorClassifier(),
};
