import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { endpointsFromEnv } from '../../src/config/environment.js';
import type { EngineDriver } from '../../src/engines/engine-driver.js';
import { KafkaTopics } from '../../src/source/kafka-topics.js';
import { LOCAL_ENGINES } from '../support/local-engines.js';
import { runCli } from '../support/run-cli.js';

const mariadb = LOCAL_ENGINES.find((e) => e.side === 'mariadb')!;

describe('dbtwin decode (CLI) on real MariaDB events', () => {
  const table = `decode_cli_${Date.now() % 1_000_000}`;
  const topic = mariadb.topic(table);
  let db: EngineDriver;

  before(async () => {
    db = await mariadb.connect();
    for (const ddl of mariadb.createTable(table)) await db.query(ddl);
    await db.query(`INSERT INTO ${table} (id, name, amount, seen_at) VALUES (?, ?, ?, ?)`, [
      '9007199254740993',
      'x',
      '-1.0000000001',
      '1999-12-31 23:59:59.999999',
    ]);
    await new KafkaTopics(endpointsFromEnv().kafkaBrokers).waitForTopics([topic], 60_000, true);
  });

  after(async () => {
    await db.query(`DROP TABLE IF EXISTS ${table}`);
    await db.close();
  });

  it('--topic prints the decoded event as one JSON line, exact', async () => {
    const result = await runCli([
      'decode',
      '--topic',
      topic,
      '--from-beginning',
      '--max',
      '1',
      '--admin-port',
      '0',
    ]);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trim().split('\n');
    assert.equal(lines.length, 1, result.stdout);
    const event = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.equal(event['op'], 'c');
    assert.equal(event['table'], `dbtwin.${table}`);
    assert.equal(event['origin'], 'mariadb');
    assert.deepEqual(event['key'], { id: '9007199254740993' }, 'a 64-bit key beyond 2^53 keeps every digit');
    assert.deepEqual(event['after'], {
      id: '9007199254740993',
      name: 'x',
      amount: '-1.0000000001',
      born: null,
      seen_at: '1999-12-31T23:59:59.999999',
      big: null,
      payload: null,
    });
    assert.equal((event['source'] as Record<string, unknown>)['connector'], 'mariadb');
  });

  it('stdin: a line it cannot decode prints an error naming why, and decoding goes on', async () => {
    const kafka = new Kafka({ brokers: [...endpointsFromEnv().kafkaBrokers], logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: `decode-cli-raw-${table}` });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const raw = await new Promise<string>((resolve) => {
      void consumer.run({
        eachMessage: ({ message }) => {
          if (message.value) resolve(message.value.toString('utf8'));
          return Promise.resolve();
        },
      });
    });
    await consumer.disconnect();
    const missingAfter = JSON.parse(raw) as { payload: Record<string, unknown> };
    delete missingAfter.payload['after'];
    const stdin = [raw, '{"not json', JSON.stringify(missingAfter), raw].join('\n');
    const result = await runCli(['decode', '--key', 'id'], { stdin });
    assert.equal(result.code, 1, 'exit code says some lines failed');
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(lines.length, 4);
    assert.equal(lines[0]!['op'], 'c');
    assert.deepEqual(lines[0]!['key'], { id: '9007199254740993' });
    assert.equal(lines[1]!['code'], 'DBT2001');
    assert.match(String(lines[1]!['error']), /stdin.*2/);
    assert.equal(lines[2]!['code'], 'DBT2002');
    assert.match(String(lines[2]!['error']), /after/);
    assert.equal(lines[3]!['op'], 'c', 'decoding went on after the bad lines');
  });
});
