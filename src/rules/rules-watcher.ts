import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { DbtwinError } from '../core/dbtwin-error.js';
import { createLogger, type Logger } from '../core/logger.js';
import { formatYamlProblem } from '../config/yaml-problems.js';
import { loadRuleSet, RuleSetInvalidError, type LoadRuleSetOptions } from './rule-file-loader.js';
import type { RuleSet } from './rule-set.js';

/** How long the folder must be quiet before a reload: an editor's save is several events. */
export const DEFAULT_RULES_DEBOUNCE_MS = 200;

/** How soon a folder that could not be read is watched and loaded again. */
const UNREADABLE_RETRY_MS = 1000;

/** A rejected reload, for `/status`. */
export interface RulesReloadError {
  /** When the edit was rejected (ISO 8601). */
  readonly at: string;
  /** Every problem, as `<file>:<line>:<col>: <key.path>: <message>` (or the one error that is no rule problem). */
  readonly problems: readonly string[];
}

/** What `/status` shows of the rules. */
export interface RulesStatus {
  readonly dir: string;
  /** The hash of the rules in force (RuleSet.hash). */
  readonly hash: string;
  /** When the rules in force were loaded (ISO 8601). */
  readonly loadedAt: string;
  /** The last rejected edit, until a later reload succeeds. */
  readonly lastError?: RulesReloadError;
}

export interface RulesWatcherOptions extends LoadRuleSetOptions {
  /** Default: a `dbtwin` logger (JSON lines on stderr). */
  readonly logger?: Logger;
  /** Default DEFAULT_RULES_DEBOUNCE_MS. */
  readonly debounceMs?: number;
  /** Called after each swap to a rule set with another hash; an exception it throws is logged, not raised. */
  readonly onChange?: (next: RuleSet, previous: RuleSet) => void;
}

/**
 * The rules in force, reloaded without a restart when the rules folder changes (design §4).
 *
 * Watches the folder itself, not its files, so saves that replace a file (write a temporary, rename
 * it over the old one, as vim and most editors do) and Kubernetes ConfigMap swaps are seen; also every
 * subfolder holding a merge-function module the rules name. Once the folder has been quiet for
 * `debounceMs`, the whole folder is loaded again: a valid folder replaces the rule set in one
 * assignment (`current()` never shows a mix of old and new files) and logs `rules reloaded: hash …`;
 * an invalid one logs every problem as `rules rejected: …; still running hash …` and the last good set
 * stays in force. Reloads never overlap; an edit during a reload is picked up by one more.
 */
export class RulesWatcher {
  private active: RuleSet;
  private loadedAt = new Date();
  private rejected: RulesReloadError | undefined;
  private watchers = new Map<string, FSWatcher>();
  private timer: NodeJS.Timeout | undefined;
  private reloading: Promise<void> | undefined;
  private pending = false;
  private closed = false;
  private readonly logger: Logger;
  private readonly debounceMs: number;

  private constructor(
    readonly dir: string,
    private readonly options: RulesWatcherOptions,
    initial: RuleSet,
    moduleDirs: readonly string[],
  ) {
    this.active = initial;
    this.logger = options.logger ?? createLogger();
    this.debounceMs = options.debounceMs ?? DEFAULT_RULES_DEBOUNCE_MS;
    this.watchFolders(moduleDirs);
  }

  /**
   * Loads the rules of `dir` and starts watching it. Throws what `loadRuleSet` throws
   * (RuleSetInvalidError): at start there are no last good rules to keep running.
   */
  static async start(dir: string, options: RulesWatcherOptions): Promise<RulesWatcher> {
    const loaded = await loadRuleSet(dir, options);
    const watcher = new RulesWatcher(dir, options, loaded.ruleSet, moduleFolders(dir, loaded.ruleSet));
    watcher.logger.info(
      { rulesDir: dir, hash: loaded.ruleSet.hash, files: loaded.files, warnings: loaded.warnings },
      `rules loaded: hash ${short(loaded.ruleSet.hash)} (${loaded.files.length} files)`,
    );
    return watcher;
  }

  /** The rule set in force. Read it once per unit of work (a batch) so the unit sees one set. */
  current(): RuleSet {
    return this.active;
  }

  /** The last rejected edit, or undefined when the latest reload succeeded. */
  lastError(): RulesReloadError | undefined {
    return this.rejected;
  }

  status(): RulesStatus {
    return {
      dir: this.dir,
      hash: this.active.hash,
      loadedAt: this.loadedAt.toISOString(),
      ...(this.rejected ? { lastError: this.rejected } : {}),
    };
  }

