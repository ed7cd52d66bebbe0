import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  ConfigInvalidError,
  formatConfigProblem,
  loadConfig,
  parseConfig,
} from '../../src/config/config-loader.js';
import { DbtwinError } from '../../src/core/dbtwin-error.js';
import { ErrorCode } from '../../src/core/error-codes.js';

/** A valid two-side file; tests splice mistakes into it. Line numbers below refer to this text. */
const VALID = `sides:
  mariadb:
    engine: mysql
    connection:
      host: 127.0.0.1
      port: 3306
      user: dbtwin
      password: \${MARIADB_PASSWORD:-dbtwin}
      database: dbtwin
    topicPrefix: mariadb
    schema: dbtwin
    tables: [demo_accounts, orders]
  postgres:
    engine: postgres
    connection:
      host: 127.0.0.1
      port: 5432
      user: postgres
      password: \${POSTGRES_PASSWORD}
      database: dbtwin
    topicPrefix: postgres
    schema: public
    tables: [demo_accounts, orders]
links:
  - from: mariadb
    to: postgres
  - from: postgres
    to: mariadb
`;

const ENV = { POSTGRES_PASSWORD: 'pg-secret' };

/** The problems of a file that must not load, as printed. */
function problemsOf(text: string, env: NodeJS.ProcessEnv = ENV): string[] {
  try {
    parseConfig(text, 'dbtwin.yaml', env);
  } catch (error) {
    assert.ok(error instanceof ConfigInvalidError, `expected ConfigInvalidError, got ${String(error)}`);
    assert.equal(error.code, ErrorCode.ConfigInvalid);
    return error.problems.map(formatConfigProblem);
  }
  assert.fail('the file loaded, but it should not');
}

/** Replaces the one occurrence of `from` in the valid file. */
function edit(from: string, to: string): string {
  assert.equal(VALID.split(from).length, 2, `"${from}" must occur once`);
  return VALID.replace(from, to);
}

