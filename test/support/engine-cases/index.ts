import type { EngineCase } from '../engine-contract.js';
import { mysqlCase } from './mysql-case.js';
import { oracleCase } from './oracle-case.js';
import { postgresCase } from './postgres-case.js';

/** Every engine the contract suite runs against, one case per engine (a case may carry a skip reason). */
export const ENGINE_CASES: readonly EngineCase[] = [
  mysqlCase,
  postgresCase,
  // Oracle: skipped, with the reason printed, unless ORACLE_URL is set.
  oracleCase,
];
