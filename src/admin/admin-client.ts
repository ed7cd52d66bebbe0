import { get as httpGet } from 'node:http';
import { z } from 'zod';
import { DbtwinError } from '../core/dbtwin-error.js';
import { ErrorCode } from '../core/error-codes.js';
import type { AdminAddress } from './admin-address.js';

/** How long `fetchAdminStatus` waits for an answer unless told otherwise. */
export const DEFAULT_ADMIN_TIMEOUT_MS = 5000;

// Loose objects: a newer dbtwin may report more; this reads what it shows and keeps the rest in `raw`.
const linkSchema = z.looseObject({
  link: z.string(),
  state: z.string(),
  counters: z.record(z.string(), z.number()),
  waitingFor: z.string().optional(),
  missingTopics: z.array(z.string()).optional(),
  // Partitions held by topic and the operator's pause (dbtwin pause), from releases that report them.
  partitions: z.record(z.string(), z.array(z.number())).optional(),
  pause: z.looseObject({ by: z.string(), at: z.string(), reason: z.string().optional() }).optional(),
  echo: z
    .looseObject({
      state: z.string(),
      reason: z.string().optional(),
      since: z.string().optional(),
    })
    .optional(),
});
const statusSchema = z.looseObject({
  config: z.string().optional(),
  // `host:pid:adminPort`, the id in the cluster registry.
  instance: z.string().optional(),
  command: z.string().optional(),
  pid: z.number().optional(),
  // Commands that run no link (`decode`) report none.
  links: z.array(linkSchema).optional(),
});

/** One link as `/status` reports it, read leniently (see `fetchAdminStatus`). */
export type ReportedLink = z.output<typeof linkSchema>;

/** What one dbtwin process answered on `/status`. */
export interface AdminReport {
  readonly address: AdminAddress;
  /** The `/status` document as received. */
  readonly raw: Readonly<Record<string, unknown>>;
  readonly config?: string;
  readonly command?: string;
  readonly pid?: number;
  /** Its id in the cluster registry (`host:pid:adminPort`), from releases that report it. */
  readonly instance?: string;
  readonly links: readonly ReportedLink[];
}

/**
 * GETs `/status` of the dbtwin process at `address`. Unknown fields are kept (in `raw`) and ignored.
 * Throws DBT4001 (ServiceUnreachable) when nothing answers there within `timeoutMs` (default
 * `DEFAULT_ADMIN_TIMEOUT_MS`), or when what answers is not a dbtwin admin endpoint; the message names
 * the address and the cause (`ECONNREFUSED`, `timed out after 5 s`, `HTTP 404`).
 */
export async function fetchAdminStatus(
  address: AdminAddress,
  timeoutMs = DEFAULT_ADMIN_TIMEOUT_MS,
): Promise<AdminReport> {
  let answer: { status: number; body: string };
  try {
    answer = await get(address, '/status', timeoutMs);
  } catch (error) {
    throw new DbtwinError(
      ErrorCode.ServiceUnreachable,
      `no dbtwin process answers at ${address.label}: ${reasonOf(error)}`,
      { hint: 'is `dbtwin run` running? pass --admin host:port', cause: error },
    );
  }
  const notDbtwin = (why: string, cause?: unknown): DbtwinError =>
    new DbtwinError(
      ErrorCode.ServiceUnreachable,
      `${address.label} answers, but not as a dbtwin admin endpoint: ${why}`,
      {
        hint: 'pass the admin address of `dbtwin run` (its log says adminPort) with --admin host:port',
        cause,
      },
    );
  if (answer.status !== 200) throw notDbtwin(`HTTP ${answer.status} on /status`);
  let body: unknown;
  try {
    body = JSON.parse(answer.body);
  } catch (error) {
    throw notDbtwin('/status is not JSON', error);
  }
  const parsed = statusSchema.safeParse(body);
  if (!parsed.success || typeof body !== 'object' || body === null)
    throw notDbtwin(
      `/status is not a dbtwin status (${parsed.error?.issues[0]?.message ?? 'not an object'})`,
    );
  return {
    address,
    raw: body as Record<string, unknown>,
    config: parsed.data.config,
    command: parsed.data.command,
    pid: parsed.data.pid,
    ...(parsed.data.instance === undefined ? {} : { instance: parsed.data.instance }),
    links: parsed.data.links ?? [],
  };
}

/**
 * One plain GET. node:http rather than fetch: fetch refuses the ports browsers block (6000, 6667, …)
 * and hides the socket error code under two layers of wrapping.
 */
function get(
  address: AdminAddress,
  path: string,
  timeoutMs: number,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpGet(
      { host: address.host, port: address.port, path, timeout: timeoutMs },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
        response.on('error', reject);
      },
    );
    request.on('timeout', () =>
      request.destroy(new Error(`timed out after ${timeoutMs / 1000} s`, { cause: 'timeout' })),
    );
    request.on('error', reject);
  });
}

/** The shortest useful cause of a failed request: the socket error code when there is one. */
function reasonOf(error: unknown): string {
  // Connecting to a name with several addresses fails with an AggregateError, one error per address.
  const code = codeOf(error) ?? codeOf(error instanceof AggregateError ? error.errors[0] : undefined);
  if (code) return code;
  return error instanceof Error ? error.message : String(error);
}

function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}
