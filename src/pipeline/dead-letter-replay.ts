import type { DbtwinConfig } from '../config/dbtwin-config.js';
import { DbtwinError } from '../core/dbtwin-error.js';
import { ErrorCode } from '../core/error-codes.js';
import { createLogger } from '../core/logger.js';
import type { SourceMessage } from '../source/kafka-change-source.js';
import { DeadLetterQueue, deadLetterBytes, type StoredDeadLetter } from './dead-letter-queue.js';
import { LinkPipeline, type DeadLetterDraft } from './link-pipeline.js';
import { openTargetSide } from './target-side.js';

/**
 * Puts dead letters of `linkName` back through the link's pipeline (`dbtwin dlq replay`), every stored
 * letter when `ids` is `'all'`: the same stages as live messages (decode, route, collapse, encode,
 * apply), so a letter whose cause was fixed applies exactly as it would have. A replayed letter leaves
 * the queue; one that fails again stays, with the new reason in `failed`. A target that is down fails
 * the whole replay (nothing is removed).
 */
export async function replayDeadLetters(
  config: DbtwinConfig,
  linkName: string,
  ids: readonly string[] | 'all',
): Promise<{ replayed: string[]; failed: { id: string; reason: string }[] }> {
  const link = config.links.find((l) => l.name === linkName);
  if (!link) throw new DbtwinError(ErrorCode.ConfigInvalid, `no link ${linkName} in ${config.file}`);
  const queue = DeadLetterQueue.forLink(config, link);
  const target = await openTargetSide(config, link.to);
  try {
    const letters: StoredDeadLetter[] = [];
    if (ids === 'all') {
      for (let offset = 0; ; offset += 500) {
        const page = await queue.list({ limit: 500, offset });
        letters.push(...page);
        if (page.length < 500) break;
      }
    } else {
      for (const id of ids) {
        const letter = await queue.get(id);
        if (!letter)
          throw new DbtwinError(ErrorCode.ConfigInvalid, `no dead letter ${id} in the queue of ${linkName}`, {
            hint: 'dbtwin dlq list shows the ids',
          });
        letters.push(letter);
      }
    }
    const replayed: string[] = [];
    const failed: { id: string; reason: string }[] = [];
    for (const letter of letters) {
      // Each letter alone, so one that fails again cannot hold back the others.
      const again: DeadLetterDraft[] = [];
      const pipeline = LinkPipeline.forLink(
        config,
        link,
        target,
        { addAll: (l) => Promise.resolve(void again.push(...l)) },
        createLogger('dbtwin-replay', 'error'),
      );
      await pipeline.handle([toMessage(letter)]);
      if (again.length > 0) {
        failed.push({ id: letter.id, reason: again.map((a) => a.reason).join('; ') });
      } else {
        await queue.remove(letter.id);
        replayed.push(letter.id);
      }
    }
    return { replayed, failed };
  } finally {
    await target.close();
    await queue.close();
  }
}

function toMessage(letter: StoredDeadLetter): SourceMessage {
  const headers: Record<string, string> = {};
  for (const [name, text] of Object.entries(letter.headers)) {
    headers[name] = letter.base64Headers.includes(name) ? Buffer.from(text, 'base64').toString('utf8') : text;
  }
  return {
    topic: letter.topic,
    partition: letter.partition,
    offset: letter.offset,
    key: deadLetterBytes(letter.key, letter.keyBase64),
    value: deadLetterBytes(letter.value, letter.valueBase64),
    headers,
    timestampMs: Date.parse(letter.at),
  };
}
