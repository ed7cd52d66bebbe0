/* Small pieces every Redis user in dbtwin shares (dead-letter queues, echo store, breaker). */

/** Host and port of a Redis URL, without the password, for messages. */
export function redisAddress(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '6379'}`;
  } catch {
    return '(unparsable redis url)';
  }
}

/** Errors of the connection rather than of the command (a script error stays what it is). */
export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as NodeJS.ErrnoException).code ?? '';
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'EPIPE', 'EAI_AGAIN'].includes(
      code,
    ) ||
    /connection is closed|connect ECONNREFUSED|stream isn't writeable|reached the max retries/i.test(
      error.message,
    )
  );
}
