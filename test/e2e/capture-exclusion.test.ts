import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChangeEvent } from '../../src/core/change-event.js';
import type { CaptureExclusion } from '../../src/config/dbtwin-config.js';
import { endpointsFromEnv } from '../../src/config/environment.js';
import { LOCAL_SIDES } from '../../src/config/local-stack.js';
import { createLogger } from '../../src/core/logger.js';
import { rowToJson } from '../../src/core/value-json.js';
import { isOwnWriteAtCapture } from '../../src/echo/capture-exclusion.js';
import { MysqlDriver } from '../../src/engines/mysql/mysql-driver.js';
import { PostgresDriver } from '../../src/engines/postgres/postgres-driver.js';
import { loadConnectorFile, type ConnectorDefinition } from '../../src/source/debezium-connector-config.js';
import { decodeDebeziumMessage } from '../../src/source/debezium-decoder.js';
import { KafkaChangeSource } from '../../src/source/kafka-change-source.js';
import { KafkaConnectClient } from '../../src/source/kafka-connect-client.js';
import { KafkaTopics } from '../../src/source/kafka-topics.js';
import { DbtwinProcess, eventually, writeLocalConfig } from '../support/replication-harness.js';

/**
 * Capture-level exclusion on MariaDB, end to end (design §3.3): the example connector
 * compose/connectors/local/mariadb-source-gtid-excluded.json (gtid.source.excludes for domain 77)
 * passes over what apply sessions write in GTID domain 77 and captures everything else; a statement
 * marker survives into source.query. Real Debezium, real binlog.
 */
const CONNECTOR_FILE = 'compose/connectors/local/mariadb-source-gtid-excluded.json';
const TABLE = 'capture_probe';
const DOMAIN = 77;
const MARKER = 'dbtwin:apply';
const WAIT_MS = Number(process.env['DBTWIN_E2E_CAPTURE_WAIT_MS'] ?? 120_000);
/** Extra wait after the last expected event, for anything that would still trickle in. */
const GRACE_MS = 3_000;

// Keys of this run (the table and its topics outlive a run; older keys are ignored).
const base = BigInt(Date.now()) * 100n;
const SENTINEL = base;
const TAGGED = [1n, 2n, 3n, 4n, 5n].map((n) => base + n);
const PLAIN = [10n, 11n, 12n].map((n) => base + n);
const MARKED = [20n, 21n].map((n) => base + n);

const GTID_DOMAIN: CaptureExclusion = { mode: 'gtid-domain', domainId: DOMAIN };
const QUERY_MARKER: CaptureExclusion = { mode: 'query-marker', marker: MARKER };

/** Decoded change events of this run's keys on `topic`, collected as they arrive. */
class TopicWatch {
  readonly events: ChangeEvent[] = [];
  private readonly source: KafkaChangeSource;

  constructor(
    readonly topic: string,
    brokers: readonly string[],
  ) {
    this.source = new KafkaChangeSource({
      brokers,
      groupId: `e2e-capture-${topic}-${base}`,
      topics: [topic],
      fromBeginning: true,
      logger: createLogger('capture-exclusion', 'warn'),
    });
  }

  async start(): Promise<void> {
    await this.source.start((messages) => {
      for (const m of messages) {
        const result = decodeDebeziumMessage(m.key, m.value, {
          side: 'mariadb',
          kafka: { topic: m.topic, partition: m.partition, offset: m.offset },
          originHeader: m.headers['dbtwin-origin'],
          hopHeader: m.headers['dbtwin-hop'],
        });
        if (result.kind === 'event' && BigInt(String(rowToJson(result.event.key)!['id'])) >= base)
          this.events.push(result.event);
      }
      return Promise.resolve();
    });
  }

  stop(): Promise<void> {
    return this.source.stop();
  }

  of(ids: readonly bigint[]): ChangeEvent[] {
    const wanted = new Set(ids.map(String));
    return this.events.filter((e) => wanted.has(String(rowToJson(e.key)!['id'])));
  }

