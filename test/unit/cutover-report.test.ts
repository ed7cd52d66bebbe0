import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/config-loader.js';
import {
  failedGates,
  gateLines,
  gateReason,
  historyLine,
  statusLines,
} from '../../src/cutover/cutover-report.js';
import type { CutoverGateResult, CutoverStatus } from '../../src/cutover/cutover-state.js';

const SIDES = `sides:
  mariadb:
    engine: mysql
    connection: { host: 127.0.0.1, port: 3306, user: dbtwin, password: x, database: dbtwin }
    topicPrefix: mariadb
    schema: dbtwin
    tables: [orders]
  postgres:
    engine: postgres
    connection: { host: 127.0.0.1, port: 5432, user: postgres, password: x, database: dbtwin }
    topicPrefix: postgres
    schema: public
    tables: [orders]
links:
  - { from: postgres, to: mariadb }
  - { from: mariadb, to: postgres }
`;

const LAG: CutoverGateResult = {
  name: 'lag postgres->mariadb',
  value: 1200,
  threshold: 1000,
  unit: 'messages',
  pass: false,
  detail: 'group dbtwin.postgres-to-mariadb',
};
const PAUSED: CutoverGateResult = {
  name: 'lag mariadb->postgres',
  value: 4,
  threshold: 1000,
  unit: 'messages',
  pass: false,
  detail: 'paused by ops@h at 2026-01-01T00:00:00.000Z; its lag cannot drain',
};
const SKIPPED: CutoverGateResult = {
  name: 'verify mariadb->postgres',
  value: null,
  threshold: 0,
  unit: 'divergent rows',
  pass: false,
  skipped: true,
};

describe('cutover configuration', () => {
  it('defaults: the first link’s source side, lag 1000, 10 conflicts per minute over 300 s', () => {
    const config = parseConfig(SIDES, 'dbtwin.yaml', {});
    assert.deepEqual(config.cutover, {
      initialSide: 'postgres',
      maxLag: 1000,
      maxConflictsPerMinute: 10,
      conflictWindowSeconds: 300,
    });
  });

  it('takes the section and names an unknown side with its position', () => {
    const config = parseConfig(
      `cutover: { initialSide: mariadb, maxLag: 5, maxConflictsPerMinute: 0, conflictWindowSeconds: 60, verifyTables: [orders] }\n${SIDES}`,
      'dbtwin.yaml',
      {},
    );
    assert.deepEqual(config.cutover, {
      initialSide: 'mariadb',
      maxLag: 5,
      maxConflictsPerMinute: 0,
      conflictWindowSeconds: 60,
      verifyTables: ['orders'],
    });
    assert.throws(
      () => parseConfig(`cutover: { initialSide: mariadbb, maxLag: -1 }\n${SIDES}`, 'dbtwin.yaml', {}),
      (error: Error) =>
        /dbtwin\.yaml:1:\d+: cutover\.initialSide: "mariadbb" is not a side; did you mean "mariadb"\?/.test(
          error.message,
        ) && /cutover\.maxLag: must be between 0 and/.test(error.message),
    );
  });
});

describe('cutover gates in words', () => {
  it('a failed gate names its value, threshold and why; skipped gates are not failures', () => {
    assert.deepEqual(failedGates([LAG, PAUSED, SKIPPED]), [LAG, PAUSED]);
    assert.equal(
      gateReason(LAG),
      'lag postgres->mariadb 1200 messages > 1000 (group dbtwin.postgres-to-mariadb)',
    );
    // Within the threshold but paused: no false comparison.
    assert.equal(
      gateReason(PAUSED),
      'lag mariadb->postgres 4 messages (paused by ops@h at 2026-01-01T00:00:00.000Z; its lag cannot drain)',
    );
  });

  it('prints one row per gate with value, threshold, result and detail', () => {
    assert.deepEqual(gateLines([LAG, SKIPPED]), [
      '  gate                      value  threshold         result   detail',
      '  lag postgres->mariadb     1200   1000 messages     FAIL     group dbtwin.postgres-to-mariadb',
      '  verify mariadb->postgres  ?      0 divergent rows  skipped  not measured: an earlier gate failed',
    ]);
  });

  it('prints the status: instances, final state, history (forced moves marked) and gates', () => {
    const status: CutoverStatus = {
      instances: [
        { instance: 'app-1', side: 'postgres', since: '2026-01-01T00:00:02.000Z', moves: 1 },
        { instance: 'app-2', side: 'mariadb', since: '2026-01-01T00:00:00.000Z', moves: 0 },
      ],
      history: [
        {
          instance: 'app-1',
          from: null,
          to: 'mariadb',
          kind: 'register',
          at: '2026-01-01T00:00:00.000Z',
          by: 's',
        },
        {
          instance: 'app-1',
          from: 'mariadb',
          to: 'postgres',
          kind: 'move',
          at: '2026-01-01T00:00:02.000Z',
          by: 'ops@h',
          forced: true,
          reason: 'night window',
        },
      ],
      finalized: null,
    };
    const lines = statusLines('dbtwin', status, [LAG]);
    assert.equal(
      lines[0],
      'cutover of deployment dbtwin: 2 application instance(s) (1 on postgres, 1 on mariadb)',
    );
    assert.equal(lines[1], '  instance  side      since                     moves');
    assert.equal(lines[2], '  app-1     postgres  2026-01-01T00:00:02.000Z  1');
    assert.equal(lines[4], 'history (2 of 2 shown, newest last)');
    assert.equal(
      historyLine(status.history[1]!),
      '2026-01-01T00:00:02.000Z  move     app-1  mariadb -> postgres  by ops@h  FORCED (gates skipped)  (night window)',
    );
    assert.match(lines.at(-1)!, /lag postgres->mariadb +1200 +1000 messages +FAIL/);
  });

  it('a refusal in the history reads "refused <what>" with its reason', () => {
    assert.equal(
      historyLine({
        instance: 'app-2',
        from: 'mariadb',
        to: 'postgres',
        kind: 'refused',
        refused: 'move',
        at: '2026-01-01T00:00:03.000Z',
        by: 'ops@h',
        reason: '[DBT5001] move of app-2 from mariadb to postgres refused: lag 213 messages',
      }),
      '2026-01-01T00:00:03.000Z  refused move app-2  mariadb -> postgres  by ops@h  ([DBT5001] move of app-2 from mariadb to postgres refused: lag 213 messages)',
    );
  });
});
