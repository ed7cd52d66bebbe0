import { DbtwinError } from '../core/dbtwin-error.js';
import { ErrorCode } from '../core/error-codes.js';

/** `${NAME}` or `${NAME:-default}`; the default runs to the first `}`. */
const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** What `expandEnv` made of a string. */
export interface EnvExpansion {
  /** The text with every placeholder replaced (a missing variable becomes the empty string). */
  readonly value: string;
  /** Variables with neither a value nor a default, in order of appearance, without repeats. */
  readonly missing: readonly string[];
}

/**
 * Fills `${VAR}` and `${VAR:-default}` from `env` without throwing, so a caller can report every
 * missing variable of a file at once. As in the shell's `:-`, an empty variable counts as unset when
 * a default is given; an empty variable without a default is missing (a secret is never silently
 * sent as an empty string).
 */
export function expandEnv(value: string, env: NodeJS.ProcessEnv): EnvExpansion {
  const missing: string[] = [];
  const expanded = value.replace(PLACEHOLDER, (_match, name: string, fallback: string | undefined) => {
    const found = env[name];
    if (found !== undefined && found !== '') return found;
    if (fallback !== undefined) return fallback;
    if (!missing.includes(name)) missing.push(name);
    return '';
  });
  return { value: expanded, missing };
}

/** True when `value` holds at least one `${…}` placeholder. */
export function hasEnvPlaceholder(value: string): boolean {
  return new RegExp(PLACEHOLDER.source).test(value);
}

/**
 * Fills `${VAR}` and `${VAR:-default}` from `env`. A variable with neither a value nor a default is an
 * error naming `where` (file and key), so a secret is never silently sent as an empty string.
 * `code` defaults to ConnectorConfigInvalid, the first caller's code.
 */
export function substituteEnv(
  value: string,
  env: NodeJS.ProcessEnv,
  where: string,
  code: ErrorCode = ErrorCode.ConnectorConfigInvalid,
): string {
  const { value: expanded, missing } = expandEnv(value, env);
  const name = missing[0];
  if (name !== undefined) {
    throw new DbtwinError(code, `${where}: environment variable ${name} is not set and has no default`, {
      hint: `export ${name}=… or write \${${name}:-default} in the file`,
    });
  }
  return expanded;
}