  /** Whether an event `op` of each id has arrived. */
  has(ids: readonly bigint[], op: ChangeEvent['op'] = 'c'): boolean {
    const seen = new Set(
      this.of(ids)
        .filter((e) => e.op === op)
        .map((e) => String(rowToJson(e.key)!['id'])),
    );
    return ids.every((id) => seen.has(String(id)));
  }
}

/** Why the suite cannot run here, or undefined when it can. */
async function missingPrerequisite(client: KafkaConnectClient): Promise<string | undefined> {
  try {
    const plugins = await client.plugins();
    if (!plugins.some((p) => p.class === 'io.debezium.connector.mariadb.MariaDbConnector'))
      return `Kafka Connect at ${client.baseUrl} has no Debezium MariaDB plugin (npm run stack:up installs it)`;
  } catch (error) {
    return `Kafka Connect is not reachable: ${(error as Error).message} (npm run stack:up)`;
  }
  return undefined;
}

/** Unregisters the test connector and forgets its offsets, so the next run starts at the binlog's end. */
async function removeConnector(client: KafkaConnectClient, name: string): Promise<void> {
  const url = `${client.baseUrl}/connectors/${encodeURIComponent(name)}`;
  if ((await client.status(name)) === undefined) return;
  await fetch(`${url}/stop`, { method: 'PUT' });
  await eventually(async () => (await client.status(name))?.connector.state === 'STOPPED', 30_000, 300);
  // KIP-875: offsets of a STOPPED connector can be deleted. Best effort: a leftover offset only makes the
  // next run resume from there.
  await fetch(`${url}/offsets`, { method: 'DELETE' });
  await client.remove(name);
}

