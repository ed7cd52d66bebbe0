import type { Logger } from './logger.js';

/**
 * Logs a recurring warning at most once per `intervalMs` (default 60 s), with how many were held back
 * since the last one. For failures that repeat with every batch while a service is down (Redis): the
 * first is logged at once, the rest would only flood the log.
 */
export class WarningThrottle {
  private lastMs = -Infinity;
  private held = 0;

  constructor(
    private readonly logger: Logger,
    private readonly intervalMs = 60_000,
  ) {}

  warn(context: Record<string, unknown>, message: string): void {
    const now = Date.now();
    if (now - this.lastMs < this.intervalMs) {
      this.held++;
      return;
    }
    this.logger.warn({ ...context, ...(this.held > 0 ? { heldBack: this.held } : {}) }, message);
    this.lastMs = now;
    this.held = 0;
  }
}
