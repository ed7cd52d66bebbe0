import { stat } from 'node:fs/promises';
import type { DbtwinConfig } from '../config/dbtwin-config.js';
import type { Logger } from '../core/logger.js';
import type { ConflictRuleSource } from '../pipeline/link-pipeline.js';
import { createMergeFunctionRunner, type ManagedMergeFunctionRunner } from './merge-function-runner.js';
import { builtInRuleSet } from './rule-set.js';
import { RulesWatcher, type RulesStatus } from './rules-watcher.js';

/** What `/status` shows of the rules a process runs. */
export type RulesRuntimeStatus = RulesStatus | { readonly dir: string; readonly hash: 'built-in' };

/**
 * The conflict rules of one process (design §4): the rules folder of the configuration, watched and
 * reloaded without a restart (a bad edit is rejected and the last good rules keep running), and the
 * custom merge functions it names, each in its own worker. Without the folder, the built-in rules
 * (`priority` in side order). Every link of the process reads the same rules.
 */
export class RulesRuntime {
  private constructor(
    private readonly dir: string,
    private readonly watcher: RulesWatcher | undefined,
    private readonly functions: ManagedMergeFunctionRunner,
    readonly source: ConflictRuleSource,
  ) {}

  /**
   * Loads the rules of `dir` (default: the configuration's `rules.dir`); throws RuleSetInvalidError
   * (DBT1006, every problem with file:line:col) when they are invalid.
   */
  static async open(config: DbtwinConfig, logger: Logger, dir = config.rules.dir): Promise<RulesRuntime> {
    const sides = Object.keys(config.sides);
    const functions = createMergeFunctionRunner(dir, logger);
    const exists = await stat(dir).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (!exists) {
      logger.warn(
        { rulesDir: dir },
        `no rules folder at ${dir}: every conflict is resolved by priority (${sides.join(' > ')})`,
      );
      const builtIn = builtInRuleSet(sides);
      return new RulesRuntime(dir, undefined, functions, { current: () => builtIn, runFunction: functions });
    }
    const tables = [...new Set(Object.values(config.sides).flatMap((s) => s.tables))];
    const watcher = await RulesWatcher.start(dir, {
      sides,
      tables,
      logger,
      // Modules a function imports are not watched: every reload starts the functions afresh.
      onChange: () => void functions.reset(),
    });
    return new RulesRuntime(dir, watcher, functions, {
      current: () => watcher.current(),
      runFunction: functions,
    });
  }

  status(): RulesRuntimeStatus {
    return this.watcher?.status() ?? { dir: this.dir, hash: 'built-in' };
  }

  async close(): Promise<void> {
    this.watcher?.close();
    await this.functions.close();
  }
}
