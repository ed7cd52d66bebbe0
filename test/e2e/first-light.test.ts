import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChangeEvent } from '../../src/core/change-event.js';
import { createLogger } from '../../src/core/logger.js';
import { rowToJson } from '../../src/core/value-json.js';
import { endpointsFromEnv } from '../../src/config/environment.js';
import type { EngineDriver } from '../../src/engines/engine-driver.js';
import { decodeDebeziumMessage } from '../../src/source/debezium-decoder.js';
import { KafkaChangeSource } from '../../src/source/kafka-change-source.js';
import { KafkaTopics } from '../../src/source/kafka-topics.js';
import { LOCAL_ENGINES } from '../support/local-engines.js';

/**
 * First light: changes made in a real database travel through real Debezium into Kafka and come out
 * of dbtwin's consumer and decoder exactly, with the connector's dbtwin-origin header. One suite, run
 * for each engine of the local stack.
 */
// int64 columns decode to bigint and print as exact strings (core/value-json.ts), keys included.
const ROW_1 = {
  id: '1',
  name: 'Zoë ✓ 東京',
  amount: '12345678901234567890.0123456789',
  born: '1969-07-20',
  seen_at: '2024-02-29T23:59:59.123456',
  big: '18446744073709551615',
  payload: '00ff10',
};
const ROW_2 = {
  id: '2',
  name: 'beta',
  amount: '-0.5000000000',
  born: null,
  seen_at: null,
  big: null,
  payload: null,
};

for (const engine of LOCAL_ENGINES) {
  describe(`first light: ${engine.side} → Debezium → Kafka → dbtwin`, () => {
    const table = `first_light_${Date.now() % 1_000_000}_${Math.floor(Math.random() * 1000)}`;
    let db: EngineDriver;
    const events: ChangeEvent[] = [];
    const tombstones: unknown[] = [];
    let source: KafkaChangeSource | undefined;

    before(async () => {
      db = await engine.connect();
      for (const ddl of engine.createTable(table)) await db.query(ddl);
    });

    after(async () => {
      await source?.stop();
      await db.query(`DROP TABLE IF EXISTS ${table}`);
      await db.close();
    });

    it('inserts, updates and deletes arrive decoded, in order per key, with the origin header', async () => {
      const p = (n: number): string => engine.param(n);
      await db.query(
        `INSERT INTO ${table} (id, name, amount, born, seen_at, big, payload) VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}, ${p(6)}, ${p(7)})`,
        [
          ROW_1.id,
          ROW_1.name,
          ROW_1.amount,
          ROW_1.born,
          '2024-02-29 23:59:59.123456',
          ROW_1.big,
          Buffer.from(ROW_1.payload, 'hex'),
        ],
      );
      await db.query(`INSERT INTO ${table} (id, name, amount) VALUES (${p(1)}, ${p(2)}, ${p(3)})`, [
        ROW_2.id,
        ROW_2.name,
        ROW_2.amount,
      ]);
      await db.query(`UPDATE ${table} SET name = ${p(1)}, amount = amount + 1 WHERE id = ${p(2)}`, [
        'alpha',
        '1',
      ]);
      await db.query(`DELETE FROM ${table} WHERE id = ${p(1)}`, ['2']);

      const topic = engine.topic(table);
      const brokers = endpointsFromEnv().kafkaBrokers;
      await new KafkaTopics(brokers).waitForTopics([topic], 60_000);
      let done: () => void = () => undefined;
      const complete = new Promise<void>((resolve) => (done = resolve));
      source = new KafkaChangeSource({
        brokers,
        groupId: `first-light-${table}`,
        topics: [topic],
        fromBeginning: true,
        logger: createLogger('first-light', 'warn'),
      });
      await source.start(async (messages) => {
        for (const m of messages) {
          const result = decodeDebeziumMessage(m.key, m.value, {
            side: 'unknown',
            kafka: { topic: m.topic, partition: m.partition, offset: m.offset },
            originHeader: m.headers['dbtwin-origin'],
            hopHeader: m.headers['dbtwin-hop'],
          });
          if (result.kind === 'event') events.push(result.event);
          if (result.kind === 'tombstone') tombstones.push(rowToJson(result.key));
        }
        if (events.length >= 4 && tombstones.length >= 1) done();
        return Promise.resolve();
      });
      const timeout = setTimeout(() => done(), 60_000);
      await complete;
      clearTimeout(timeout);

      assert.equal(events.length, 4, `expected 4 change events on ${topic}, got ${events.length}`);
      for (const e of events) {
        assert.equal(e.origin, engine.side, 'dbtwin-origin header names the capturing side');
        assert.equal(e.side, engine.side);
        assert.equal(e.table, engine.qualified(table));
        assert.ok(e.kafka?.topic === topic);
        assert.ok(e.txId, 'transaction metadata is on');
        assert.ok(
          e.sourceTsMs > Date.now() - 10 * 60_000 && e.sourceTsMs <= Date.now(),
          'source commit time is recent',
        );
        if (e.position.engine === 'mysql') {
          assert.equal(e.position.connector, 'mariadb');
          assert.match(e.position.file, /^mariadb-bin\.\d+$/);
          assert.ok(e.position.pos > 0);
        } else {
          assert.equal(e.position.engine, 'postgres');
          assert.match(e.position.lsn, /^\d+$/);
        }
      }
      const byKey = (id: string): ChangeEvent[] => events.filter((e) => rowToJson(e.key)!['id'] === id);
      const one = byKey('1');
      const two = byKey('2');
      assert.deepEqual(
        one.map((e) => e.op),
        ['c', 'u'],
      );
      assert.deepEqual(
        two.map((e) => e.op),
        ['c', 'd'],
      );

      assert.equal(one[0]!.before, null);
      assert.deepEqual(rowToJson(one[0]!.after), ROW_1);
      assert.deepEqual(rowToJson(one[1]!.before), ROW_1, 'full before-image of the update');
      assert.deepEqual(rowToJson(one[1]!.after), {
        ...ROW_1,
        name: 'alpha',
        amount: '12345678901234567891.0123456789',
      });

      assert.deepEqual(rowToJson(two[0]!.after), ROW_2);
      assert.deepEqual(rowToJson(two[1]!.before), ROW_2);
      assert.equal(two[1]!.after, null);
      assert.deepEqual(tombstones, [{ id: '2' }], 'a tombstone follows the delete');
    });
  });
}
