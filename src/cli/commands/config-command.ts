import type { Command } from 'commander';
import {
  ConfigInvalidError,
  DEFAULT_CONFIG_FILE,
  formatConfigProblem,
  loadConfig,
} from '../../config/config-loader.js';

/** `dbtwin config check [file]`: validates a configuration file without connecting to anything. */
export function registerConfigCommand(program: Command): void {
  const config = program.command('config').description('inspect the dbtwin configuration file');

  config
    .command('check')
    .description(
      'validate a configuration file (YAML, ${VAR:-default} placeholders, names that refer to each other); prints every problem as file:line:col: key: message',
    )
    .argument(
      '[file]',
      'configuration file (env DBTWIN_CONFIG)',
      process.env['DBTWIN_CONFIG'] ?? DEFAULT_CONFIG_FILE,
    )
    .action(async (file: string) => {
      try {
        const loaded = await loadConfig(file);
        const sides = Object.keys(loaded.sides).length;
        console.log(`ok: ${sides} sides, ${loaded.links.length} links`);
      } catch (error) {
        // The problems are this command's output: one per line, as editors and CI annotations read them.
        if (!(error instanceof ConfigInvalidError)) throw error;
        for (const problem of error.problems) console.error(formatConfigProblem(problem));
        console.error(
          `dbtwin: [${error.code}] ${error.problems.length} error${error.problems.length === 1 ? '' : 's'} in ${file}`,
        );
        process.exitCode = 1;
      }
    });
}
