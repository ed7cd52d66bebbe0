import type { DbtwinConfig } from '../config/dbtwin-config.js';
import { DbtwinError } from '../core/dbtwin-error.js';
import { ErrorCode } from '../core/error-codes.js';
import type { Introspector } from '../engines/dialect.js';
import { dialectFor } from '../engines/dialect-registry.js';
import type { TargetResources } from './target-applier.js';

/** A side opened for writing: its pool and the dialect pieces bound to it. */
export interface TargetSide extends TargetResources {
  readonly introspector: Introspector;
  /** `TRUNCATE TABLE` of a catalog table (identifiers quoted by the compiler). */
  truncate(schema: string, table: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens a side of the configuration for writing. The compiler's flavour comes from the server's
 * version (MariaDB vs MySQL ≥ 8.0.20). Throws ServiceUnreachable naming the side when it cannot connect.
 */
export async function openTargetSide(config: DbtwinConfig, sideName: string): Promise<TargetSide> {
  const side = config.sides[sideName];
  if (!side) throw new DbtwinError(ErrorCode.ConfigInvalid, `no side named ${sideName} in ${config.file}`);
  const dialect = dialectFor(side.engine);
  let driver;
  try {
    driver = await dialect.createDriver(side.connection);
  } catch (cause) {
    const verdict = dialect.createErrorClassifier().classify(cause);
    throw new DbtwinError(
      ErrorCode.ServiceUnreachable,
      `side ${sideName} (${side.engine} at ${side.connection.host}:${side.connection.port}/${side.connection.database}) is unreachable: ${verdict.reason}`,
      { hint: 'check that the database is up and the connection settings in the config', cause },
    );
  }
  const compiler = dialect.createCompiler(await driver.serverVersion());
  return {
    driver,
    compiler,
    codec: dialect.createCodec(),
    classifier: dialect.createErrorClassifier(),
    introspector: dialect.createIntrospector(driver),
    truncate: async (schema, table) => {
      await driver.query(
        `TRUNCATE TABLE ${compiler.quoteIdentifier(schema)}.${compiler.quoteIdentifier(table)}`,
      );
    },
    close: () => driver.close(),
  };
}
