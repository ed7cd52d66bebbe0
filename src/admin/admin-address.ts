import { DbtwinError } from '../core/dbtwin-error.js';
import { ErrorCode } from '../core/error-codes.js';

/** Where a dbtwin process serves its admin endpoint, as a client reaches it. */
export interface AdminAddress {
  readonly host: string;
  readonly port: number;
  /** `host:port` (`[v6]:port`), the form messages name it by. */
  readonly label: string;
  /** `http://host:port`, no trailing slash. */
  readonly url: string;
}

/**
 * The address a client uses for an admin endpoint bound at `host:port`. A wildcard bind address
 * (`0.0.0.0`, `::`, as in containers) is reached through the loopback of the same family: the client
 * of a config file runs where that file is, next to the process.
 */
export function adminAddressOf(host: string, port: number): AdminAddress {
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' || host === '[::]' ? '::1' : host;
  const bare = reachable.replace(/^\[(.*)\]$/, '$1');
  const hostPart = bare.includes(':') ? `[${bare}]` : bare;
  return { host: bare, port, label: `${hostPart}:${port}`, url: `http://${hostPart}:${port}` };
}

/**
 * Parses an `--admin` value: `host:port`, `[v6]:port`, `http://host:port`, or a bare port (on
 * 127.0.0.1). Anything else is a DBT1001 error naming the value.
 */
export function parseAdminAddress(text: string): AdminAddress {
  const value = text.trim();
  const invalid = (why: string): DbtwinError =>
    new DbtwinError(ErrorCode.ConfigInvalid, `--admin ${JSON.stringify(text)}: ${why}`, {
      hint: 'give host:port, e.g. --admin 127.0.0.1:9464',
    });
  if (/^\d+$/.test(value)) return adminAddressOf('127.0.0.1', port(value, invalid));
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`);
  } catch {
    throw invalid('not an address');
  }
  if (url.protocol !== 'http:') throw invalid('the admin endpoint speaks plain http');
  if (url.port === '') throw invalid('no port');
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.username !== '')
    throw invalid('only host and port');
  return adminAddressOf(url.hostname, port(url.port, invalid));
}

function port(text: string, invalid: (why: string) => DbtwinError): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 65_535) throw invalid(`port ${text} is not in 1..65535`);
  return n;
}
