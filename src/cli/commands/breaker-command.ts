import type { Command } from 'commander';
import { loadConfig } from '../../config/config-loader.js';
import { DbtwinError } from '../../core/dbtwin-error.js';
import { ErrorCode } from '../../core/error-codes.js';
import { createLogger } from '../../core/logger.js';
import { redisAddress } from '../../core/redis-connection.js';
import { LoopGuard } from '../../echo/loop-guard.js';
import type { QuarantinedRow } from '../../echo/ping-pong-breaker.js';
import { configOption } from '../config-option.js';

/**
 * `dbtwin breaker list|release`: the rows the ping-pong breaker quarantined (design §3.5), with the
 * history of changes that tripped it, and the way to let a row flow again.
 */
export function registerBreakerCommand(program: Command): void {
  const breaker = program
    .command('breaker')
    .description('rows the ping-pong breaker quarantined because they bounced between the sides');

  breaker
    .command('list')
    .description('list quarantined rows with the history of changes that tripped the breaker, newest first')
    .addOption(configOption())
    .option('--json', 'print them as one JSON array')
    .action(async (opts: { config: string; json?: boolean }) => {
      await withBreaker(opts.config, async (guard) => {
        const rows = await guard.breaker.list();
        if (opts.json) {
          console.log(JSON.stringify(rows, null, 2));
          return;
        }
        if (rows.length === 0) console.log('no quarantined rows');
        for (const row of rows) console.log(describe(row));
      });
    });

  breaker
    .command('release')
    .description('let a quarantined row flow again (then `dbtwin dlq replay` applies what was held back)')
    .argument('<rowId>', 'the row id `breaker list` shows')
    .addOption(configOption())
    .action(async (rowId: string, opts: { config: string }) => {
      await withBreaker(opts.config, async (guard) => {
        if (await guard.breaker.release(rowId)) {
          console.log(`released ${rowId}; replay its held-back changes with dbtwin dlq replay`);
        } else {
          console.error(`dbtwin: no quarantined row ${rowId} (dbtwin breaker list shows them)`);
          process.exitCode = 1;
        }
      });
    });
}

async function withBreaker(file: string, work: (guard: LoopGuard) => Promise<void>): Promise<void> {
  const config = await loadConfig(file);
  const guard = LoopGuard.open(config, createLogger('dbtwin-breaker', 'error'));
  try {
    await guard.ready();
    await work(guard);
  } catch (error) {
    if (error instanceof DbtwinError) throw error;
    throw new DbtwinError(
      ErrorCode.ServiceUnreachable,
      `Redis at ${redisAddress(config.redis.url)} did not answer: ${error instanceof Error ? error.message : String(error)}`,
      { hint: 'check redis.url in the configuration; locally, npm run stack:up starts Redis', cause: error },
    );
  } finally {
    await guard.close();
  }
}

function describe(row: QuarantinedRow): string {
  const lines = [
    `${row.rowId}  ${row.table} ${JSON.stringify(row.key)}  tripped ${row.trippedAt} by ${row.trippedBy} after ${row.flips} direction changes`,
  ];
  for (const h of row.history)
    lines.push(`    ${h.at}  ${h.link.padEnd(24)} ${h.coordinate}  state ${h.state}`);
  return lines.join('\n');
}
