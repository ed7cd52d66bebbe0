// The docker-compose production shape (compose/docker-compose.yml) and its Debezium connector configs.
// The file is checked twice: as YAML, always, and as `docker compose config` renders it when the
// compose client is installed (the client alone renders it; no Docker engine is needed). The connector
// JSON files are checked always: they are what carries the origin header and the exact-value settings
// that the decoder relies on.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const composeDir = join(root, 'compose');
const composeFile = join(composeDir, 'docker-compose.yml');
const connectorsDir = join(composeDir, 'connectors', 'docker');

type EnvValue = string | number | boolean | null;

interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string | string[];
  environment?: Record<string, EnvValue> | string[];
  ports?: (string | number | { target?: number | string; published?: number | string })[];
  healthcheck?: { test?: string | string[]; disable?: boolean };
  depends_on?: string[] | Record<string, { condition?: string }>;
  volumes?: (string | { type?: string; source?: string; target?: string })[];
}

interface ComposeModel {
  services?: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

interface ConnectorFile {
  file: string;
  name: unknown;
  config: Record<string, unknown>;
}

const EXPECTED_SERVICES = [
  'mysql',
  'oracle',
  'kafka',
  'connect',
  'redis',
  'connectors-init',
  'dbtwin-1',
  'dbtwin-2',
];

function service(model: ComposeModel, name: string): ComposeService {
  const svc = model.services?.[name];
  assert.ok(svc, `service ${name} is missing`);
  return svc;
}

function commandOf(svc: ComposeService, name: string): string[] {
  assert.ok(Array.isArray(svc.command), `${name}: command should be a list of arguments`);
  return svc.command;
}

function envOf(svc: ComposeService): Map<string, string> {
  const env = new Map<string, string>();
  if (Array.isArray(svc.environment)) {
    for (const entry of svc.environment) {
      const eq = entry.indexOf('=');
      env.set(eq < 0 ? entry : entry.slice(0, eq), eq < 0 ? '' : entry.slice(eq + 1));
    }
  } else {
    for (const [key, value] of Object.entries(svc.environment ?? {})) env.set(key, String(value));
  }
  return env;
}

/** Ports as `published:target`, from the short string form or the long form `compose config` emits. */
function portsOf(svc: ComposeService): string[] {
  return (svc.ports ?? []).map((p) =>
    typeof p === 'object' ? `${String(p.published)}:${String(p.target)}` : String(p),
  );
}

function dependencies(svc: ComposeService): Map<string, string> {
  const deps = new Map<string, string>();
  if (Array.isArray(svc.depends_on)) {
    for (const name of svc.depends_on) deps.set(name, 'service_started');
  } else {
    for (const [name, dep] of Object.entries(svc.depends_on ?? {})) {
      deps.set(name, dep.condition ?? 'service_started');
    }
  }
  return deps;
}

function buildOf(svc: ComposeService): { context: string; dockerfile: string } {
  assert.ok(svc.build, 'service has no build section');
  const build = typeof svc.build === 'string' ? { context: svc.build } : svc.build;
  // Relative contexts are relative to the compose file; `compose config` makes them absolute.
  return { context: resolve(composeDir, build.context ?? '.'), dockerfile: build.dockerfile ?? 'Dockerfile' };
}

/** A server flag as `name=value` with `_` and `-` unified, so `--gtid_mode=ON` counts as `--gtid-mode=ON`. */
function normalizeFlag(arg: string): string {
  const eq = arg.indexOf('=');
  const name = eq < 0 ? arg : arg.slice(0, eq);
  return name.replaceAll('_', '-').toLowerCase() + (eq < 0 ? '' : arg.slice(eq));
}

/** Every assertion about the compose model, applied to the parsed YAML and to `compose config`. */
const composeChecks: [string, (model: ComposeModel) => void][] = [
  [
    'defines every service of the production shape',
    (model) => {
      for (const name of EXPECTED_SERVICES) service(model, name);
    },
  ],
  [
    'uses the pinned images and the local Dockerfiles',
    (model) => {
      assert.equal(service(model, 'mysql').image, 'mysql:8.4');
      assert.match(
        service(model, 'oracle').image ?? '',
        /^(gvenzl\/oracle-free:23|container-registry\.oracle\.com\/database\/free)/,
      );
      assert.equal(service(model, 'kafka').image, 'apache/kafka:3.9.1');
      assert.equal(service(model, 'redis').image, 'redis:7');
      const connect = buildOf(service(model, 'connect'));
      assert.equal(connect.context, join(composeDir, 'docker', 'connect'));
      const dockerfile = readFileSync(join(connect.context, connect.dockerfile), 'utf8');
      assert.match(dockerfile, /^FROM quay\.io\/debezium\/connect:\$\{DEBEZIUM_VERSION\}$/m);
      assert.match(dockerfile, /^ARG DEBEZIUM_VERSION=3\.2\.\d+\.Final$/m);
      assert.match(dockerfile, /com\/oracle\/database\/jdbc\/ojdbc11\//);
      for (const name of ['connectors-init', 'dbtwin-1', 'dbtwin-2']) {
        const build = buildOf(service(model, name));
        assert.equal(build.context, root, `${name}: the build context is the repo root`);
        assert.equal(build.dockerfile, 'compose/docker/dbtwin/Dockerfile', name);
      }
    },
  ],
  [
    'runs MySQL with a ROW/FULL binlog, GTIDs, rows-query events and UTC',
    (model) => {
      const flags = new Set(commandOf(service(model, 'mysql'), 'mysql').map(normalizeFlag));
      for (const flag of [
        '--binlog-format=ROW',
        '--binlog-row-image=FULL',
        '--gtid-mode=ON',
        '--enforce-gtid-consistency=ON',
        '--binlog-rows-query-log-events=ON',
        '--default-time-zone=+00:00',
      ]) {
        assert.ok(flags.has(flag), `mysql is missing ${flag}`);
      }
      assert.ok(
        [...flags].some((f) => /^--server-id=[1-9]\d*$/.test(f)),
        'mysql needs a non-zero --server-id',
      );
      assert.equal(envOf(service(model, 'mysql')).get('MYSQL_DATABASE'), 'app');
    },
  ],
  [
    'gives every long-running service a healthcheck',
    (model) => {
      for (const name of EXPECTED_SERVICES.filter((s) => s !== 'connectors-init')) {
        const hc = service(model, name).healthcheck;
        assert.ok(hc && hc.disable !== true, `${name} has no healthcheck`);
        assert.ok(hc.test !== undefined && hc.test.length > 0, `${name}: empty healthcheck test`);
      }
      // An open PDB is not enough: the init script (ARCHIVELOG restart, users) must have finished.
      assert.match(String(service(model, 'oracle').healthcheck?.test), /dbtwin-init\.done/);
    },
  ],
  [
    'orders the start through healthy dependencies',
    (model) => {
      const expect = (name: string, deps: Record<string, string>): void => {
        const actual = dependencies(service(model, name));
        for (const [dep, condition] of Object.entries(deps)) {
          assert.equal(actual.get(dep), condition, `${name} -> ${dep}`);
        }
      };
      expect('connect', { kafka: 'service_healthy' });
      expect('connectors-init', {
        connect: 'service_healthy',
        mysql: 'service_healthy',
        oracle: 'service_healthy',
      });
      for (const name of ['dbtwin-1', 'dbtwin-2']) {
        expect(name, {
          kafka: 'service_healthy',
          redis: 'service_healthy',
          'connectors-init': 'service_completed_successfully',
        });
      }
    },
  ],
  [
    'registers the docker connectors with the dbtwin CLI',
    (model) => {
      assert.deepEqual(commandOf(service(model, 'connectors-init'), 'connectors-init'), [
        'connectors',
        'apply',
        '/app/compose/connectors/docker',
        '--connect-url',
        'http://connect:8083',
      ]);
    },
  ],
  [
    'runs two dbtwin instances in one consumer group, admin ports 9464 and 9465',
    (model) => {
      const ports: string[] = [];
      for (const name of ['dbtwin-1', 'dbtwin-2']) {
        const svc = service(model, name);
        const command = commandOf(svc, name);
        assert.equal(command[0], 'decode', `${name} runs the decoder until the replication link lands`);
        assert.equal(command[command.indexOf('--group') + 1], 'dbtwin-compose', name);
        const topics = new RegExp(command[command.indexOf('--topics') + 1] ?? '(?!)');
        for (const topic of ['mysql.app.orders', 'oracle.APP.ORDERS']) {
          assert.match(topic, topics, `${name} does not subscribe to ${topic}`);
        }
        for (const topic of ['mysql.other.orders', 'dbtwin-connect-offsets', 'oracle.transaction']) {
          assert.doesNotMatch(topic, topics, `${name} should not subscribe to ${topic}`);
        }
        const env = envOf(svc);
        assert.equal(env.get('DBTWIN_KAFKA_BROKERS'), 'kafka:9092', name);
        assert.equal(env.get('DBTWIN_REDIS_URL'), 'redis://redis:6379', name);
        ports.push(...portsOf(svc));
      }
      assert.deepEqual(ports.sort(), ['9464:9464', '9465:9464']);
    },
  ],
  [
    'keeps database, broker and cache data in named volumes',
    (model) => {
      const mounts: [string, string][] = [
        ['mysql', '/var/lib/mysql'],
        ['oracle', '/opt/oracle/oradata'],
        ['kafka', '/var/lib/kafka/data'],
        ['redis', '/data'],
      ];
      for (const [name, target] of mounts) {
        const volumes = service(model, name).volumes ?? [];
        const named = volumes.some((v) =>
          typeof v === 'string'
            ? new RegExp(`^[a-z][a-z0-9_.-]*:${target}(:|$)`).test(v)
            : v.type === 'volume' && v.target === target,
        );
        assert.ok(named, `${name}: ${target} is not on a named volume`);
      }
      for (const volume of ['mysql-data', 'oracle-data', 'kafka-data', 'redis-data']) {
        assert.ok(model.volumes && volume in model.volumes, `volume ${volume} is not declared`);
      }
    },
  ],
];

function loadComposeYaml(): ComposeModel {
  const parsed: unknown = parse(readFileSync(composeFile, 'utf8'));
  assert.ok(parsed !== null && typeof parsed === 'object', 'docker-compose.yml is not a mapping');
  return parsed;
}

/** Decided before the tests run, so a missing client shows as a skip with its reason. */
function probeComposeClient(): string | undefined {
  const probe = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8', timeout: 30_000 });
  if (probe.error === undefined && probe.status === 0) return undefined;
  const detail =
    probe.error?.message ??
    (probe.stderr.trim() || probe.stdout.trim()).split('\n')[0] ??
    `exit status ${probe.status}`;
  return `docker compose client not installed: ${detail}`;
}

const composeClientMissing = probeComposeClient();

function loadConnectors(): ConnectorFile[] {
  const files = readdirSync(connectorsDir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  return files.map((file) => {
    const parsed: unknown = JSON.parse(readFileSync(join(connectorsDir, file), 'utf8'));
    assert.ok(parsed !== null && typeof parsed === 'object', `${file} is not an object`);
    const { name, config } = parsed as { name?: unknown; config?: unknown };
    assert.ok(config !== null && typeof config === 'object', `${file} has no config object`);
    return { file, name, config: config as Record<string, unknown> };
  });
}

const SIDE_OF_CLASS: Record<string, string> = {
  'io.debezium.connector.mysql.MySqlConnector': 'mysql',
  'io.debezium.connector.oracle.OracleConnector': 'oracle',
};

const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)(:-[^}]*)?\}/g;

