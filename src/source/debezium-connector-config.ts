import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { DbtwinError } from '../core/dbtwin-error.js';
import { ErrorCode } from '../core/error-codes.js';
import { substituteEnv } from '../config/env-substitution.js';

/** A Debezium connector definition as Kafka Connect's REST API takes it, with the file it came from. */
export interface ConnectorDefinition {
  readonly file: string;
  readonly name: string;
  readonly config: Readonly<Record<string, string>>;
}

const fileSchema = z.object({
  name: z.string().min(1),
  config: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  /**
   * `false`: the file is left out when its folder is loaded (`connectors apply compose/connectors/local`)
   * and used only when named itself. For example connectors beside the regular ones (the
   * GTID-excluded MariaDB source the capture-exclusion test registers). Default true. Not sent to
   * Kafka Connect.
   */
  applyWithFolder: z.boolean().optional(),
});

/**
 * What dbtwin relies on in every source connector (design §3.1, §2). A connector without these would
 * produce events dbtwin cannot classify (no origin) or decode exactly (no schemas, defaults instead of NULLs).
 */
const REQUIRED: readonly (readonly [key: string, expected: string | RegExp, why: string])[] = [
  [
    'transforms.origin.type',
    'org.apache.kafka.connect.transforms.InsertHeader',
    'the dbtwin-origin header is added by InsertHeader',
  ],
  ['transforms.origin.header', 'dbtwin-origin', 'dbtwin reads the origin side from this header'],
  ['transforms.origin.value.literal', /^[a-z][a-z0-9_-]*$/, 'the side name the connector captures'],
  ['key.converter.schemas.enable', 'true', 'key schemas tell dbtwin the key columns and their types'],
  ['value.converter.schemas.enable', 'true', 'value schemas carry the logical types decoded exactly'],
  [
    'value.converter.replace.null.with.default',
    'false',
    'a NULL must stay NULL, not become the column default',
  ],
  ['provide.transaction.metadata', 'true', 'transaction ids group changes for apply'],
  ['topic.prefix', /.+/, 'Debezium 3 names topics <topic.prefix>.<db>.<table>'],
];

/** Debezium 1.x/2.x property names that Debezium 3 ignores or rejects. */
const OBSOLETE: Readonly<Record<string, string>> = {
  'database.server.name': 'topic.prefix',
  'database.history': 'schema.history.internal',
  'database.history.kafka.topic': 'schema.history.internal.kafka.topic',
  'database.history.kafka.bootstrap.servers': 'schema.history.internal.kafka.bootstrap.servers',
};

// Re-exported because existing callers (and this module's unit test) import it from here.
export { substituteEnv };

/** Checks a connector config against what dbtwin needs; returns every problem at once. */
export function checkConnectorConfig(def: ConnectorDefinition): string[] {
  const problems: string[] = [];
  if (def.config['connector.class']?.includes('Sink') === true) return problems;
  for (const [key, expected, why] of REQUIRED) {
    const actual = def.config[key];
    const good =
      actual !== undefined && (typeof expected === 'string' ? actual === expected : expected.test(actual));
    if (!good) {
      const want = typeof expected === 'string' ? `"${expected}"` : `a value matching ${String(expected)}`;
      problems.push(
        `${def.file}: ${key} must be ${want} (${why}); found ${actual === undefined ? 'nothing' : `"${actual}"`}`,
      );
    }
  }
  for (const [old, replacement] of Object.entries(OBSOLETE)) {
    if (old in def.config)
      problems.push(`${def.file}: ${old} is a Debezium 1.x/2.x name; use ${replacement}`);
  }
  if (
    !(def.config['transforms'] ?? '')
      .split(',')
      .map((t) => t.trim())
      .includes('origin')
  ) {
    problems.push(`${def.file}: transforms must list "origin" so the InsertHeader transform runs`);
  }
  return problems;
}

/** Loads one connector file, substitutes the environment and validates it. */
export async function loadConnectorFile(
  file: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ConnectorDefinition> {
  return (await readConnectorFile(file, env)).def;
}

async function readConnectorFile(
  file: string,
  env: NodeJS.ProcessEnv,
): Promise<{ def: ConnectorDefinition; applyWithFolder: boolean }> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (cause) {
    throw new DbtwinError(
      ErrorCode.ConnectorConfigInvalid,
      `${file}: not readable JSON (${(cause as Error).message})`,
      { cause },
    );
  }
  const result = fileSchema.safeParse(parsed);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new DbtwinError(
      ErrorCode.ConnectorConfigInvalid,
      `${file}: expected { "name": string, "config": { … } } — ${issues}`,
    );
  }
  const config: Record<string, string> = {};
  for (const [key, value] of Object.entries(result.data.config)) {
    config[key] = substituteEnv(String(value), env, `${file}: config.${key}`);
  }
  const def: ConnectorDefinition = { file, name: result.data.name, config };
  const problems = checkConnectorConfig(def);
  if (problems.length > 0) {
    throw new DbtwinError(ErrorCode.ConnectorConfigInvalid, problems.join('\n'), {
      hint: 'see compose/connectors/README.md',
    });
  }
  return { def, applyWithFolder: result.data.applyWithFolder ?? true };
}

/**
 * Loads every `*.json` under each path (a file or a folder), in name order. Every file is validated,
 * but a folder's files marked `"applyWithFolder": false` are not returned (name such a file itself).
 */
export async function loadConnectorDefinitions(
  paths: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<ConnectorDefinition[]> {
  const files: { file: string; fromFolder: boolean }[] = [];
  for (const p of paths) {
    if ((await stat(p)).isDirectory()) {
      const names = (await readdir(p)).filter((n) => n.endsWith('.json')).sort();
      files.push(...names.map((n) => ({ file: path.join(p, n), fromFolder: true })));
    } else {
      files.push({ file: p, fromFolder: false });
    }
  }
  const loaded = await Promise.all(
    files.map(async ({ file, fromFolder }) => ({ fromFolder, ...(await readConnectorFile(file, env)) })),
  );
  return loaded.filter((l) => !l.fromFolder || l.applyWithFolder).map((l) => l.def);
}
