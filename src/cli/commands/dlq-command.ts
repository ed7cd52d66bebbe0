import type { Command } from 'commander';
import { loadConfig } from '../../config/config-loader.js';
import type { DbtwinConfig, LinkConfig } from '../../config/dbtwin-config.js';
import { DbtwinError } from '../../core/dbtwin-error.js';
import { ErrorCode } from '../../core/error-codes.js';
import { DeadLetterQueue, type StoredDeadLetter } from '../../pipeline/dead-letter-queue.js';
import { replayDeadLetters } from '../../pipeline/dead-letter-replay.js';
import { configOption } from '../config-option.js';

interface CommonOptions {
  config: string;
  link?: string;
}

/**
 * `dbtwin dlq list|drop|replay`: the dead-letter queue of a link (design §6), where the messages it could
 * not apply wait for an operator. `--link` may be left out when the configuration has a single link.
 */
export function registerDlqCommand(program: Command): void {
  const dlq = program
    .command('dlq')
    .description('inspect, replay or drop the messages a link could not apply (its dead-letter queue)');

  withCommonOptions(dlq.command('list'))
    .description(
      'list dead letters, oldest first: id, time, topic[partition]@offset, code, table, key, reason',
    )
    .option('--json', 'print them as one JSON array, whole (raw key, value and headers included)')
    .option('--limit <n>', 'at most this many', '100')
    .option('--offset <n>', 'skip this many of the oldest', '0')
    .action(async (opts: CommonOptions & { json?: boolean; limit: string; offset: string }) => {
      const limit = count(opts.limit, '--limit');
      const offset = count(opts.offset, '--offset');
      await withQueue(opts, async (queue, link) => {
        const letters = await queue.list({ limit, offset });
        if (opts.json) {
          console.log(JSON.stringify(letters, null, 2));
          return;
        }
        if (letters.length === 0) console.log(`no dead letters on link ${link.name}`);
        for (const letter of letters) console.log(describe(letter));
        const total = await queue.count();
        const rest = total - offset - letters.length;
        if (rest > 0)
          console.error(`… ${rest} more on link ${link.name} (--offset ${offset + letters.length})`);
      });
    });

  withCommonOptions(dlq.command('drop'))
    .description('remove one dead letter for good')
    .argument('<id>', 'dead-letter id, as `dlq list` shows it (<topic>/<partition>/<offset>)')
    .action(async (id: string, opts: CommonOptions) => {
      await withQueue(opts, async (queue, link) => {
        if (await queue.remove(id)) {
          console.log(`dropped ${id}`);
        } else {
          console.error(`dbtwin: no dead letter ${id} on link ${link.name}`);
          process.exitCode = 1;
        }
      });
    });

  withCommonOptions(dlq.command('replay'))
    .description('put dead letters back through the link (one by id, or --all)')
    .argument('[id]', 'dead-letter id, as `dlq list` shows it')
    .option('--all', 'every dead letter of the link')
    .action(async (id: string | undefined, opts: CommonOptions & { all?: boolean }) => {
      if ((id === undefined) === (opts.all !== true)) {
        throw new DbtwinError(ErrorCode.ConfigInvalid, 'dlq replay takes either one id or --all', {
          hint: 'dbtwin dlq list shows the ids',
        });
      }
      const config = await loadConfig(opts.config);
      const link = chooseLink(config, opts.link);
      const result = await replayDeadLetters(config, link.name, id === undefined ? 'all' : [id]);
      for (const replayed of result.replayed) console.log(`replayed ${replayed}`);
      for (const failed of result.failed) console.error(`failed ${failed.id}: ${failed.reason}`);
      if (result.failed.length > 0) process.exitCode = 1;
    });
}

function withCommonOptions(command: Command): Command {
  return command
    .addOption(configOption())
    .option(
      '-l, --link <from->to>',
      'the link, as <from>-><to> (default: the only link of the configuration)',
    );
}

/** Opens the link's queue for `work` and always closes it, so the process can exit. */
async function withQueue(
  opts: CommonOptions,
  work: (queue: DeadLetterQueue, link: LinkConfig) => Promise<void>,
): Promise<void> {
  const config = await loadConfig(opts.config);
  const link = chooseLink(config, opts.link);
  const queue = DeadLetterQueue.forLink(config, link);
  try {
    await work(queue, link);
  } finally {
    await queue.close();
  }
}

/** The link named by `--link`, or the only one; otherwise an error that lists the links. */
function chooseLink(config: DbtwinConfig, name: string | undefined): LinkConfig {
  const names = config.links.map((l) => l.name).join(', ') || 'none';
  if (name === undefined) {
    const [only, ...others] = config.links;
    if (only !== undefined && others.length === 0) return only;
    throw new DbtwinError(
      ErrorCode.ConfigInvalid,
      `${config.file} has ${config.links.length} links; say which with --link <from>-><to>`,
      { hint: `links: ${names}` },
    );
  }
  const link = config.links.find((l) => l.name === name);
  if (!link) {
    throw new DbtwinError(ErrorCode.ConfigInvalid, `no link ${name} in ${config.file}`, {
      hint: `links: ${names}`,
    });
  }
  return link;
}

/** One line per letter; the reason last because it is free text. */
function describe(letter: StoredDeadLetter): string {
  return [
    letter.id,
    letter.at,
    `${letter.topic}[${letter.partition}]@${letter.offset}`,
    letter.code,
    letter.table ?? '-',
    letter.primaryKey === null ? '-' : JSON.stringify(letter.primaryKey),
    letter.reason.replace(/\s*\n\s*/g, ' '),
  ].join('  ');
}

function count(text: string, option: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) {
    throw new DbtwinError(ErrorCode.ConfigInvalid, `${option} must be a whole number, not "${text}"`);
  }
  return value;
}
