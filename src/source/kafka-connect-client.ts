import { DbtwinError } from '../core/dbtwin-error.js';
import { ErrorCode } from '../core/error-codes.js';

/** A connector's or task's state as Kafka Connect reports it. */
export type ConnectState = 'RUNNING' | 'PAUSED' | 'FAILED' | 'UNASSIGNED' | 'RESTARTING' | 'STOPPED';

/** `GET /connectors/<name>/status`. */
export interface ConnectorStatus {
  readonly name: string;
  readonly connector: { readonly state: ConnectState; readonly worker_id: string; readonly trace?: string };
  readonly tasks: readonly { readonly id: number; readonly state: ConnectState; readonly trace?: string }[];
}

/** One plugin from `GET /connector-plugins`. */
export interface ConnectorPlugin {
  readonly class: string;
  readonly type: 'source' | 'sink';
  readonly version: string;
}

/**
 * A small client for the Kafka Connect REST API. Every call is bounded by `timeoutMs` (default 15 s)
 * so an unreachable worker fails with a clear error instead of hanging.
 */
export class KafkaConnectClient {
  constructor(
    readonly baseUrl: string,
    private readonly timeoutMs = 15_000,
  ) {}

  /** The installed connector plugins. */
  async plugins(): Promise<ConnectorPlugin[]> {
    return (await this.request('GET', '/connector-plugins')) as ConnectorPlugin[];
  }

  /** Names of the registered connectors. */
  async list(): Promise<string[]> {
    return (await this.request('GET', '/connectors')) as string[];
  }

  /** The connector's current config, or undefined when it is not registered. */
  async config(name: string): Promise<Record<string, string> | undefined> {
    return (await this.request('GET', `/connectors/${encodeURIComponent(name)}/config`, undefined, [404])) as
      Record<string, string> | undefined;
  }

  /** Creates or replaces the connector's config (`PUT /connectors/<name>/config`, idempotent). */
  async putConfig(name: string, config: Readonly<Record<string, string>>): Promise<void> {
    await this.request('PUT', `/connectors/${encodeURIComponent(name)}/config`, { ...config, name });
  }

  /** The connector's status, or undefined when it is not registered. */
  async status(name: string): Promise<ConnectorStatus | undefined> {
    return (await this.request('GET', `/connectors/${encodeURIComponent(name)}/status`, undefined, [404])) as
      ConnectorStatus | undefined;
  }

  /**
   * Forgets where the connector was (KIP-875: stop, delete offsets, resume), so it starts as if new:
   * by its `snapshot.mode`. For a source whose stored position the database no longer has (a dropped
   * PostgreSQL slot, purged binlogs).
   */
  async resetOffsets(name: string): Promise<void> {
    const path = `/connectors/${encodeURIComponent(name)}`;
    await this.request('PUT', `${path}/stop`);
    const deadline = Date.now() + 30_000;
    while ((await this.status(name))?.connector.state !== 'STOPPED') {
      if (Date.now() > deadline)
        throw new DbtwinError(ErrorCode.ConnectorFailed, `connector ${name} did not stop within 30 s`);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    await this.request('DELETE', `${path}/offsets`);
    await this.request('PUT', `${path}/resume`);
  }

  /** Removes the connector (its offsets stay in Connect's offset topic). */
  async remove(name: string): Promise<void> {
    await this.request('DELETE', `/connectors/${encodeURIComponent(name)}`, undefined, [404]);
  }

  /**
   * Waits until the connector and all its tasks are RUNNING. Throws ConnectorFailed with Connect's
   * trace as soon as anything is FAILED, and after `timeoutMs` (default 60 s) otherwise.
   */
  async waitRunning(name: string, timeoutMs = 60_000): Promise<ConnectorStatus> {
    const deadline = Date.now() + timeoutMs;
    let last: ConnectorStatus | undefined;
    for (;;) {
      last = await this.status(name);
      if (last) {
        const failed = [last.connector, ...last.tasks].find((s) => s.state === 'FAILED');
        if (failed) {
          throw new DbtwinError(
            ErrorCode.ConnectorFailed,
            `connector ${name} FAILED: ${firstLines(failed.trace)}`,
            {
              hint: `read the full trace with GET ${this.baseUrl}/connectors/${name}/status or the Connect log; fix the cause, then apply again`,
            },
          );
        }
        if (
          last.connector.state === 'RUNNING' &&
          last.tasks.length > 0 &&
          last.tasks.every((t) => t.state === 'RUNNING')
        ) {
          return last;
        }
      }
      if (Date.now() > deadline) {
        const state = last
          ? `${last.connector.state}, tasks ${last.tasks.map((t) => t.state).join(',') || 'none'}`
          : 'not registered';
        throw new DbtwinError(
          ErrorCode.ConnectorFailed,
          `connector ${name} not RUNNING after ${timeoutMs} ms (${state})`,
          {
            hint: 'check the Kafka Connect log',
          },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  private async request(
    method: string,
    path: string,
    body?: unknown,
    allowStatus: number[] = [],
  ): Promise<unknown> {
    const url = `${this.baseUrl}${path}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (cause) {
      throw new DbtwinError(
        ErrorCode.ServiceUnreachable,
        `Kafka Connect at ${this.baseUrl} is unreachable (${method} ${path})`,
        {
          hint: 'start it (npm run stack:up) or set DBTWIN_CONNECT_URL',
          cause,
        },
      );
    }
    const text = await response.text();
    if (allowStatus.includes(response.status)) return undefined;
    if (!response.ok) {
      const code =
        response.status === 400 || response.status === 422
          ? ErrorCode.ConnectorConfigInvalid
          : ErrorCode.ServiceUnreachable;
      throw new DbtwinError(
        code,
        `Kafka Connect answered ${response.status} to ${method} ${path}: ${firstLines(text)}`,
      );
    }
    return text.length === 0 ? undefined : (JSON.parse(text) as unknown);
  }
}

function firstLines(text: string | undefined, lines = 3): string {
  return (text ?? '(no trace)').split('\n').slice(0, lines).join(' | ');
}