describe('docker compose production shape (compose/docker-compose.yml)', () => {
  describe('as YAML', () => {
    for (const [name, check] of composeChecks) {
      it(name, () => check(loadComposeYaml()));
    }
  });

  describe('as rendered by docker compose config', () => {
    it('renders with every check above holding', { skip: composeClientMissing }, () => {
      const rendered = spawnSync('docker', ['compose', '-f', composeFile, 'config', '--format', 'json'], {
        cwd: root,
        encoding: 'utf8',
        timeout: 60_000,
      });
      assert.equal(rendered.status, 0, `docker compose config failed: ${rendered.stderr}`);
      const model: unknown = JSON.parse(rendered.stdout);
      assert.ok(model !== null && typeof model === 'object');
      for (const [, check] of composeChecks) check(model);
    });
  });

  it('prepares Oracle for LogMiner and creates the user Debezium excludes', () => {
    const init = readFileSync(join(composeDir, 'docker', 'oracle', 'init', '01-logminer.sh'), 'utf8');
    assert.match(init, /ALTER DATABASE ARCHIVELOG/);
    assert.match(init, /ALTER DATABASE ADD SUPPLEMENTAL LOG DATA;/);
    assert.match(init, /ALTER DATABASE ADD SUPPLEMENTAL LOG DATA \(ALL\) COLUMNS;/);
    assert.match(init, /CREATE USER c##dbzuser .*CONTAINER=ALL/s);
    for (const grant of ['LOGMINING', 'FLASHBACK ANY TABLE', 'SELECT ANY TRANSACTION', 'SET CONTAINER']) {
      assert.match(init, new RegExp(`GRANT ${grant} TO c##dbzuser CONTAINER=ALL;`), grant);
    }
    // V_\$: the SQL sits in an unquoted shell here-document, where \$ keeps the dollar sign.
    for (const view of ['LOGMNR_CONTENTS', 'ARCHIVED_LOG', 'TRANSACTION', 'MYSTAT', 'STATNAME']) {
      assert.ok(init.includes(`GRANT SELECT ON V_\\$${view} TO c##dbzuser CONTAINER=ALL;`), view);
    }
    assert.match(init, /CREATE USER app /);
    assert.match(init, /CREATE USER dbtwin /);
    assert.match(init, /dbtwin-init\.done/);
  });

  it('grants the MySQL debezium user what the connector needs', () => {
    const init = readFileSync(join(composeDir, 'docker', 'mysql', 'init', '01-users.sh'), 'utf8');
    const grant = /GRANT ([A-Z ,]+)\s+ON \*\.\* TO 'debezium'@'%'/.exec(init);
    assert.ok(grant?.[1], 'no global grant to debezium');
    const privileges = new Set(grant[1].split(',').map((p) => p.trim()));
    for (const p of [
      'SELECT',
      'RELOAD',
      'SHOW DATABASES',
      'REPLICATION SLAVE',
      'REPLICATION CLIENT',
      'LOCK TABLES',
    ]) {
      assert.ok(privileges.has(p), `debezium lacks ${p}`);
    }
    assert.match(init, /CREATE DATABASE IF NOT EXISTS app\b/);
    assert.match(init, /CREATE USER IF NOT EXISTS 'dbtwin'@'%'/);
  });
});

describe('Debezium connector configs (compose/connectors/docker)', () => {
  it('has one source per side: mysql and oracle', () => {
    const sides = loadConnectors().map((c) => SIDE_OF_CLASS[String(c.config['connector.class'])]);
    assert.deepEqual(sides.sort(), ['mysql', 'oracle']);
  });

  it('is { name, config } with string values only, as the Connect REST API takes it', () => {
    for (const { file, name, config } of loadConnectors()) {
      assert.equal(typeof name, 'string', `${file}: name`);
      for (const [key, value] of Object.entries(config)) {
        assert.equal(typeof value, 'string', `${file}: ${key} should be a string`);
      }
    }
  });

  it('adds the dbtwin-origin header naming the side', () => {
    for (const { file, config } of loadConnectors()) {
      const side = SIDE_OF_CLASS[String(config['connector.class'])];
      assert.ok(side, `${file}: unexpected connector.class`);
      assert.equal(config['topic.prefix'], side, `${file}: topic.prefix`);
      const transforms = String(config['transforms'])
        .split(',')
        .map((t) => t.trim());
      assert.ok(transforms.includes('origin'), `${file}: transforms does not list origin`);
      assert.equal(
        config['transforms.origin.type'],
        'org.apache.kafka.connect.transforms.InsertHeader',
        file,
      );
      assert.equal(config['transforms.origin.header'], 'dbtwin-origin', file);
      assert.equal(config['transforms.origin.value.literal'], side, file);
    }
  });

  it('emits JSON with schemas, exact decimals and transaction metadata', () => {
    const expected: Record<string, string> = {
      'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'key.converter.schemas.enable': 'true',
      'value.converter.schemas.enable': 'true',
      // Otherwise a NULL in a column with a default arrives as the default.
      'value.converter.replace.null.with.default': 'false',
      'provide.transaction.metadata': 'true',
      'decimal.handling.mode': 'precise',
      'topic.creation.default.replication.factor': '1',
      'topic.creation.default.partitions': '3',
    };
    for (const { file, config } of loadConnectors()) {
      for (const [key, value] of Object.entries(expected)) {
        assert.equal(config[key], value, `${file}: ${key}`);
      }
    }
  });

  it('uses Debezium 3 property names only', () => {
    for (const { file, config } of loadConnectors()) {
      assert.ok(
        config['schema.history.internal.kafka.topic'],
        `${file}: schema.history.internal.kafka.topic`,
      );
      assert.ok(
        config['schema.history.internal.kafka.bootstrap.servers'],
        `${file}: schema.history.internal.kafka.bootstrap.servers`,
      );
      for (const key of Object.keys(config)) {
        assert.notEqual(key, 'database.server.name', `${file}: ${key} is a Debezium 1.x name`);
        assert.ok(!key.startsWith('database.history'), `${file}: ${key} is a Debezium 1.x name`);
        assert.ok(!/whitelist|blacklist/.test(key), `${file}: ${key} is a Debezium 1.x name`);
      }
    }
  });

  it('keeps passwords out of the files: ${VAR:-default} placeholders the CLI fills in', () => {
    for (const { file, config } of loadConnectors()) {
      for (const [key, value] of Object.entries(config)) {
        if (!key.endsWith('password')) continue;
        assert.match(String(value), /^\$\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\}$/, `${file}: ${key}`);
      }
    }
  });

  it('only uses placeholders that have a default or that connectors-init provides', () => {
    const env = envOf(service(loadComposeYaml(), 'connectors-init'));
    for (const { file, config } of loadConnectors()) {
      for (const value of Object.values(config)) {
        for (const [, variable, fallback] of String(value).matchAll(PLACEHOLDER)) {
          assert.ok(
            fallback !== undefined || env.has(variable ?? ''),
            `${file}: \${${variable ?? '?'}} is never set`,
          );
        }
      }
    }
  });

  it('captures MySQL database app with exact unsigned bigints and the statement text', () => {
    const mysql = loadConnectors().find((c) => c.config['topic.prefix'] === 'mysql');
    assert.ok(mysql);
    assert.equal(mysql.config['database.include.list'], 'app');
    assert.equal(mysql.config['bigint.unsigned.handling.mode'], 'precise');
    // source.query carries dbtwin's marker comment only with include.query.
    assert.equal(mysql.config['include.query'], 'true');
  });

  it('captures Oracle schema APP through LogMiner, leaving out the gateway user', () => {
    const oracle = loadConnectors().find((c) => c.config['topic.prefix'] === 'oracle');
    assert.ok(oracle);
    assert.equal(oracle.config['database.connection.adapter'], 'logminer');
    assert.equal(oracle.config['database.pdb.name'], 'FREEPDB1');
    assert.equal(oracle.config['schema.include.list'], 'APP');
    assert.equal(oracle.config['log.mining.strategy'], 'online_catalog');
    const excluded = String(oracle.config['log.mining.username.exclude.list'])
      .split(',')
      .map((u) => u.trim().toUpperCase());
    assert.ok(excluded.includes('DBTWIN'), 'DBTWIN is not excluded from capture');
  });
});
