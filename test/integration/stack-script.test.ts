import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

const STACK = path.resolve('compose/local/stack.sh');
const SHARED_CACHE = path.resolve(process.env['DBTWIN_STACK_CACHE'] ?? '.stack/cache');

function stack(args: string[], env: NodeJS.ProcessEnv): { code: number | null; out: string } {
  const result = spawnSync('bash', [STACK, ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 240_000,
  });
  return { code: result.status, out: `${result.stdout}${result.stderr}` };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('local stack script (compose/local/stack.sh)', () => {
  it('status lists every component up, with the Debezium plugins Connect loaded', () => {
    const { code, out } = stack(['status'], {});
    assert.equal(code, 0, out);
    for (const expected of [
      /kafka\s+127\.0\.0\.1:9092\s+up/,
      /kafka connect\s+127\.0\.0\.1:8083\s+up/,
      /plugin io\.debezium\.connector\.mariadb\.MariaDbConnector \(source 3\.2\.\d+\.Final\)/,
      /plugin io\.debezium\.connector\.postgresql\.PostgresConnector/,
      /plugin io\.debezium\.connector\.oracle\.OracleConnector/,
      /plugin io\.debezium\.connector\.mysql\.MySqlConnector/,
      /plugin io\.debezium\.connector\.jdbc\.JdbcSinkConnector \(sink/,
      /mariadb\s+127\.0\.0\.1:3306\s+up.*log_bin=ON, binlog_format=ROW, binlog_row_image=FULL/,
      /postgresql\s+127\.0\.0\.1:5432\s+up.*wal_level=logical/,
      /redis\s+127\.0\.0\.1:6379\s+up/,
    ]) {
      assert.match(out, expected);
    }
  });

  it('a second `up` changes nothing and says so', () => {
    const { code, out } = stack(['up'], {});
    assert.equal(code, 0, out);
    assert.match(out, /everything was already up; nothing changed/);
  });

  it('a taken port fails fast, naming the component, the port owner and the log', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as AddressInfo).port;
    try {
      const dir = await mkdtemp(path.join(tmpdir(), 'dbtwin-stack-'));
      const started = Date.now();
      const { code, out } = stack(['up'], {
        DBTWIN_STACK_DIR: dir,
        DBTWIN_STACK_CACHE: SHARED_CACHE,
        DBTWIN_KAFKA_PORT: String(taken),
        DBTWIN_CONTROLLER_PORT: String(await freePort()),
        DBTWIN_CONNECT_PORT: String(await freePort()),
      });
      assert.equal(code, 1, out);
      assert.match(
        out,
        new RegExp(`stack: kafka failed: port ${taken} is taken by "node" pid ${process.pid}`),
      );
      assert.match(out, new RegExp(`log: ${dir}/logs/kafka\\.log`));
      assert.ok(Date.now() - started < 60_000, 'no hang');
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('a service that will not start fails fast, naming it, with the tail of its log', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'dbtwin-stack-'));
    // Storage that belongs to another node: the broker refuses it and exits at once.
    await mkdir(path.join(dir, 'data', 'kafka'), { recursive: true });
    await writeFile(
      path.join(dir, 'data', 'kafka', 'meta.properties'),
      'version=1\nnode.id=7\ncluster.id=somebody-else\n',
    );
    const started = Date.now();
    const { code, out } = stack(['up'], {
      DBTWIN_STACK_DIR: dir,
      DBTWIN_STACK_CACHE: SHARED_CACHE,
      DBTWIN_KAFKA_PORT: String(await freePort()),
      DBTWIN_CONTROLLER_PORT: String(await freePort()),
      DBTWIN_CONNECT_PORT: String(await freePort()),
    });
    assert.equal(code, 1, out);
    assert.match(out, /stack: kafka failed: the broker exited during start-up/);
    assert.match(out, new RegExp(`log: ${dir}/logs/kafka\\.log`));
    assert.match(out, /Stored node id 7 doesn't match/, 'the cause from the log is shown');
    assert.ok(Date.now() - started < 90_000, 'no hang');
  });

  it('an unreachable Maven repository fails the fetch, naming the artifact and the log', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'dbtwin-stack-'));
    const settings = path.join(dir, 'settings.xml');
    // A mirror on a closed local port: every download is refused at once.
    await writeFile(
      settings,
      `<settings><localRepository>${dir}/m2</localRepository><mirrors><mirror><id>nowhere</id><mirrorOf>*</mirrorOf><url>http://127.0.0.1:${await freePort()}/maven2</url></mirror></mirrors></settings>`,
    );
    const { code, out } = stack(['up'], { DBTWIN_STACK_DIR: dir, DBTWIN_MAVEN_SETTINGS: settings });
    assert.equal(code, 1, out);
    assert.match(
      out,
      /stack: maven fetch \(Kafka 3\.9\.1 jars\) failed: Maven could not fetch org\.apache\.kafka:kafka_2\.13:3\.9\.1/,
    );
    assert.match(out, new RegExp(`log: ${dir}/logs/fetch-kafka\\.log`));
  });
});
