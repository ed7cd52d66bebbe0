// The dead-letter queue against the real Redis of the local stack (127.0.0.1:6379, or DBTWIN_REDIS_URL).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { endpointsFromEnv } from '../../src/config/environment.js';
import { DbtwinError } from '../../src/core/dbtwin-error.js';
import { ErrorCode } from '../../src/core/error-codes.js';
import {
  DeadLetterQueue,
  dbtwinHeaders,
  deadLetterBytes,
  toDeadLetter,
  type DeadLetterInput,
} from '../../src/pipeline/dead-letter-queue.js';
import { deadLetterQueueName, QUEUE_PREFIX } from '../../src/core/redis-keys.js';

const redisUrl = endpointsFromEnv().redisUrl;
// A side name unique to this run, so parallel or leftover runs never see each other's letters.
const from = `t${randomUUID().slice(0, 8)}`;
const link = { name: `${from}->sink`, from, to: 'sink' };
const topic = `${from}.app.accounts`;

function input(offset: number, extra: Partial<DeadLetterInput> = {}): DeadLetterInput {
  return {
    message: {
      topic,
      partition: 0,
      offset: String(offset),
      key: Buffer.from(`{"id":${offset}}`),
      value: Buffer.from(`{"op":"c","after":{"id":${offset}}}`),
      headers: { 'dbtwin-origin': from },
    },
    code: ErrorCode.FieldValueInvalid,
    reason: `after.amount: not a Decimal (offset ${offset})`,
    table: 'app.accounts',
    key: { id: offset },
    ...extra,
  };
}

describe('dead-letter queue (real Redis)', () => {
  let queue: DeadLetterQueue;

  before(() => {
    queue = new DeadLetterQueue({ redisUrl, link });
  });

  after(async () => {
    await queue.close();
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
    const raw = new Queue(deadLetterQueueName('dbtwin', link.from, link.to), {
      connection: redis,
      prefix: QUEUE_PREFIX,
    });
    await raw.obliterate({ force: true });
    await raw.close();
    redis.disconnect();
  });

  it('is named after the link', () => {
    assert.equal(queue.name, `dbtwin-dlq-${from}-to-sink`);
  });

  it('adds a batch and reads each letter back whole', async () => {
    const at = new Date('2025-01-02T03:04:05.678Z');
    const letters = [1, 2, 3].map((o) => toDeadLetter(link, input(o), at));
    const ids = await queue.add(letters);
    assert.deepEqual(ids, [`${topic}/0/1`, `${topic}/0/2`, `${topic}/0/3`]);
    assert.equal(await queue.count(), 3);
    const second = await queue.get(`${topic}/0/2`);
    assert.deepEqual(second, {
      id: `${topic}/0/2`,
      link: link.name,
      topic,
      partition: 0,
      offset: '2',
      key: '{"id":2}',
      keyBase64: false,
      value: '{"op":"c","after":{"id":2}}',
      valueBase64: false,
      headers: { 'dbtwin-origin': from },
      base64Headers: [],
      code: 'DBT2003',
      reason: 'after.amount: not a Decimal (offset 2)',
      table: 'app.accounts',
      primaryKey: { id: 2 },
      at: '2025-01-02T03:04:05.678Z',
      origin: from,
      hop: 1,
    });
    assert.equal(await queue.get(`${topic}/0/99`), undefined);
  });

  it('the same message dead-lettered again stays one entry (the first)', async () => {
    const again = toDeadLetter(link, input(2, { reason: 'a later attempt' }));
    assert.deepEqual(await queue.add([again]), [`${topic}/0/2`]);
    assert.equal(await queue.count(), 3);
    assert.equal((await queue.get(`${topic}/0/2`))?.reason, 'after.amount: not a Decimal (offset 2)');
  });

  it('lists the oldest first, in pages', async () => {
    await queue.add([toDeadLetter(link, input(4))]);
    const all = await queue.list();
    assert.deepEqual(
      all.map((l) => l.offset),
      ['1', '2', '3', '4'],
    );
    const page = await queue.list({ offset: 1, limit: 2 });
    assert.deepEqual(
      page.map((l) => l.id),
      [`${topic}/0/2`, `${topic}/0/3`],
    );
    assert.deepEqual(await queue.list({ offset: 10, limit: 5 }), []);
  });

  it('removes by id, once', async () => {
    assert.equal(await queue.remove(`${topic}/0/3`), true);
    assert.equal(await queue.remove(`${topic}/0/3`), false);
    assert.equal(await queue.get(`${topic}/0/3`), undefined);
    assert.equal(await queue.count(), 3);
    assert.deepEqual(
      (await queue.list()).map((l) => l.offset),
      ['1', '2', '4'],
    );
  });

  it('keeps bytes that are not UTF-8 as base64, a null value, and counts the hop', async () => {
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x41]);
    const letter = toDeadLetter(
      link,
      input(5, {
        message: {
          topic,
          partition: 2,
          offset: '5',
          key: bytes,
          value: null,
          headers: {
            'dbtwin-origin': 'other',
            'dbtwin-hop': Buffer.from('2'),
            bin: [Buffer.from('x'), bytes],
          },
        },
      }),
    );
    await queue.addAll([]);
    await queue.add([letter]);
    const stored = await queue.get(`${topic}/2/5`);
    assert.ok(stored);
    assert.equal(stored.keyBase64, true);
    assert.deepEqual(deadLetterBytes(stored.key, stored.keyBase64), bytes);
    assert.equal(stored.value, null);
    assert.deepEqual(stored.headers, {
      'dbtwin-origin': 'other',
      'dbtwin-hop': '2',
      bin: bytes.toString('base64'),
    });
    assert.deepEqual(stored.base64Headers, ['bin']);
    assert.equal(stored.origin, from, 'origin is the link source side, not the incoming header');
    assert.equal(stored.hop, 3);
    assert.deepEqual(dbtwinHeaders(stored), { 'dbtwin-origin': from, 'dbtwin-hop': '3' });
  });

  it('addAll stamps and stores what the pipeline hands over', async () => {
    await queue.addAll([input(6)]);
    const stored = await queue.get(`${topic}/0/6`);
    assert.equal(stored?.code, ErrorCode.FieldValueInvalid);
    assert.ok(Date.now() - Date.parse(stored.at) < 60_000);
  });

  it('refuses a letter of another link', async () => {
    const foreign = toDeadLetter({ name: 'x->y', from: 'x' }, input(7));
    await assert.rejects(
      queue.add([foreign]),
      (e: unknown) => e instanceof DbtwinError && e.code === ErrorCode.InternalInvariant,
    );
  });

  it('an unreachable Redis is a ServiceUnreachable error, not a hang', async () => {
    const dead = new DeadLetterQueue({ redisUrl: 'redis://127.0.0.1:1', link, timeoutMs: 500 });
    try {
      await assert.rejects(
        dead.count(),
        (e: unknown) =>
          e instanceof DbtwinError &&
          e.code === ErrorCode.ServiceUnreachable &&
          e.message.includes('127.0.0.1:1'),
      );
    } finally {
      await dead.close().catch(() => undefined);
    }
  });
});
