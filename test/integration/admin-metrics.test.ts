// The admin surface of a running dbtwin process — /metrics and `dbtwin status` (the built CLI) —
// against an AdminServer fed a fixed link status. No database: this tests what the operator sees.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AdminServer } from '../../src/admin/admin-server.js';
import type { LinkSnapshot } from '../../src/admin/link-metrics.js';
import { ErrorCode } from '../../src/core/error-codes.js';
import { zeroCounters, type LinkCounters } from '../../src/pipeline/link-pipeline.js';
import { runCli } from '../support/run-cli.js';

function counters(values: Partial<LinkCounters>): LinkCounters {
  return { ...zeroCounters(), ...values };
}

const FORWARD: LinkSnapshot = {
  link: 'mariadb->postgres',
  state: 'running',
  counters: counters({
    received: 120,
    applied: 97,
    superseded: 3,
    skippedOwnOrigin: 11,
    echoesRedis: 40,
    echoesLocal: 2,
    echoesCapture: 5,
    noOps: 7,
    breakerTrips: 1,
    quarantined: 4,
    skippedOther: 6,
    deadLettered: 8,
    retries: 9,
  }),
  echo: { state: 'ok' },
};
const BACKWARD = {
  link: 'postgres->mariadb',
  group: 'dbtwin.postgres-to-mariadb',
  topics: ['postgres.public.accounts'],
  state: 'retrying',
  missingTopics: [],
  counters: counters({ received: 5, applied: 1, echoesLocal: 3 }),
  waitingFor: 'mariadb is unreachable: ECONNREFUSED',
  echo: { state: 'degraded', reason: 'Redis lost its fingerprints', since: '2025-01-02T03:04:05.000Z' },
} satisfies LinkSnapshot & Record<string, unknown>;

interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Parses Prometheus text format 0.0.4: samples, and the `# TYPE` of each metric. */
function parseMetrics(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1]!, type[2]!);
    if (line === '' || line.startsWith('#')) continue;
    const sample = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(sample, `not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const m of (sample[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
      labels[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ name: sample[1]!, labels, value: Number(sample[3]) });
  }
  return { samples, types };
}

function valueOf(
  samples: readonly Sample[],
  name: string,
  labels: Record<string, string>,
): number | undefined {
  const found = samples.filter(
    (s) =>
      s.name === name &&
      Object.keys(s.labels).length === Object.keys(labels).length &&
      Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  assert.ok(found.length <= 1, `${name} ${JSON.stringify(labels)} appears ${found.length} times`);
  return found[0]?.value;
}

async function freePortNobodyListensOn(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('admin /metrics and dbtwin status', () => {
  let links: LinkSnapshot[] = [FORWARD, BACKWARD];
  const admin = new AdminServer(
    {
      ready: () => true,
      status: () => ({ config: 'fixture.yaml', pid: 4242, links }),
      links: () => links,
    },
    0,
  );
  let port: number;
  let dir: string;

  before(async () => {
    port = await admin.start();
    dir = await mkdtemp(path.join(tmpdir(), 'dbtwin-status-'));
  });
  after(async () => {
    await admin.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('/metrics: per-link counters with link (and layer) labels, link state, echo degradation, process metrics', async () => {
    links = [FORWARD, BACKWARD];
    const response = await fetch(`http://127.0.0.1:${port}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const { samples, types } = parseMetrics(await response.text());
    const forward = { link: FORWARD.link };
    const expected: [string, number][] = [
      ['dbtwin_messages_received_total', 120],
      ['dbtwin_changes_applied_total', 97],
      ['dbtwin_changes_superseded_total', 3],
      ['dbtwin_noops_total', 7],
      ['dbtwin_breaker_trips_total', 1],
      ['dbtwin_quarantined_total', 4],
      ['dbtwin_messages_skipped_total', 6],
      ['dbtwin_dead_letters_total', 8],
      ['dbtwin_retries_total', 9],
    ];
    for (const [name, value] of expected) {
      assert.equal(valueOf(samples, name, forward), value, name);
      assert.equal(types.get(name), 'counter', name);
    }
    const echoes = (link: string, layer: string): number | undefined =>
      valueOf(samples, 'dbtwin_echoes_suppressed_total', { link, layer });
    assert.equal(types.get('dbtwin_echoes_suppressed_total'), 'counter');
    assert.deepEqual(
      ['origin_header', 'redis', 'local', 'capture'].map((layer) => echoes(FORWARD.link, layer)),
      [11, 40, 2, 5],
    );
    assert.deepEqual(
      ['origin_header', 'redis', 'local', 'capture'].map((layer) => echoes(BACKWARD.link, layer)),
      [0, 0, 3, 0],
    );
    assert.equal(valueOf(samples, 'dbtwin_changes_applied_total', { link: BACKWARD.link }), 1);

    assert.equal(types.get('dbtwin_link_state'), 'gauge');
    for (const state of ['starting', 'running', 'retrying', 'stopped']) {
      assert.equal(
        valueOf(samples, 'dbtwin_link_state', { link: FORWARD.link, state }),
        state === 'running' ? 1 : 0,
      );
      assert.equal(
        valueOf(samples, 'dbtwin_link_state', { link: BACKWARD.link, state }),
        state === 'retrying' ? 1 : 0,
      );
    }
    assert.equal(types.get('dbtwin_echo_degraded'), 'gauge');
    assert.equal(valueOf(samples, 'dbtwin_echo_degraded', forward), 0);
    assert.equal(valueOf(samples, 'dbtwin_echo_degraded', { link: BACKWARD.link }), 1);

    // Default process metrics are on.
    assert.ok(samples.some((s) => s.name === 'process_cpu_user_seconds_total'));
    assert.ok(samples.some((s) => s.name === 'nodejs_heap_size_used_bytes'));
  });

  it('/metrics counters never go down, even when a link’s counters start again from zero', async () => {
    const scrape = async (): Promise<Sample[]> =>
      parseMetrics(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).samples;
    const applied = (samples: readonly Sample[]): number | undefined =>
      valueOf(samples, 'dbtwin_changes_applied_total', { link: FORWARD.link });
    links = [FORWARD];
    const before = applied(await scrape());
    assert.ok(before !== undefined);
    links = [{ ...FORWARD, counters: counters({ applied: 2 }) }];
    assert.equal(applied(await scrape()), before + 2);
    links = [{ ...FORWARD, counters: counters({ applied: 5 }) }];
    assert.equal(applied(await scrape()), before + 5);
  });

  it('keeps /status as it was and lists /metrics among the endpoints', async () => {
    links = [FORWARD, BACKWARD];
    assert.deepEqual(await (await fetch(`http://127.0.0.1:${port}/status`)).json(), {
      config: 'fixture.yaml',
      pid: 4242,
      links: [FORWARD, BACKWARD],
    });
    const missing = await fetch(`http://127.0.0.1:${port}/nope`);
    assert.equal(missing.status, 404);
    assert.deepEqual(((await missing.json()) as { endpoints: string[] }).endpoints, [
      '/healthz',
      '/readyz',
      '/status',
      '/metrics',
    ]);
  });

  it('/metrics of a process without links: process metrics only', async () => {
    const bare = new AdminServer({ ready: () => true, status: () => ({ command: 'decode' }) }, 0);
    const barePort = await bare.start();
    try {
      const { samples } = parseMetrics(await (await fetch(`http://127.0.0.1:${barePort}/metrics`)).text());
      assert.ok(samples.some((s) => s.name === 'process_cpu_user_seconds_total'));
      assert.deepEqual(
        samples.filter((s) => s.name.startsWith('dbtwin_')),
        [],
      );
    } finally {
      await bare.stop();
    }
  });

  it('dbtwin status --admin prints a table per process: counters, echoes by layer, echo state', async () => {
    links = [FORWARD, BACKWARD];
    const result = await runCli(['status', '--admin', `127.0.0.1:${port}`]);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.split('\n');
    assert.equal(lines[0], `127.0.0.1:${port}  pid 4242  fixture.yaml`);
    const cells = (line: string | undefined): string[] => (line ?? '').trim().split(/\s{2,}/);
    assert.deepEqual(cells(lines[1]), [
      'link',
      'state',
      'applied',
      'echoes r/l/c/o',
      'no-ops',
      'breaker trips',
      'quarantined',
      'dead letters',
      'retries',
      'echo',
    ]);
    assert.deepEqual(cells(lines[2]), [
      'mariadb->postgres',
      'running',
      '97',
      '40/2/5/11',
      '7',
      '1',
      '4',
      '8',
      '9',
      'ok',
    ]);
    assert.deepEqual(cells(lines[3]), [
      'postgres->mariadb',
      'retrying',
      '1',
      '0/3/0/0',
      '0',
      '0',
      '0',
      '0',
      '0',
      'degraded: Redis lost its fingerprints (since 2025-01-02T03:04:05.000Z)',
    ]);
    assert.equal(lines[4], '    waiting for: mariadb is unreachable: ECONNREFUSED');
    assert.match(lines[5] ?? '', /^echoes r\/l\/c\/o: /);
  });

  it('dbtwin status --json prints the /status documents, each with its admin address', async () => {
    links = [FORWARD, BACKWARD];
    const result = await runCli(['status', '--json', '--admin', `127.0.0.1:${port}`, `localhost:${port}`]);
    assert.equal(result.code, 0, result.stderr);
    const document = { config: 'fixture.yaml', pid: 4242, links: [FORWARD, BACKWARD] };
    assert.deepEqual(JSON.parse(result.stdout), [
      { admin: `127.0.0.1:${port}`, ...document },
      { admin: `localhost:${port}`, ...document },
    ]);
  });

  it('dbtwin status without --admin asks the configuration’s admin address (DBTWIN_ADMIN_PORT honoured)', async () => {
    const file = path.join(dir, 'dbtwin.yaml');
    await writeFile(
      file,
      `sides:
  mariadb:
    engine: mysql
    connection: { host: 127.0.0.1, port: 3306, user: u, password: p, database: app }
    topicPrefix: mariadb
    schema: app
    tables: [accounts]
`,
    );
    const fromEnv = await runCli(['status', '-c', file], { env: { DBTWIN_ADMIN_PORT: String(port) } });
    assert.equal(fromEnv.code, 0, fromEnv.stderr);
    assert.match(fromEnv.stdout, new RegExp(`^127\\.0\\.0\\.1:${port}  pid 4242`));

    const inFile = path.join(dir, 'with-admin.yaml');
    await writeFile(inFile, `admin: { host: 0.0.0.0, port: ${port} }\n${await readFile(file, 'utf8')}`);
    const fromFile = await runCli(['status', '--config', inFile], { env: { DBTWIN_ADMIN_PORT: '1' } });
    assert.equal(fromFile.code, 0, fromFile.stderr);
    assert.match(fromFile.stdout, new RegExp(`^127\\.0\\.0\\.1:${port}  pid 4242`));
  });

  it('dbtwin status names an address where nothing answers, says what to do, exits 1', async () => {
    const dead = await freePortNobodyListensOn();
    const result = await runCli(['status', '--admin', `127.0.0.1:${dead}`]);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.equal(
      result.stderr.trim(),
      `dbtwin: [${ErrorCode.ServiceUnreachable}] no dbtwin process answers at 127.0.0.1:${dead}: ECONNREFUSED — is \`dbtwin run\` running? pass --admin host:port`,
    );

    // The processes that answer are still shown.
    const mixed = await runCli(['status', '--admin', `127.0.0.1:${port}`, `127.0.0.1:${dead}`]);
    assert.equal(mixed.code, 1);
    assert.match(mixed.stdout, /mariadb->postgres\s+running/);
    assert.match(
      mixed.stderr,
      new RegExp(`no dbtwin process answers at 127\\.0\\.0\\.1:${dead}: ECONNREFUSED`),
    );
  });

  it('dbtwin status gives up on a process that does not answer in time, and on what is not dbtwin', async () => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer(() => undefined);
    silent.on('connection', (s) => sockets.add(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const other: Server = createServer((_req, res) => res.writeHead(404).end('not here'));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      const silentPort = (silent.address() as AddressInfo).port;
      const slow = await runCli(['status', '--timeout', '0.3', '--admin', `127.0.0.1:${silentPort}`]);
      assert.equal(slow.code, 1);
      assert.match(
        slow.stderr,
        new RegExp(`no dbtwin process answers at 127\\.0\\.0\\.1:${silentPort}: timed out after 0\\.3 s`),
      );

      const otherPort = (other.address() as AddressInfo).port;
      const wrong = await runCli(['status', '--admin', `127.0.0.1:${otherPort}`]);
      assert.equal(wrong.code, 1);
      assert.match(
        wrong.stderr,
        new RegExp(
          `127\\.0\\.0\\.1:${otherPort} answers, but not as a dbtwin admin endpoint: HTTP 404 on /status`,
        ),
      );
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => silent.close(resolve));
      await new Promise((resolve) => other.close(resolve));
    }
  });
});
