import type { EngineName } from '../core/change-event.js';
import type { Dialect } from './dialect.js';
import { mysqlDialect } from './mysql/mysql-dialect.js';
import { oracleDialect } from './oracle/oracle-dialect.js';
import { postgresDialect } from './postgres/postgres-dialect.js';

const DIALECTS: Readonly<Record<EngineName, Dialect>> = {
  mysql: mysqlDialect,
  postgres: postgresDialect,
  oracle: oracleDialect,
};

/** The dialect of an engine: the one place that knows every engine folder. */
export function dialectFor(engine: EngineName): Dialect {
  return DIALECTS[engine];
}
