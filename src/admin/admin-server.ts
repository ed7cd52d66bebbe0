import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DbtwinError } from '../core/dbtwin-error.js';
import { ErrorCode } from '../core/error-codes.js';
import type { HealCounts } from '../rules/row-healer.js';
import { LinkMetrics, type LinkSnapshot } from './link-metrics.js';

/** What a long-running dbtwin process reports on its admin port. */
export interface AdminState {
  /** True once the process is doing its work (e.g. its consumer joined the group). */
  ready(): boolean;
  /** A JSON-safe snapshot for `/status`. */
  status(): Record<string, unknown>;
  /**
   * The links this process runs, read at each `/metrics` scrape. Absent: `/metrics` serves the
   * process metrics only (commands that run no link).
   */
  links?(): readonly LinkSnapshot[];
  /** The convergence check's counts, for `/metrics`; absent when the process runs none. */
  convergence?(): HealCounts | undefined;
  /**
   * Further GET endpoints by exact path (for example `/route`, `/dashboard`), added by the command
   * that runs the server. They cannot replace the four built-in endpoints.
   */
  endpoints?: ReadonlyMap<string, AdminEndpoint>;
}

/** What an extra admin endpoint answers: a JSON body unless `contentType` says otherwise. */
export interface AdminReply {
  readonly code: number;
  readonly body: unknown;
  /** Default `application/json` (the body is serialised); any other type sends `body` as a string. */
  readonly contentType?: string;
}

/** An extra GET endpoint; `query` holds the URL's search parameters. A throw answers 500. */
export type AdminEndpoint = (query: URLSearchParams) => AdminReply | Promise<AdminReply>;

/** The endpoints, in the order a 404 lists them. */
const BUILT_IN = ['/healthz', '/readyz', '/status', '/metrics'] as const;

/**
 * The admin HTTP endpoint every long-running dbtwin process serves (design §7): `/healthz` (the
 * process is alive), `/readyz` (it is doing its work: 503 until then), `/status` (JSON) and
 * `/metrics` (Prometheus text, see LinkMetrics). Binds 127.0.0.1 unless `host` says otherwise; port 0
 * picks a free port.
 */
export class AdminServer {
  private server: Server | undefined;
  private readonly metrics: LinkMetrics;

  constructor(
    private readonly state: AdminState,
    private readonly port: number,
    private readonly host = '127.0.0.1',
  ) {
    this.metrics = new LinkMetrics(
      () => this.state.links?.() ?? [],
      this.state.convergence ? () => this.state.convergence?.() : undefined,
    );
  }

  /** Starts listening; resolves with the bound port. */
  async start(): Promise<number> {
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://admin.invalid');
      const path = url.pathname;
      const send = (code: number, body: unknown): void => {
        res.writeHead(code, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.method !== 'GET') return send(405, { error: 'only GET' });
      if (path === '/healthz') return send(200, { status: 'ok' });
      if (path === '/readyz')
        return this.state.ready() ? send(200, { status: 'ready' }) : send(503, { status: 'starting' });
      if (path === '/status') return send(200, this.state.status());
      if (path === '/metrics') {
        this.metrics.render().then(
          (text) => {
            res.writeHead(200, { 'content-type': this.metrics.contentType });
            res.end(text);
          },
          (error: unknown) => send(500, { error: `metrics failed: ${(error as Error).message}` }),
        );
        return;
      }
      const extra = this.state.endpoints?.get(path);
      if (extra) {
        Promise.resolve()
          .then(() => extra(url.searchParams))
          .then(
            (reply) => {
              if (reply.contentType === undefined || reply.contentType === 'application/json')
                return send(reply.code, reply.body);
              res.writeHead(reply.code, { 'content-type': reply.contentType });
              res.end(String(reply.body));
            },
            (error: unknown) => send(500, { error: `${path} failed: ${(error as Error).message}` }),
          );
        return;
      }
      return send(404, {
        error: `no such endpoint ${path}`,
        endpoints: [...BUILT_IN, ...(this.state.endpoints?.keys() ?? [])],
      });
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => {
        reject(
          error.code === 'EADDRINUSE'
            ? new DbtwinError(
                ErrorCode.ConfigInvalid,
                `admin port ${this.host}:${this.port} is already in use`,
                {
                  hint: 'another dbtwin process may be running; pass --admin-port 0 (any free port) or another port',
                  cause: error,
                },
              )
            : error,
        );
      });
      server.listen(this.port, this.host, () => resolve());
    });
    return (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise((resolve) => server.close(resolve));
  }
}
