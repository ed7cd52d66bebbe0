import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  checkConnectorConfig,
  loadConnectorDefinitions,
  loadConnectorFile,
  substituteEnv,
} from '../../src/source/debezium-connector-config.js';
import { DbtwinError } from '../../src/core/dbtwin-error.js';
import { ErrorCode } from '../../src/core/error-codes.js';

describe('connector files', () => {
  it('substitutes ${VAR} and ${VAR:-default}, and refuses an unset variable without a default', () => {
    assert.equal(substituteEnv('${A}:${B:-dflt}', { A: 'x' }, 'f'), 'x:dflt');
    assert.equal(substituteEnv('${B:-dflt}', { B: 'set' }, 'f'), 'set');
    assert.throws(
      () => substituteEnv('${SECRET}', {}, 'mysql.json: config.database.password'),
      (e: unknown) =>
        e instanceof DbtwinError &&
        e.code === ErrorCode.ConnectorConfigInvalid &&
        /SECRET/.test(e.message) &&
        /config\.database\.password/.test(e.message),
    );
  });

  it('loads every local connector and they carry what dbtwin needs', async () => {
    const defs = await loadConnectorDefinitions(['compose/connectors/local'], {});
    assert.deepEqual(
      defs.map((d) => [d.name, d.config['transforms.origin.value.literal']]),
      [
        ['dbtwin-mariadb-source', 'mariadb'],
        ['dbtwin-postgres-source', 'postgres'],
      ],
    );
    const pg = defs.find((d) => d.name === 'dbtwin-postgres-source')!;
    assert.equal(pg.config['plugin.name'], 'pgoutput');
    assert.equal(
      defs[0]!.config['database.password'],
      'dbz',
      'the default of ${MARIADB_DEBEZIUM_PASSWORD:-dbz}',
    );
  });

  it('lists every missing requirement and every obsolete Debezium 1.x/2.x name at once', () => {
    const problems = checkConnectorConfig({
      file: 'bad.json',
      name: 'bad',
      config: {
        'connector.class': 'io.debezium.connector.mysql.MySqlConnector',
        'database.server.name': 'old',
        'value.converter.schemas.enable': 'true',
      },
    });
    const text = problems.join('\n');
    for (const key of [
      'transforms.origin.type',
      'transforms.origin.header',
      'value.converter.replace.null.with.default',
      'provide.transaction.metadata',
      'topic.prefix',
      'database.server.name is a Debezium 1.x/2.x name; use topic.prefix',
      'transforms must list "origin"',
    ]) {
      assert.ok(text.includes(key), `expected a problem about ${key} in:\n${text}`);
    }
    assert.ok(!text.includes('value.converter.schemas.enable'), 'a satisfied requirement is not reported');
  });

  it('names the file when JSON is malformed or the shape is wrong', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'dbtwin-connectors-'));
    const broken = path.join(dir, 'broken.json');
    await writeFile(broken, '{ "name": "x", ');
    await assert.rejects(
      loadConnectorFile(broken, {}),
      (e: unknown) => e instanceof DbtwinError && e.message.startsWith(`${broken}: not readable JSON`),
    );
    const shapeless = path.join(dir, 'shapeless.json');
    await writeFile(shapeless, '{ "config": [] }');
    await assert.rejects(
      loadConnectorFile(shapeless, {}),
      (e: unknown) => e instanceof DbtwinError && /name/.test(e.message) && e.message.includes(shapeless),
    );
  });
});
