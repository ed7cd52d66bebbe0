import type { ChangeEvent } from '../core/change-event.js';
import type { CaptureExclusion } from '../config/dbtwin-config.js';

/** MariaDB's `domain-server-seq`; a MySQL `uuid:n` whose first group happens to be digits must not match. */
const MARIADB_GTID = /^\d+-\d+-\d+$/;

/**
 * Whether a captured change is one of dbtwin's own writes, recognised by the capture-level mark its
 * side's apply sessions put on it (design §3.3). `capture` is the configuration of the side the event
 * was captured on. Pure: no I/O, and never true for `mode: 'none'` or for a position of another
 * engine than the mode's (a PostgreSQL event is never matched).
 *
 * - `query-marker`: the MySQL/MariaDB position's `query` (Debezium `source.query`, present with
 *   `include.query` and the server's rows-query / annotate events) begins with `/* <marker> *\/`,
 *   leading white space aside. Begins, not contains: the driver puts the marker first, and an
 *   application statement that merely carries the marker text in a string value must not be dropped.
 * - `username`: the Oracle position's `user` (LogMiner's `source.user_name`) equals the configured
 *   user exactly, in the case LogMiner reports it (upper case for unquoted names).
 * - `gtid-domain`: the MySQL/MariaDB position's `gtid` (`domain-server-seq`) is in the configured
 *   domain (MariaDB GTIDs only). The connector normally excludes that domain already (`gtid.source.excludes`); this catches
 *   the events of a connector that was not configured to.
 *
 * An event without the field its mode reads (no `query`, `user` or `gtid`) is not recognised: it is
 * treated as an application's change, and the later layers (Redis echoes, no-op detection) still hold.
 */
export function isOwnWriteAtCapture(event: ChangeEvent, capture: CaptureExclusion): boolean {
  const position = event.position;
  switch (capture.mode) {
    case 'none':
      return false;
    case 'query-marker':
      return (
        position.engine === 'mysql' &&
        position.query !== undefined &&
        position.query.trimStart().startsWith(`/* ${capture.marker} */`)
      );
    case 'username':
      return position.engine === 'oracle' && position.user === capture.user;
    case 'gtid-domain':
      return (
        position.engine === 'mysql' &&
        position.gtid !== undefined &&
        MARIADB_GTID.test(position.gtid) &&
        position.gtid.startsWith(`${capture.domainId}-`)
      );
  }
}
