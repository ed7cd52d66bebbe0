// `dbtwin dlq` as users run it (the built CLI), against the real Redis of the local stack.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { endpointsFromEnv } from '../../src/config/environment.js';
import { ErrorCode } from '../../src/core/error-codes.js';
import {
  DeadLetterQueue,
  toDeadLetter,
  type StoredDeadLetter,
} from '../../src/pipeline/dead-letter-queue.js';
import { deadLetterQueueName, QUEUE_PREFIX } from '../../src/core/redis-keys.js';
import { runCli } from '../support/run-cli.js';

const redisUrl = endpointsFromEnv().redisUrl;
// Side names unique to this run: the queue is theirs alone.
const from = `c${randomUUID().slice(0, 8)}`;
const to = `${from}x`;
const link = { name: `${from}->${to}`, from, to };
const topic = `${from}.app.accounts`;

function configYaml(links: string): string {
  const side = (name: string, engine: string, port: number): string => `  ${name}:
    engine: ${engine}
    connection: { host: 127.0.0.1, port: ${port}, user: u, password: p, database: app }
    topicPrefix: ${name}
    schema: app
    tables: [accounts]
`;
  return `redis:\n  url: ${redisUrl}\nsides:\n${side(from, 'mysql', 3306)}${side(to, 'postgres', 5432)}links:\n${links}`;
}

describe('dbtwin dlq (built CLI, real Redis)', () => {
  let dir: string;
  let oneLink: string;
  let twoLinks: string;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'dbtwin-dlq-'));
    oneLink = path.join(dir, 'one.yaml');
    twoLinks = path.join(dir, 'two.yaml');
    await writeFile(oneLink, configYaml(`  - { from: ${from}, to: ${to} }\n`));
    await writeFile(
      twoLinks,
      configYaml(`  - { from: ${from}, to: ${to} }\n  - { from: ${to}, to: ${from} }\n`),
    );
    const queue = new DeadLetterQueue({ redisUrl, link });
    try {
      await queue.add(
        [7, 8].map((offset) =>
          toDeadLetter(
            link,
            {
              message: {
                topic,
                partition: 1,
                offset: String(offset),
                key: Buffer.from(`{"id":${offset}}`),
                value: Buffer.from('not json'),
                headers: {},
              },
              code: ErrorCode.MessageNotJson,
              reason: `value is not JSON at byte 0`,
              ...(offset === 8 ? { table: 'app.accounts', key: { id: 8 } } : {}),
            },
            new Date(`2025-03-0${offset - 6}T00:00:00.000Z`),
          ),
        ),
      );
    } finally {
      await queue.close();
    }
  });

  after(async () => {
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
    const raw = new Queue(deadLetterQueueName('dbtwin', from, to), {
      connection: redis,
      prefix: QUEUE_PREFIX,
    });
    await raw.obliterate({ force: true });
    await raw.close();
    redis.disconnect();
    await rm(dir, { recursive: true, force: true });
  });

  it('list prints one line per letter, oldest first; --link is optional with a single link', async () => {
    const result = await runCli(['dlq', 'list', '--config', oneLink]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(result.stdout.trimEnd().split('\n'), [
      `${topic}/1/7  2025-03-01T00:00:00.000Z  ${topic}[1]@7  DBT2001  -  -  value is not JSON at byte 0`,
      `${topic}/1/8  2025-03-02T00:00:00.000Z  ${topic}[1]@8  DBT2001  app.accounts  {"id":8}  value is not JSON at byte 0`,
    ]);
  });

  it('list --json prints the letters whole', async () => {
    const result = await runCli(['dlq', 'list', '--link', link.name, '--config', oneLink, '--json']);
    assert.equal(result.code, 0, result.stderr);
    const letters = JSON.parse(result.stdout) as StoredDeadLetter[];
    assert.deepEqual(
      letters.map((l) => [l.id, l.value, l.origin, l.hop]),
      [
        [`${topic}/1/7`, 'not json', from, 1],
        [`${topic}/1/8`, 'not json', from, 1],
      ],
    );
  });

  it('--link is required when the configuration has several links, and must name one', async () => {
    const missing = await runCli(['dlq', 'list', '--config', twoLinks]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /\[DBT1001\] .*two\.yaml has 2 links; say which with --link/);
    assert.ok(missing.stderr.includes(`${from}->${to}, ${to}->${from}`), missing.stderr);
    const wrong = await runCli(['dlq', 'list', '--config', twoLinks, '--link', 'a->b']);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /\[DBT1001\] no link a->b in /);
  });

  it('drop removes one letter; dropping it again fails', async () => {
    const id = `${topic}/1/7`;
    const dropped = await runCli(['dlq', 'drop', id, '--config', oneLink]);
    assert.equal(dropped.code, 0, dropped.stderr);
    assert.equal(dropped.stdout, `dropped ${id}\n`);
    const list = await runCli(['dlq', 'list', '--config', oneLink]);
    assert.deepEqual(
      list.stdout
        .trimEnd()
        .split('\n')
        .map((line) => line.split('  ')[0]),
      [`${topic}/1/8`],
    );
    const again = await runCli(['dlq', 'drop', id, '--config', oneLink]);
    assert.equal(again.code, 1);
    assert.match(
      again.stderr,
      new RegExp(`no dead letter ${id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} on link`),
    );
  });

  it('an unreachable Redis is a clear error, not a hang', async () => {
    const dead = path.join(dir, 'dead.yaml');
    await writeFile(
      dead,
      configYaml(`  - { from: ${from}, to: ${to} }\n`).replace(redisUrl, 'redis://127.0.0.1:1'),
    );
    const result = await runCli(['dlq', 'list', '--config', dead], { timeoutMs: 30_000 });
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /\[DBT4001\] Redis at 127\.0\.0\.1:1 is unreachable while listing dead letters/,
    );
  });

  it('replay wants one id or --all', async () => {
    const result = await runCli(['dlq', 'replay', '--config', oneLink]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /\[DBT1001\] dlq replay takes either one id or --all/);
  });
});