describe('config loader', () => {
  it('loads a valid file and fills every documented default', () => {
    const config = parseConfig(VALID, 'dbtwin.yaml', ENV);
    assert.equal(config.file, 'dbtwin.yaml');
    assert.deepEqual(config.kafka, { brokers: ['127.0.0.1:9092'], groupPrefix: 'dbtwin' });
    assert.deepEqual(config.redis, { url: 'redis://127.0.0.1:6379' });
    assert.deepEqual(config.admin, { host: '127.0.0.1', port: 9464 });
    assert.deepEqual(config.echo, { ttlSeconds: 3600 });
    assert.deepEqual(config.breaker, { maxFlips: 20, windowSeconds: 60 });
    assert.deepEqual(config.sides['mariadb'], {
      name: 'mariadb',
      engine: 'mysql',
      connection: { host: '127.0.0.1', port: 3306, user: 'dbtwin', password: 'dbtwin', database: 'dbtwin' },
      topicPrefix: 'mariadb',
      schema: 'dbtwin',
      tables: ['demo_accounts', 'orders'],
      capture: { mode: 'none' },
    });
    assert.deepEqual(config.links[1], {
      name: 'postgres->mariadb',
      from: 'postgres',
      to: 'mariadb',
      tables: { demo_accounts: 'demo_accounts', orders: 'orders' },
      batchMaxRows: 2000,
      truncate: 'skip',
      retry: { initialMs: 500, maxMs: 30000 },
      concurrency: 3,
      columns: {},
    });
  });

  it('keeps echo and breaker settings and checks their ranges', () => {
    const config = parseConfig(
      `echo: { ttlSeconds: 120 }\nbreaker: { maxFlips: 0, windowSeconds: 30 }\n` + VALID,
      'dbtwin.yaml',
      ENV,
    );
    assert.deepEqual(config.echo, { ttlSeconds: 120 });
    assert.deepEqual(config.breaker, { maxFlips: 0, windowSeconds: 30 });
    const problems = problemsOf(`echo: { ttlSeconds: 0 }\nbreaker: { maxFlip: 3 }\n` + VALID);
    assert.equal(problems.length, 2, problems.join('\n'));
    assert.match(problems[0]!, /^dbtwin\.yaml:1:\d+: echo\.ttlSeconds: /);
    assert.match(
      problems[1]!,
      /^dbtwin\.yaml:2:\d+: breaker\.maxFlip: unknown key "maxFlip"; did you mean "maxFlips"/,
    );
  });

  it('takes the address defaults from the environment (DBTWIN_*)', () => {
    const config = parseConfig(VALID, 'dbtwin.yaml', {
      ...ENV,
      DBTWIN_KAFKA_BROKERS: 'k1:9092, k2:9092',
      DBTWIN_REDIS_URL: 'redis://r:6380',
      DBTWIN_ADMIN_HOST: '0.0.0.0',
      DBTWIN_ADMIN_PORT: '9999',
    });
    assert.deepEqual(config.kafka.brokers, ['k1:9092', 'k2:9092']);
    assert.equal(config.redis.url, 'redis://r:6380');
    assert.deepEqual(config.admin, { host: '0.0.0.0', port: 9999 });
  });

  it('keeps explicit values and a partial retry', () => {
    const config = parseConfig(
      `kafka: { brokers: [a:1, b:2], groupPrefix: twin }
redis: { url: 'redis://h:1/2' }
admin: { host: 0.0.0.0, port: 0 }
` +
        VALID.replace(
          '  - from: postgres\n    to: mariadb\n',
          '  - from: postgres\n    to: mariadb\n    tables: { orders: demo_accounts }\n    batchMaxRows: 10\n    truncate: apply\n    retry: { maxMs: 1000 }\n    concurrency: 1\n',
        ),
      'f.yaml',
      ENV,
    );
    assert.deepEqual(config.kafka, { brokers: ['a:1', 'b:2'], groupPrefix: 'twin' });
    assert.equal(config.redis.url, 'redis://h:1/2');
    assert.deepEqual(config.admin, { host: '0.0.0.0', port: 0 });
    const link = config.links[1]!;
    assert.deepEqual(link.tables, { orders: 'demo_accounts' });
    assert.equal(link.batchMaxRows, 10);
    assert.equal(link.truncate, 'apply');
    assert.deepEqual(link.retry, { initialMs: 500, maxMs: 1000 });
    assert.equal(link.concurrency, 1);
  });

  it('substitutes ${VAR} and ${VAR:-default} in string values, and an integer from a placeholder', () => {
    const text = edit('port: 3306', 'port: ${MARIADB_PORT:-3306}').replace(
      'host: 127.0.0.1\n      port: 5432',
      'host: ${PG_HOST}:x\n      port: ${PG_PORT}',
    );
    const config = parseConfig(text, 'dbtwin.yaml', {
      ...ENV,
      MARIADB_PASSWORD: 'from-env',
      PG_HOST: 'db.internal',
      PG_PORT: '15432',
    });
    assert.equal(config.sides['mariadb']!.connection.password, 'from-env');
    assert.equal(config.sides['mariadb']!.connection.port, 3306);
    assert.equal(config.sides['postgres']!.connection.password, 'pg-secret');
    assert.equal(config.sides['postgres']!.connection.host, 'db.internal:x');
    assert.equal(config.sides['postgres']!.connection.port, 15432);
  });

  it('an unset variable without a default is an error at the key that uses it', () => {
    assert.deepEqual(problemsOf(VALID, {}), [
      'dbtwin.yaml:19:17: sides.postgres.connection.password: environment variable POSTGRES_PASSWORD is not set and has no default (export POSTGRES_PASSWORD=… or write ${POSTGRES_PASSWORD:-default})',
    ]);
  });

  it('an enum lists its values and suggests the closest', () => {
    assert.deepEqual(problemsOf(edit('engine: postgres', 'engine: postgress')), [
      'dbtwin.yaml:14:13: sides.postgres.engine: must be one of mysql, postgres, oracle (found "postgress"; did you mean "postgres"?)',
    ]);
    assert.deepEqual(problemsOf(edit('    to: mariadb\n', '    to: mariadb\n    truncate: drop\n')), [
      'dbtwin.yaml:29:15: links[1].truncate: must be one of skip, apply (found "drop")',
    ]);
  });

  it('an unknown key is an error with a suggestion, or the keys that are allowed', () => {
    assert.deepEqual(problemsOf(edit('    topicPrefix: mariadb', '    topic_prefix: mariadb')), [
      'dbtwin.yaml:2:3: sides.mariadb.topicPrefix: is required',
      'dbtwin.yaml:10:5: sides.mariadb.topic_prefix: unknown key "topic_prefix"; did you mean "topicPrefix"?',
    ]);
    assert.deepEqual(
      problemsOf(
        edit(
          '      database: dbtwin\n    topicPrefix: postgres',
          '      databse: dbtwin\n    topicPrefix: postgres',
        ),
      ),
      [
        'dbtwin.yaml:15:5: sides.postgres.connection.database: is required',
        'dbtwin.yaml:20:7: sides.postgres.connection.databse: unknown key "databse"; did you mean "database"?',
      ],
    );
    assert.deepEqual(problemsOf(`colour: blue\n${VALID}`), [
      'dbtwin.yaml:1:1: colour: unknown key "colour"; expected one of kafka, redis, echo, rules, breaker, admin, cutover, sides, links',
    ]);
  });

  it('top-level x- keys hold anchors and are not unknown keys', () => {
    const text =
      `x-connection: &conn { host: h, port: 1, user: u, password: p, database: d }\n${VALID}`.replace(
        /connection:\n(?: {6}.*\n)+/g,
        'connection: *conn\n',
      );
    const config = parseConfig(text, 'dbtwin.yaml', {});
    assert.deepEqual(config.sides['postgres']!.connection, {
      host: 'h',
      port: 1,
      user: 'u',
      password: 'p',
      database: 'd',
    });
    assert.deepEqual(problemsOf(text.replace('port: 1,', 'port: 0,')), [
      'dbtwin.yaml:1:38: sides.mariadb.connection.port: must be between 1 and 65535 (found 0)',
      'dbtwin.yaml:1:38: sides.postgres.connection.port: must be between 1 and 65535 (found 0)',
    ]);
  });

  it('ports are integers in range; a quoted number is refused', () => {
    assert.deepEqual(problemsOf(edit('port: 3306', 'port: 3306.5')), [
      'dbtwin.yaml:6:13: sides.mariadb.connection.port: must be an integer (found number 3306.5)',
    ]);
    assert.deepEqual(problemsOf(edit('port: 3306', 'port: "3306"')), [
      'dbtwin.yaml:6:13: sides.mariadb.connection.port: must be an integer (found "3306"); write it without quotes',
    ]);
    assert.deepEqual(problemsOf(edit('port: 5432', 'port: 70000')), [
      'dbtwin.yaml:17:13: sides.postgres.connection.port: must be between 1 and 65535 (found 70000)',
    ]);
    assert.deepEqual(problemsOf(edit('port: 5432', 'port: ${PG_PORT:-fivefour}')), [
      'dbtwin.yaml:17:13: sides.postgres.connection.port: must be an integer (found "fivefour")',
    ]);
  });

  it('types, required keys and empty lists', () => {
    assert.deepEqual(
      problemsOf(
        edit('      user: dbtwin\n', '      user: dbtwin\n      password: 1234\n').replace(
          '      password: ${MARIADB_PASSWORD:-dbtwin}\n',
          '',
        ),
      ),
      [
        'dbtwin.yaml:8:17: sides.mariadb.connection.password: must be a string (found number 1234); quote it: "1234"',
      ],
    );
    // An empty list is one problem; the links' table checks have nothing to compare it with.
    assert.deepEqual(
      problemsOf(edit('tables: [demo_accounts, orders]\n  postgres', 'tables: []\n  postgres')),
      ['dbtwin.yaml:12:5: sides.mariadb.tables: must list at least one item'],
    );
    assert.deepEqual(problemsOf(''), ['dbtwin.yaml:1:1: sides: is required']);
    assert.deepEqual(problemsOf('- a\n'), [
      'dbtwin.yaml:1:1: (root): must be a mapping (key: value lines) (found a list)',
    ]);
  });

  it('links must name two different sides, once each', () => {
    assert.deepEqual(
      problemsOf(
        VALID.replace(
          '  - from: postgres\n    to: mariadb\n',
          '  - from: postgres\n    to: mariadb\n  - from: postgres\n    to: mariadb\n  - from: mariadb\n    to: mariadb\n  - from: oracle\n    to: postgre\n',
        ),
      ),
      [
        'dbtwin.yaml:29:5: links[2]: duplicate link postgres->mariadb (already links[1])',
        'dbtwin.yaml:32:9: links[3].to: must differ from "from" (a link goes from one side to the other)',
        'dbtwin.yaml:33:11: links[4].from: "oracle" is not a side (sides: mariadb, postgres)',
        'dbtwin.yaml:34:9: links[4].to: "postgre" is not a side; did you mean "postgres"? (sides: mariadb, postgres)',
      ],
    );
  });

  it('link tables map tables of "from" to tables of "to"', () => {
    const text = edit(
      '  - from: postgres\n    to: mariadb\n',
      '  - from: postgres\n    to: mariadb\n    tables:\n      ordres: orders\n      demo_accounts: accounts\n',
    );
    assert.deepEqual(problemsOf(text), [
      'dbtwin.yaml:30:7: links[1].tables.ordres: "ordres" is not a table of side postgres; did you mean "orders"? (sides.postgres.tables: demo_accounts, orders)',
      'dbtwin.yaml:31:22: links[1].tables.demo_accounts: "accounts" is not a table of side mariadb (sides.mariadb.tables: demo_accounts, orders)',
    ]);
  });

  it('link tables, when given, map at least one table', () => {
    assert.deepEqual(problemsOf(edit('    to: mariadb\n', '    to: mariadb\n    tables: {}\n')), [
      'dbtwin.yaml:29:5: links[1].tables: must map at least one table (leave "tables" out to map every table of "from" to the same name)',
    ]);
  });

  it('the default table mapping needs every table of "from" on "to"', () => {
    assert.deepEqual(
      problemsOf(
        edit(
          'tables: [demo_accounts, orders]\n  postgres',
          'tables: [demo_accounts, orders, audit]\n  postgres',
        ),
      ),
      [
        'dbtwin.yaml:25:5: links[0]: without "tables", every table of mariadb maps to the same name, but audit is not in sides.postgres.tables; add it there or map the tables of this link',
      ],
    );
  });

  it('reports every problem at once, in file order', () => {
    const text = VALID.replace('engine: mysql', 'engine: mssql')
      .replace('port: 3306', 'port: x')
      .replace('    schema: public\n', '')
      .replace('    to: postgres\n', '    to: postgres\n    concurrency: 0\n    batchMaxrow: 3\n');
    assert.deepEqual(problemsOf(text, {}), [
      'dbtwin.yaml:3:13: sides.mariadb.engine: must be one of mysql, postgres, oracle (found "mssql"; did you mean "mysql"?)',
      'dbtwin.yaml:6:13: sides.mariadb.connection.port: must be an integer (found "x")',
      'dbtwin.yaml:13:3: sides.postgres.schema: is required',
      'dbtwin.yaml:19:17: sides.postgres.connection.password: environment variable POSTGRES_PASSWORD is not set and has no default (export POSTGRES_PASSWORD=… or write ${POSTGRES_PASSWORD:-default})',
      'dbtwin.yaml:26:18: links[0].concurrency: must be between 1 and 1024 (found 0)',
      'dbtwin.yaml:27:5: links[0].batchMaxrow: unknown key "batchMaxrow"; did you mean "batchMaxRows"?',
    ]);
  });

  it('a YAML syntax error or a duplicate key is reported with its position', () => {
    assert.deepEqual(problemsOf('sides:\n  a: [\n'), [
      'dbtwin.yaml:3:1: (yaml): Flow sequence in block collection must be sufficiently indented and end with a ]',
    ]);
    assert.deepEqual(problemsOf(edit('    schema: public\n', '    schema: public\n    schema: other\n')), [
      'dbtwin.yaml:23:5: (yaml): Map keys must be unique',
    ]);
  });

  it('the error message lists every problem under the DBT1001 code', () => {
    assert.throws(
      () => parseConfig(edit('engine: mysql', 'engine: db2'), 'x.yaml', {}),
      (error: unknown) =>
        error instanceof DbtwinError &&
        error.code === ErrorCode.ConfigInvalid &&
        error.message.startsWith('x.yaml: 2 errors\nx.yaml:3:13: sides.mariadb.engine: must be one of'),
    );
  });

  it('the example files of the repository load', async () => {
    const local = await loadConfig('dbtwin.yaml', {});
    assert.deepEqual(Object.keys(local.sides), ['mariadb', 'postgres']);
    assert.deepEqual(
      local.links.map((l) => l.name),
      ['mariadb->postgres', 'postgres->mariadb'],
    );
    assert.equal(local.sides['mariadb']!.connection.password, 'dbtwin');
    assert.equal(local.sides['postgres']!.schema, 'public');
    const docker = await loadConfig('compose/dbtwin.docker.yaml', {});
    assert.deepEqual(docker.sides['oracle']!.connection, {
      host: 'oracle',
      port: 1521,
      user: 'DBTWIN',
      password: 'dbtwin',
      database: 'FREEPDB1',
    });
    assert.equal(docker.sides['oracle']!.schema, 'APP');
    assert.deepEqual(docker.sides['mysql']!.tables, ['accounts']);
  });

  it('an unreadable file is a DBT1001 error naming it', async () => {
    await assert.rejects(
      loadConfig('does-not-exist.yaml', {}),
      (error: unknown) =>
        error instanceof DbtwinError &&
        error.code === ErrorCode.ConfigInvalid &&
        error.message.startsWith('does-not-exist.yaml: cannot read'),
    );
  });
});

