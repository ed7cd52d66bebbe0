import { mysqlSchemaCase } from '../support/schema-cases/mysql-schema-case.js';
import { oracleSchemaCase } from '../support/schema-cases/oracle-schema-case.js';
import { postgresSchemaCase } from '../support/schema-cases/postgres-schema-case.js';
import { runSchemaContract } from '../support/schema-contract.js';

// Introspector.describe, asserted once, against every engine's real database (Oracle: skipped with
// the reason printed unless ORACLE_URL is set).
for (const engine of [mysqlSchemaCase, postgresSchemaCase, oracleSchemaCase]) runSchemaContract(engine);
