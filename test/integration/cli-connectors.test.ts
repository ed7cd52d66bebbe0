import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../support/run-cli.js';

describe('dbtwin connectors (real Kafka Connect)', () => {
  it('apply is idempotent: the registered local connectors are unchanged and RUNNING', async () => {
    const first = await runCli(['connectors', 'apply', 'compose/connectors/local']);
    assert.equal(first.code, 0, first.stderr);
    const again = await runCli(['connectors', 'apply', 'compose/connectors/local']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^unchanged\s+dbtwin-mariadb-source\s+RUNNING \(1 task\(s\)\)/m);
    assert.match(again.stdout, /^unchanged\s+dbtwin-postgres-source\s+RUNNING \(1 task\(s\)\)/m);
    const status = await runCli(['connectors', 'status']);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /^dbtwin-mariadb-source\s+RUNNING\s+tasks 0:RUNNING$/m);
    assert.match(status.stdout, /^dbtwin-postgres-source\s+RUNNING\s+tasks 0:RUNNING$/m);
  });

  it('a connector file without the origin header is refused before Kafka Connect sees it', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'dbtwin-connectors-'));
    const file = path.join(dir, 'no-origin.json');
    await writeFile(
      file,
      JSON.stringify({
        name: 'x',
        config: { 'connector.class': 'io.debezium.connector.mariadb.MariaDbConnector', 'topic.prefix': 'x' },
      }),
    );
    const result = await runCli(['connectors', 'apply', file]);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /\[DBT1002\].*transforms\.origin\.type must be "org\.apache\.kafka\.connect\.transforms\.InsertHeader"/s,
    );
    assert.ok(result.stderr.includes(file), 'names the file');
  });

  it('an unreachable Kafka Connect is a clear error, not a hang or a stack trace', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise((resolve) => server.close(resolve));
    const result = await runCli(['connectors', 'status', '--connect-url', `http://127.0.0.1:${port}`], {
      timeoutMs: 30_000,
    });
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      new RegExp(
        `\\[DBT4001\\] Kafka Connect at http://127\\.0\\.0\\.1:${port} is unreachable.*npm run stack:up`,
      ),
    );
  });
});
