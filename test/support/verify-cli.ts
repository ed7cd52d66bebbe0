import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { endpointsFromEnv } from '../../src/config/environment.js';
import type { DivergentRow, VerifyReport } from '../../src/cutover/verify-report.js';
import { runCli, type CliResult } from './run-cli.js';

/** `dbtwin verify --config <config> <args>` through the built CLI. */
export function verifyCli(
  config: string,
  options: { timeoutMs?: number } = {},
): (...args: string[]) => Promise<CliResult> {
  return (...args) => runCli(['verify', '--config', config, ...args], options);
}

/** Runs `use` with a client on the local Redis, disconnected afterwards. */
export async function withRedis<T>(use: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(endpointsFromEnv().redisUrl);
  try {
    return await use(redis);
  } finally {
    redis.disconnect();
  }
}

/** A divergent row as the assertions compare it: kind, key and differing columns, sorted. */
export function brief(rows: readonly DivergentRow[]): string[] {
  return rows
    .map((r) => `${r.kind} ${JSON.stringify(r.key)}${r.columns ? ` ${r.columns.join(',')}` : ''}`)
    .sort();
}

/** The `--json` report on stdout; fails with both streams when there is none. */
export function reportOf(result: CliResult): VerifyReport {
  try {
    return JSON.parse(result.stdout) as VerifyReport;
  } catch {
    throw new Error(
      `dbtwin verify printed no JSON report (exit ${result.code}):\n${result.stdout}\n${result.stderr}`,
    );
  }
}

/** The report's entry for table `name` (schema-qualified there); fails listing the tables it has. */
export function tableOf(report: VerifyReport, name: string): VerifyReport['tables'][number] {
  const found = report.tables.find((t) => t.table.endsWith(`.${name}`));
  assert.ok(found, `no table ${name} in the report: ${report.tables.map((t) => t.table).join(', ')}`);
  return found;
}
