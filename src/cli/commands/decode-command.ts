import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { AdminServer } from '../../admin/admin-server.js';
import { DbtwinError } from '../../core/dbtwin-error.js';
import { createLogger } from '../../core/logger.js';
import { eventToJson } from '../../core/value-json.js';
import { endpointsFromEnv } from '../../config/environment.js';
import {
  decodeDebeziumMessage,
  type DecodeContext,
  type DecodeResult,
} from '../../source/debezium-decoder.js';
import { KafkaChangeSource } from '../../source/kafka-change-source.js';
import { KafkaTopics } from '../../source/kafka-topics.js';

interface DecodeOptions {
  topic?: string;
  topics?: string;
  fromBeginning?: boolean;
  max?: string;
  group?: string;
  brokers?: string;
  side: string;
  key?: string;
  adminPort: string;
}

/**
 * `dbtwin decode`: Debezium message values → one decoded event per line (JSON). From stdin (one
 * message value per line), or from Kafka with `--topic`/`--topics`. A message that cannot be decoded
 * prints one error line on stdout (`{"error": …}`) naming the message and field, and decoding goes on.
 */
export function registerDecodeCommand(program: Command): void {
  program
    .command('decode')
    .description(
      'decode Debezium change events (stdin lines, or a Kafka topic) into dbtwin events, one JSON line each',
    )
    .option('--topic <topic>', 'read this Kafka topic instead of stdin')
    .option('--topics <regex>', 'read every existing topic matching this pattern')
    .option(
      '--from-beginning',
      'start at the oldest message (default: only new messages, or the group offsets)',
    )
    .option('--max <n>', 'stop after n messages')
    .option('--group <id>', 'consumer group (default: a new one per run, nothing committed is shared)')
    .option('--brokers <list>', 'Kafka brokers (env DBTWIN_KAFKA_BROKERS)')
    .option('--side <name>', 'side to report for messages without a dbtwin-origin header', 'unknown')
    .option(
      '--key <columns>',
      'primary-key columns (comma-separated) for messages without a Kafka key (stdin)',
    )
    .option(
      '--admin-port <port>',
      'admin HTTP port when reading Kafka (0 = any free port)',
      String(endpointsFromEnv().adminPort),
    )
    .action(async (opts: DecodeOptions) => {
      const max = opts.max === undefined ? Infinity : Number(opts.max);
      const base: Omit<DecodeContext, 'kafka'> = {
        side: opts.side,
        ...(opts.key ? { keyColumns: opts.key.split(',').map((c) => c.trim()) } : {}),
      };
      if (opts.topic || opts.topics) {
        await decodeFromKafka(opts, base, max);
      } else {
        await decodeFromStdin(base, max);
      }
    });
}

/** Prints one result line; returns false for errors. Tombstones and skips print nothing. */
function printResult(decode: () => DecodeResult): boolean {
  try {
    const result = decode();
    if (result.kind === 'event') process.stdout.write(`${JSON.stringify(eventToJson(result.event))}\n`);
    return true;
  } catch (error) {
    if (!(error instanceof DbtwinError)) throw error;
    process.stdout.write(`${JSON.stringify({ error: error.message, code: error.code })}\n`);
    return false;
  }
}

async function decodeFromStdin(context: Omit<DecodeContext, 'kafka'>, max: number): Promise<void> {
  let seen = 0;
  let failed = 0;
  for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
    if (line.trim() === '') continue;
    if (seen++ >= max) break;
    const n = seen;
    if (
      !printResult(() =>
        decodeDebeziumMessage(null, line, {
          ...context,
          kafka: { topic: 'stdin', partition: 0, offset: String(n) },
        }),
      )
    )
      failed++;
  }
  if (failed > 0) process.exitCode = 1;
}

async function decodeFromKafka(
  opts: DecodeOptions,
  context: Omit<DecodeContext, 'kafka'>,
  max: number,
): Promise<void> {
  const logger = createLogger('dbtwin-decode');
  const brokers = opts.brokers ? opts.brokers.split(',') : endpointsFromEnv().kafkaBrokers;
  if (opts.topic) await new KafkaTopics(brokers).waitForTopics([opts.topic], 30_000);
  let seen = 0;
  let ready = false;
  const source = new KafkaChangeSource({
    brokers,
    groupId: opts.group ?? `dbtwin-decode-${process.pid}-${Date.now()}`,
    topics: opts.topic ? [opts.topic] : [new RegExp(opts.topics ?? '')],
    fromBeginning: opts.fromBeginning ?? false,
    logger,
  });
  const admin = new AdminServer(
    { ready: () => ready, status: () => ({ command: 'decode', decoded: seen }) },
    Number(opts.adminPort),
    endpointsFromEnv().adminHost,
  );
  const adminPort = await admin.start();
  logger.info({ adminPort }, 'admin endpoint listening');
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finish = resolve));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => finish());
  await source.start(async (messages) => {
    for (const m of messages) {
      if (seen >= max) break;
      seen++;
      printResult(() =>
        decodeDebeziumMessage(m.key, m.value, {
          ...context,
          kafka: { topic: m.topic, partition: m.partition, offset: m.offset },
          originHeader: m.headers['dbtwin-origin'],
          hopHeader: m.headers['dbtwin-hop'],
        }),
      );
    }
    if (seen >= max) finish();
    return Promise.resolve();
  });
  ready = true;
  await done;
  await source.stop();
  await admin.stop();
}
