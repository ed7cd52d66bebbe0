import type { CompiledStatement } from './dialect.js';

/** What running one compiled statement yields: the rows a SELECT produced, and the affected-row count. */
export interface StatementResult {
  rows: Record<string, unknown>[];
  affected: number;
}

/**
 * Runs a compiled statement through `runOne` (one SQL text, one parameter list), for drivers without
 * an array bind: `single` once; `many` once per bind row in order, affected rows summed. The first
 * failing row throws the driver's error unchanged (so the classifier sees its code), and the caller's
 * transaction undoes the rows before it.
 */
export async function runCompiled(
  statement: CompiledStatement,
  runOne: (sql: string, params: unknown[]) => Promise<StatementResult>,
): Promise<StatementResult> {
  if (statement.kind === 'single') return runOne(statement.sql, [...statement.params]);
  let affected = 0;
  for (const params of statement.rows) affected += (await runOne(statement.sql, [...params])).affected;
  return { rows: [], affected };
}