describe('capture-level exclusion on MariaDB (real Debezium, gtid.source.excludes)', () => {
  const { connectUrl, kafkaBrokers } = endpointsFromEnv();
  const client = new KafkaConnectClient(connectUrl);
  let skipReason: string | undefined;
  let connector: ConnectorDefinition | undefined;
  let plain: MysqlDriver;
  const watches: TopicWatch[] = [];
  /** The watch of the excluding connector's topic, once the first test has it streaming. */
  let excluded: TopicWatch | undefined;

  before(async () => {
    skipReason = await missingPrerequisite(client);
    if (skipReason) return;
    connector = await loadConnectorFile(CONNECTOR_FILE);
    plain = await MysqlDriver.connect(LOCAL_SIDES.mariadb.connection);
    await plain.query(
      `CREATE TABLE IF NOT EXISTS ${TABLE} (id BIGINT PRIMARY KEY, note VARCHAR(60) NOT NULL)`,
    );
    await client.putConfig(connector.name, connector.config);
    await client.waitRunning(connector.name, 90_000);
  });

  after(async () => {
    for (const w of watches) await w.stop();
    if (skipReason) return;
    if (connector) await removeConnector(client, connector.name);
    await plain?.query(`DROP TABLE IF EXISTS ${TABLE}`);
    await plain?.close();
  });

  it('the connector passes over apply sessions in domain 77 and captures the rest', async (t) => {
    if (skipReason) return t.skip(skipReason);
    const topic = `${connector!.config['topic.prefix']}.dbtwin.${TABLE}`;
    assert.equal(topic, `mariadbx.dbtwin.${TABLE}`);
    const topics = new KafkaTopics(kafkaBrokers);

    // RUNNING comes before the task reads the binlog: rewrite a sentinel row until its change arrives,
    // so every later write is known to be streamed.
    let attempt = 0;
    let lastWrite = 0;
    /** Writes the sentinel again when the last write is 5 s old. */
    const nudge = async (): Promise<void> => {
      if (Date.now() - lastWrite < 5_000) return;
      lastWrite = Date.now();
      await plain.query(
        `INSERT INTO ${TABLE} (id, note) VALUES (?, ?) ON DUPLICATE KEY UPDATE note = VALUES(note)`,
        [SENTINEL, `sentinel ${++attempt}`],
      );
    };
    const topicThere = await eventually(async () => {
      await nudge();
      return (await topics.existing([topic])).length === 1;
    }, WAIT_MS);
    assert.ok(topicThere, `topic ${topic} did not appear within ${WAIT_MS} ms`);
    const watch = new TopicWatch(topic, kafkaBrokers);
    watches.push(watch);
    excluded = watch;
    await watch.start();
    const streaming = await eventually(async () => {
      if (watch.of([SENTINEL]).length > 0) return true;
      await nudge();
      return false;
    }, WAIT_MS);
    assert.ok(streaming, `the sentinel row never arrived on ${topic}`);

    // 1. What dbtwin's apply sessions do: the session is in domain 77.
    const apply = await MysqlDriver.connect({
      ...LOCAL_SIDES.mariadb.connection,
      applyTag: { gtidDomainId: DOMAIN },
    });
    // 2. Statement marker only (domain 0): captured, recognisable by source.query.
    const marked = await MysqlDriver.connect({
      ...LOCAL_SIDES.mariadb.connection,
      applyTag: { statementMarker: MARKER },
    });
    try {
      await apply.transaction(async (tx) => {
        for (const id of TAGGED.slice(0, 3))
          await tx.query(`INSERT INTO ${TABLE} (id, note) VALUES (?, ?)`, [id, 'tagged']);
      });
      for (const id of TAGGED.slice(3))
        await apply.query(`INSERT INTO ${TABLE} (id, note) VALUES (?, ?)`, [id, 'tagged, autocommit']);
      await apply.query(`UPDATE ${TABLE} SET note = ? WHERE id = ?`, ['tagged, updated', TAGGED[0]]);
      await apply.query(`DELETE FROM ${TABLE} WHERE id = ?`, [TAGGED[1]]);
      for (const id of MARKED)
        await marked.query(`INSERT INTO ${TABLE} (id, note) VALUES (?, ?)`, [id, 'marked']);
    } finally {
      await apply.close();
      await marked.close();
    }
    // 3. Plain application writes, last: once they arrive, everything before them was streamed.
    await plain.transaction(async (tx) => {
      for (const id of PLAIN) await tx.query(`INSERT INTO ${TABLE} (id, note) VALUES (?, ?)`, [id, 'plain']);
    });
    await plain.query(`UPDATE ${TABLE} SET note = ? WHERE id = ?`, ['plain, updated', PLAIN[0]]);

    const arrived = await eventually(
      () => Promise.resolve(watch.has(PLAIN) && watch.has([PLAIN[0]!], 'u')),
      WAIT_MS,
      500,
    );
    assert.ok(arrived, `the plain rows did not arrive on ${topic} within ${WAIT_MS} ms`);
    await sleep(GRACE_MS);

    const [rows] = await plain.query(`SELECT COUNT(*) AS n FROM ${TABLE} WHERE id IN (?)`, [TAGGED]);
    assert.equal(Number(rows?.['n']), TAGGED.length - 1, 'the tagged writes are in the table (one deleted)');
    const leaked = watch.of(TAGGED);
    assert.deepEqual(
      leaked.map(
        (e) =>
          `${e.op} ${String(rowToJson(e.key)!['id'])} ${e.position.engine === 'mysql' ? e.position.gtid : ''}`,
      ),
      [],
      'no change written in domain 77 reaches the topic',
    );

    const plainEvents = watch.of(PLAIN);
    assert.equal(plainEvents.length, PLAIN.length + 1, 'three inserts and an update');
    for (const e of plainEvents) {
      assert.equal(e.origin, 'mariadb', 'the dbtwin-origin header names the side');
      assert.ok(
        e.position.engine === 'mysql' && e.position.gtid && !e.position.gtid.startsWith(`${DOMAIN}-`),
      );
      assert.equal(isOwnWriteAtCapture(e, GTID_DOMAIN), false);
      assert.equal(isOwnWriteAtCapture(e, QUERY_MARKER), false, 'no marker on an application write');
    }

    const markedEvents = watch.of(MARKED);
    assert.equal(markedEvents.length, MARKED.length, 'the marked rows (domain 0) are captured');
    for (const e of markedEvents) {
      assert.ok(e.position.engine === 'mysql');
      assert.ok(
        e.position.query?.startsWith(`/* ${MARKER} */ INSERT INTO ${TABLE}`),
        `source.query: ${e.position.query}`,
      );
      assert.equal(isOwnWriteAtCapture(e, QUERY_MARKER), true, 'query-marker recognises it');
      assert.equal(isOwnWriteAtCapture(e, GTID_DOMAIN), false);
    }
    t.diagnostic(
      `${topic}: ${watch.events.length} events of this run; plain gtids ${plainEvents.map((e) => (e.position.engine === 'mysql' ? e.position.gtid : '')).join(' ')}`,
    );
  });

  it('a connector without the exclusion (dbtwin-mariadb-source) captures the tagged rows, and isOwnWriteAtCapture recognises them', async (t) => {
    if (skipReason) return t.skip(skipReason);
    const main = 'dbtwin-mariadb-source';
    if ((await client.status(main))?.connector.state !== 'RUNNING')
      return t.skip(`${main} is not RUNNING (npx dbtwin connectors apply compose/connectors/local)`);
    const topic = `${LOCAL_SIDES.mariadb.topicPrefix}.dbtwin.${TABLE}`;
    await new KafkaTopics(kafkaBrokers).waitForTopics([topic], WAIT_MS);
    const watch = new TopicWatch(topic, kafkaBrokers);
    watches.push(watch);
    await watch.start();
    const arrived = await eventually(
      () => Promise.resolve(watch.has(TAGGED) && watch.has(PLAIN)),
      WAIT_MS,
      500,
    );
    assert.ok(arrived, `the rows of this run did not arrive on ${topic} within ${WAIT_MS} ms`);
    const tagged = watch.of(TAGGED);
    assert.equal(tagged.length, TAGGED.length + 2, 'five inserts, an update and a delete');
    for (const e of tagged) {
      assert.ok(
        e.position.engine === 'mysql' && e.position.gtid?.startsWith(`${DOMAIN}-`),
        JSON.stringify(e.position),
      );
      assert.equal(isOwnWriteAtCapture(e, GTID_DOMAIN), true);
    }
    for (const e of watch.of(PLAIN)) assert.equal(isOwnWriteAtCapture(e, GTID_DOMAIN), false);
  });

  it('after a restart (resuming from its GTID position without domain 77) it still passes over domain 77', async (t) => {
    if (skipReason) return t.skip(skipReason);
    if (!excluded) return t.skip('the first test did not get the connector streaming');
    const watch = excluded;
    const name = connector!.name;
    // Past the offset flush (1 s locally), so the restart resumes from a stored position.
    await sleep(2_000);
    const restart = await fetch(
      `${client.baseUrl}/connectors/${encodeURIComponent(name)}/restart?includeTasks=true`,
      { method: 'POST' },
    );
    assert.ok(restart.ok, `restart answered ${restart.status}`);
    await sleep(1_000);
    await client.waitRunning(name, 90_000);

    const tagged = [30n, 31n].map((n) => base + n);
    const plainAfter = [40n, 41n].map((n) => base + n);
    const apply = await MysqlDriver.connect({
      ...LOCAL_SIDES.mariadb.connection,
      applyTag: { gtidDomainId: DOMAIN },
    });
    try {
      for (const id of tagged)
        await apply.query(`INSERT INTO ${TABLE} (id, note) VALUES (?, ?)`, [id, 'tagged after restart']);
    } finally {
      await apply.close();
    }
    // The task may still be connecting to the binlog: these rows arrive once it streams.
    for (const id of plainAfter)
      await plain.query(`INSERT INTO ${TABLE} (id, note) VALUES (?, ?)`, [id, 'plain after restart']);
    const arrived = await eventually(() => Promise.resolve(watch.has(plainAfter)), WAIT_MS, 500);
    assert.ok(arrived, `the plain rows written after the restart did not arrive within ${WAIT_MS} ms`);
    await sleep(GRACE_MS);
    assert.deepEqual(
      watch.of([...TAGGED, ...tagged]),
      [],
      'nothing of domain 77, before or after the restart',
    );
    const status = await client.status(name);
    assert.equal(status?.tasks[0]?.state, 'RUNNING', status?.tasks[0]?.trace);
  });

  it('dbtwin run with capture.exclusion gtid-domain on MariaDB: what the link writes there never reaches the topic', async (t) => {
    if (skipReason) return t.skip(skipReason);
    if (!excluded) return t.skip('the first test did not get the connector streaming');
    const watch = excluded;
    const postgres = await PostgresDriver.connect(LOCAL_SIDES.postgres.connection);
    await postgres.query(
      `CREATE TABLE IF NOT EXISTS ${TABLE} (id bigint PRIMARY KEY, note varchar(60) NOT NULL)`,
    );
    // A first row, so the table's topic exists before the link starts (as on a running system).
    await postgres.query(`INSERT INTO ${TABLE} (id, note) VALUES ($1, $2)`, [base + 49n, 'first']);
    await new KafkaTopics(kafkaBrokers).waitForTopics([`postgres.public.${TABLE}`], WAIT_MS);
    const config = await writeLocalConfig([TABLE], {
      mariadbCapture: `{ exclusion: gtid-domain, gtidDomainId: ${DOMAIN} }`,
    });
    const dbtwin = await DbtwinProcess.start(config, ['postgres->mariadb']);
    const fromPostgres = [50n, 51n, 52n, 53n].map((n) => base + n);
    const plainAfter = [60n, 61n].map((n) => base + n);
    try {
      for (const id of fromPostgres)
        await postgres.query(`INSERT INTO ${TABLE} (id, note) VALUES ($1, $2)`, [id, 'from postgres']);
      await postgres.query(`UPDATE ${TABLE} SET note = $1 WHERE id = $2`, [
        'from postgres, updated',
        fromPostgres[0],
      ]);
      await postgres.query(`DELETE FROM ${TABLE} WHERE id = $1`, [fromPostgres[1]]);
      const applied = await eventually(
        async () => {
          const [row] = await plain.query(
            `SELECT COUNT(*) AS n, SUM(note = 'from postgres, updated') AS u FROM ${TABLE} WHERE id IN (?)`,
            [fromPostgres],
          );
          return Number(row?.['n']) === fromPostgres.length - 1 && Number(row?.['u']) === 1;
        },
        WAIT_MS,
        500,
      );
      assert.ok(
        applied,
        `dbtwin did not apply the PostgreSQL rows to MariaDB within ${WAIT_MS} ms: ${JSON.stringify((await dbtwin.status()).links)}\n${(await dbtwin.logs()).slice(-2000)}`,
      );
      // Plain writes last: once they are on the topic, dbtwin's earlier writes would be too.
      for (const id of plainAfter)
        await plain.query(`INSERT INTO ${TABLE} (id, note) VALUES (?, ?)`, [id, 'plain after dbtwin']);
      assert.ok(await eventually(() => Promise.resolve(watch.has(plainAfter)), WAIT_MS, 500));
      await sleep(GRACE_MS);
      const counters = await dbtwin.counters('postgres->mariadb');
      t.diagnostic(`postgres->mariadb counters ${JSON.stringify(counters)}`);
      // At least the three surviving rows (the topic may also hold rows of earlier runs, applied too).
      assert.ok((counters['applied'] ?? 0) >= fromPostgres.length - 1, JSON.stringify(counters));
      assert.deepEqual(
        watch.of(fromPostgres).map((e) => `${e.op} ${String(rowToJson(e.key)!['id'])}`),
        [],
        "none of dbtwin's writes on MariaDB reached the excluding connector's topic",
      );
    } finally {
      await dbtwin.stop();
      await postgres.query(`DROP TABLE IF EXISTS ${TABLE}`);
      await postgres.close();
    }
  });
});
