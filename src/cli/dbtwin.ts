#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { DbtwinError } from '../core/dbtwin-error.js';
import { registerBreakerCommand } from './commands/breaker-command.js';
import { registerConflictsCommand } from './commands/conflicts-command.js';
import { registerConfigCommand } from './commands/config-command.js';
import { registerConnectorsCommand } from './commands/connectors-command.js';
import { registerCutoverCommand } from './commands/cutover-command.js';
import { registerDecodeCommand } from './commands/decode-command.js';
import { registerDemoCommand } from './commands/demo-command.js';
import { registerDlqCommand } from './commands/dlq-command.js';
import { registerPauseCommand } from './commands/pause-command.js';
import { registerRulesCommand } from './commands/rules-command.js';
import { registerRunCommand } from './commands/run-command.js';
import { registerSchemaCommand } from './commands/schema-command.js';
import { registerStatusCommand } from './commands/status-command.js';
import { registerVerifyCommand } from './commands/verify-command.js';

/**
 * The `dbtwin` command line. Errors dbtwin raises on purpose print as `[DBTxxxx] message — hint` and
 * exit 1; anything else is a bug and prints its stack.
 */
const program = new Command('dbtwin')
  .description(
    'dbtwin — bidirectional replication gateway (MySQL/MariaDB ⇄ Oracle ⇄ PostgreSQL) on Debezium and Kafka',
  )
  .version('0.1.0')
  .showHelpAfterError();

registerBreakerCommand(program);
registerConfigCommand(program);
registerConflictsCommand(program);
registerConnectorsCommand(program);
registerCutoverCommand(program);
registerDecodeCommand(program);
registerDemoCommand(program);
registerDlqCommand(program);
registerPauseCommand(program);
registerRulesCommand(program);
registerRunCommand(program);
registerSchemaCommand(program);
registerStatusCommand(program);
registerVerifyCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof DbtwinError) {
    console.error(`dbtwin: ${error.describe()}`);
    process.exitCode = 1;
  } else if (error instanceof CommanderError) {
    process.exitCode = error.exitCode;
  } else {
    console.error('dbtwin: unexpected error (a bug — please report it with this trace):', error);
    process.exitCode = 70;
  }
}
