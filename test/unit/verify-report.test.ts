// dbtwin verify: how a diff is named in the report (kinds seen from the authoritative side), the
// text and summary lines, and the exit code.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RowDiff } from '../../src/cutover/chunk-diff.js';
import type { SideRow } from '../../src/cutover/table-pair.js';
import {
  divergentRow,
  EXIT_DIVERGENT,
  exitCodeOf,
  reportLines,
  summaryLine,
  type DiffNames,
  type VerifyReport,
} from '../../src/cutover/verify-report.js';

const names = (authority: 'a' | 'b'): DiffNames => ({
  keyNames: ['region', 'id'],
  columnNames: ['region', 'id', 'name', 'amount'],
  a: 'mariadb',
  b: 'postgres',
  authority,
});
const sideRow = (id: bigint, name: string, cents: bigint): SideRow => ({
  key: JSON.stringify(['s:eu', `n:${id}`]),
  keyValues: ['eu', id],
  decoded: ['eu', id, name, { type: 'decimal', unscaled: cents, scale: 2 }],
  values: ['s:eu', `n:${id}`, `s:${name}`, `n:${cents}`],
});

describe('divergentRow', () => {
  const onA = sideRow(1n, 'a', 150n);
  const onB = sideRow(2n, 'b', 200n);
  const onlyA: RowDiff<SideRow> = { kind: 'only-a', key: onA.key, a: onA };
  const onlyB: RowDiff<SideRow> = { kind: 'only-b', key: onB.key, b: onB };

  it('names rows from the authority: missing on the other side, extra on the other side', () => {
    assert.deepEqual(divergentRow(onlyA, names('a')), {
      key: { region: 'eu', id: '1' },
      kind: 'missing-on-postgres',
    });
    assert.deepEqual(divergentRow(onlyB, names('a')), {
      key: { region: 'eu', id: '2' },
      kind: 'extra-on-postgres',
    });
    assert.deepEqual(divergentRow(onlyA, names('b')).kind, 'extra-on-mariadb');
    assert.deepEqual(divergentRow(onlyB, names('b')).kind, 'missing-on-mariadb');
  });

  it('names the differing columns with both sides’ values as JSON (decimals exact)', () => {
    const changed = sideRow(1n, 'A', 1500n);
    const diff: RowDiff<SideRow> = { kind: 'differs', key: onA.key, a: onA, b: changed, columns: [2, 3] };
    assert.deepEqual(divergentRow(diff, names('a')), {
      key: { region: 'eu', id: '1' },
      kind: 'differs',
      columns: ['name', 'amount'],
      values: { mariadb: { name: 'a', amount: '1.50' }, postgres: { name: 'A', amount: '15.00' } },
    });
  });
});

describe('report lines and exit code', () => {
  const report: VerifyReport = {
    link: 'mariadb->postgres',
    sides: { a: 'mariadb', b: 'postgres' },
    authority: 'mariadb',
    rows: 12,
    divergent: 2,
    elapsedMs: 1234,
    tables: [
      {
        table: 'dbtwin.accounts',
        target: 'public.accounts',
        mode: 'ranges',
        rows: 10,
        divergent: [
          { key: { id: '3' }, kind: 'missing-on-postgres' },
          {
            key: { id: '4' },
            kind: 'differs',
            columns: ['name'],
            values: { mariadb: { name: 'x' }, postgres: { name: 'y' } },
          },
        ],
      },
      { table: 'dbtwin.codes', target: 'public.codes', mode: 'key-lists', rows: 2, divergent: [] },
    ],
  };

  it('prints a heading per table and one line per divergent row, then the summary', () => {
    assert.deepEqual(reportLines(report), [
      'mariadb->postgres: mariadb ⇄ postgres, authority mariadb (1.2 s)',
      'dbtwin.accounts ⇄ public.accounts (ranges): 10 rows, 2 divergent',
      '  missing-on-postgres  {"id":"3"}',
      '  differs  {"id":"4"}  name: mariadb "x" ≠ postgres "y"',
      'dbtwin.codes ⇄ public.codes (key-lists): 2 rows, 0 divergent',
    ]);
    assert.equal(summaryLine(report), 'verify: 2 tables, 12 rows, 2 divergent');
    assert.equal(
      summaryLine({ ...report, repaired: 2, divergent: 0 }),
      'verify: 2 tables, 12 rows, 0 divergent, 2 repaired',
    );
  });

  it('exits 4 while divergent rows remain, 0 otherwise', () => {
    assert.equal(EXIT_DIVERGENT, 4);
    assert.equal(exitCodeOf(report), 4);
    assert.equal(exitCodeOf({ ...report, divergent: 0 }), 0);
  });
});