describe('config loader: links[].mapping', () => {
  const mapping = `from: { side: mariadb, engine: mysql, schema: dbtwin }
to: { side: postgres, engine: postgres, schema: public }
tables:
  orders:
    target: orders_v2
    columns:
      id: { target: id, type: integer, from: 'int(11)', why: an integer }
      total: { target: amount, type: 'numeric(12,2)', from: 'decimal(12,2)', why: exact decimal }
`;

  async function configWith(links: string, files: Record<string, string>): Promise<string> {
    const dir = await mkdtemp(path.join(tmpdir(), 'dbtwin-config-'));
    for (const [name, text] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
      await writeFile(path.join(dir, name), text);
    }
    const file = path.join(dir, 'dbtwin.yaml');
    // The postgres side names its tables as they are there: orders is orders_v2 by the mapping.
    const text = VALID.replace(/links:[\s\S]*$/, links).replace(
      /(schema: public\n {4}tables: )\[demo_accounts, orders\]/,
      '$1[demo_accounts, orders_v2]',
    );
    await writeFile(file, text);
    return file;
  }

  it('a link routes tables and columns by the mapping file, the reverse link by its inverse', async () => {
    const file = await configWith(
      `links:
  - { from: mariadb, to: postgres, mapping: schema/m.yaml }
  - { from: postgres, to: mariadb, mapping: schema/m.yaml, tables: { orders_v2: orders, demo_accounts: demo_accounts } }
`,
      { 'schema/m.yaml': mapping },
    );
    const config = await loadConfig(file, { POSTGRES_PASSWORD: 'x' });
    const [forward, back] = config.links;
    assert.deepEqual(forward?.tables, { demo_accounts: 'demo_accounts', orders: 'orders_v2' });
    assert.deepEqual(forward?.columns, { orders: { id: 'id', total: 'amount' } });
    assert.equal(forward?.mapping, path.join(path.dirname(file), 'schema/m.yaml'));
    assert.deepEqual(back?.tables, { orders_v2: 'orders', demo_accounts: 'demo_accounts' });
    assert.deepEqual(back?.columns, { orders_v2: { id: 'id', amount: 'total' } });
  });

  it('a missing mapping file, or one for other sides, is a DBT1001 error with the way out', async () => {
    const missing = await configWith('links:\n  - { from: mariadb, to: postgres, mapping: nope.yaml }\n', {});
    await assert.rejects(loadConfig(missing, { POSTGRES_PASSWORD: 'x' }), (error: DbtwinError) => {
      assert.equal(error.code, ErrorCode.ConfigInvalid);
      assert.match(error.message, /link mariadb->postgres: no mapping file at .*nope\.yaml/);
      assert.match(error.hint ?? '', /dbtwin schema translate --from mariadb --to postgres/);
      return true;
    });
    const other = await configWith('links:\n  - { from: mariadb, to: postgres, mapping: m.yaml }\n', {
      'm.yaml': mapping.replace('side: postgres', 'side: oracle'),
    });
    await assert.rejects(loadConfig(other, { POSTGRES_PASSWORD: 'x' }), /maps mariadb to oracle, neither/);
  });
});
