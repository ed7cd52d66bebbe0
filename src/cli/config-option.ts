import { Option } from 'commander';
import { DEFAULT_CONFIG_FILE } from '../config/config-loader.js';

/**
 * `-c, --config <file>`, the option every command that reads the configuration takes: default the
 * environment's `DBTWIN_CONFIG`, else `dbtwin.yaml` in the working directory.
 *
 * @param what what the command reads in it, for the help text (default `configuration file`)
 */
export function configOption(what = 'configuration file'): Option {
  return new Option('-c, --config <file>', `${what} (env DBTWIN_CONFIG)`).default(
    process.env['DBTWIN_CONFIG'] ?? DEFAULT_CONFIG_FILE,
  );
}