  /**
   * Loads the folder now (the watcher calls it after each quiet period; also for a SIGHUP or a test).
   * Resolves once this reload, and any it had to wait for, is done; never rejects.
   */
  async reload(): Promise<void> {
    if (this.reloading) {
      this.pending = true;
      return this.reloading;
    }
    this.reloading = (async () => {
      try {
        do {
          this.pending = false;
          await this.reloadOnce();
        } while (this.pending && !this.closed);
      } finally {
        // In the same turn as the last check of `pending`, so no request falls between the two.
        this.reloading = undefined;
      }
    })();
    return this.reloading;
  }

  /** Stops watching. `current()` keeps answering with the last good set. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }

  private async reloadOnce(): Promise<void> {
    const previous = this.active;
    try {
      const loaded = await loadRuleSet(this.dir, this.options);
      if (this.closed) return;
      const next = loaded.ruleSet;
      this.watchFolders(moduleFolders(this.dir, next));
      const recovered = this.rejected !== undefined;
      this.rejected = undefined;
      if (next.hash === previous.hash) {
        if (recovered)
          this.logger.info(
            { rulesDir: this.dir, hash: next.hash },
            `rules reloaded: hash ${short(next.hash)} (unchanged)`,
          );
        return;
      }
      this.active = next;
      this.loadedAt = new Date();
      this.logger.info(
        {
          rulesDir: this.dir,
          hash: next.hash,
          previousHash: previous.hash,
          files: loaded.files,
          warnings: loaded.warnings,
        },
        `rules reloaded: hash ${short(next.hash)} (was ${short(previous.hash)})`,
      );
      try {
        this.options.onChange?.(next, previous);
      } catch (error) {
        this.logger.error({ err: error }, 'rules: the onChange callback failed');
      }
    } catch (error) {
      if (this.closed) return;
      const problems =
        error instanceof RuleSetInvalidError
          ? error.problems.map(formatYamlProblem)
          : [error instanceof DbtwinError ? error.describe() : String(error)];
      // The same problems again (a folder still missing, retried) are news only at debug level.
      const repeated = JSON.stringify(problems) === JSON.stringify(this.rejected?.problems);
      this.rejected = { at: new Date().toISOString(), problems };
      this.logger[repeated ? 'debug' : 'error'](
        { rulesDir: this.dir, problems, hash: previous.hash },
        `rules rejected: ${problems.join('; ')}; still running hash ${short(previous.hash)}`,
      );
      if (!(error instanceof RuleSetInvalidError)) this.retryUnreadable();
    }
  }

  /**
   * The folder (or a file in it) could not be read: it may have been deleted or replaced, and a
   * watcher on a deleted folder never fires again. Watch afresh and load again shortly, until it reads.
   */
  private retryUnreadable(): void {
    const root = path.resolve(this.dir);
    this.watchers.get(root)?.close();
    this.watchers.delete(root);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.watchFolders(moduleFolders(this.dir, this.active));
      void this.reload();
    }, UNREADABLE_RETRY_MS);
    this.timer.unref();
  }

  /** Watches the rules folder and `extra` folders, and stops watching folders no longer needed. */
  private watchFolders(extra: readonly string[]): void {
    if (this.closed) return;
    const wanted = new Set([path.resolve(this.dir), ...extra.map((d) => path.resolve(d))]);
    for (const [folder, w] of this.watchers) {
      if (!wanted.has(folder)) {
        w.close();
        this.watchers.delete(folder);
      }
    }
    for (const folder of wanted) {
      if (this.watchers.has(folder)) continue;
      try {
        // Not persistent: the watcher never keeps a process alive on its own (the links do).
        const w = watch(folder, { persistent: false }, () => this.schedule());
        w.on('error', (error) => {
          // The folder went away (deleted, or replaced by a rename): the reload finds out, and retries.
          this.logger.warn({ err: error, folder }, 'rules: watching a rules folder failed');
          w.close();
          this.watchers.delete(folder);
          this.schedule();
        });
        this.watchers.set(folder, w);
      } catch (error) {
        // A folder that does not exist (yet): the reload reports it, and retries.
        this.logger.debug({ err: error, folder }, 'rules: cannot watch a rules folder');
      }
    }
  }

  private schedule(): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.reload(), this.debounceMs);
    this.timer.unref();
  }
}

/** The folders of the merge-function modules of `set` other than the rules folder itself. */
function moduleFolders(dir: string, set: RuleSet): string[] {
  const root = path.resolve(dir);
  const folders = new Set<string>();
  for (const rules of [set.defaults, ...set.tables.values()]) {
    for (const strategy of Object.values(rules.columns)) {
      if (strategy.kind !== 'function') continue;
      const folder = path.dirname(path.resolve(dir, strategy.module));
      if (folder !== root) folders.add(folder);
    }
  }
  return [...folders];
}

function short(hash: string): string {
  return hash.slice(0, 12);
}
