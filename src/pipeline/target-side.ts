import type { DbtwinConfig, SideConfig } from '../config/dbtwin-config.js';
import type { ApplyTag } from '../engines/engine-driver.js';
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
    driver = await dialect.createDriver({ ...side.connection, ...applyTagOf(side) });
  } catch (cause) {
    // The driver's own errors (a missing privilege, a bad applyTag) already say what to change.
    if (cause instanceof DbtwinError) throw cause;
    throw unreachable(sideName, side, dialect.createErrorClassifier().classify(cause).reason, cause);
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

/** A side opened only to read its catalog (the source side of a link, for fingerprints). */
export interface SideCatalog {
  readonly introspector: Introspector;
  close(): Promise<void>;
}

/** Opens one connection to a side for catalog reads. Throws ServiceUnreachable naming the side. */
export async function openSideCatalog(config: DbtwinConfig, sideName: string): Promise<SideCatalog> {
  const side = config.sides[sideName];
  if (!side) throw new DbtwinError(ErrorCode.ConfigInvalid, `no side named ${sideName} in ${config.file}`);
  const dialect = dialectFor(side.engine);
  try {
    const driver = await dialect.createDriver({ ...side.connection, poolSize: 1 });
    return { introspector: dialect.createIntrospector(driver), close: () => driver.close() };
  } catch (cause) {
    if (cause instanceof DbtwinError) throw cause;
    throw unreachable(sideName, side, dialect.createErrorClassifier().classify(cause).reason, cause);
  }
}

function unreachable(name: string, side: SideConfig, reason: string, cause: unknown): DbtwinError {
  return new DbtwinError(
    ErrorCode.ServiceUnreachable,
    `side ${name} (${side.engine} at ${side.connection.host}:${side.connection.port}/${side.connection.database}) is unreachable: ${reason}`,
    { hint: 'check that the database is up and the connection settings in the config', cause },
  );
}

/** The marks apply sessions put on their writes for the side's capture-level exclusion, if any. */
function applyTagOf(side: SideConfig): { applyTag?: ApplyTag } {
  switch (side.capture.mode) {
    case 'gtid-domain':
      return { applyTag: { gtidDomainId: side.capture.domainId } };
    case 'query-marker':
      return { applyTag: { statementMarker: side.capture.marker } };
    default:
      return {};
  }
}
