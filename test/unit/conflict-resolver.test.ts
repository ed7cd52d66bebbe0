import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Value } from '../../src/core/values.js';
import type { ColumnInfo } from '../../src/engines/dialect.js';
import {
  resolveConflict,
  type ConflictCase,
  type Resolution,
  type RowImage,
} from '../../src/rules/conflict-resolver.js';
import type { ColumnStrategy, Policy, TableRules } from '../../src/rules/rule-set.js';

function col(name: string, dataType: string): ColumnInfo {
  return { name, position: 1, dataType, columnType: dataType, nullable: true };
}

const COLUMNS: Record<string, ColumnInfo> = {
  id: col('id', 'int'),
  a: col('a', 'int'),
  b: col('b', 'varchar'),
  qty: col('qty', 'bigint'),
  tags: col('tags', 'varchar'),
  ts: col('ts', 'bigint'),
};

type Plain = Record<string, Value>;

function image(row: Plain | null): RowImage | null {
  if (row === null) return null;
  return new Map(Object.entries(row).map(([k, v]) => [k, { column: COLUMNS[k]!, value: v }]));
}

function rules(policy: Policy, columns: Record<string, ColumnStrategy> = {}): TableRules {
  return { tables: [], detect: 'changed-columns', policy, order: ['a', 'b'], columns, file: 'rules/t.yaml' };
}

const noFunctions = () => Promise.resolve({ manual: 'no functions' });

/** The row a side ends with after applying the other side's change on top of its own. */
async function land(
  r: TableRules,
  base: Plain,
  incoming: Plain | null,
  current: Plain | null,
  incomingSide: string,
  targetSide: string,
): Promise<{ row: Plain | null; resolution: Resolution }> {
  const touched = new Set(
    incoming === null ? Object.keys(base) : Object.keys(incoming).filter((k) => incoming[k] !== base[k]),
  );
  const c: ConflictCase = {
    op: incoming === null ? 'delete' : 'upsert',
    base: image(base),
    incoming: image(incoming),
    current: image(current),
    touched,
    incomingSide,
    targetSide,
    engine: 'mysql',
    incomingCommitMs: 0,
  };
  const resolution = await resolveConflict(c, r, noFunctions);
  switch (resolution.action) {
    case 'write':
      return { row: Object.fromEntries(resolution.row.map((v) => [v.column.name, v.value])), resolution };
    case 'delete':
      return { row: null, resolution };
    default:
      return { row: current, resolution };
  }
}

/**
 * Both sides change the same row from `base` at once; each link applies the other side's change on
 * top. Returns both end states.
 */
async function concurrently(r: TableRules, base: Plain, onA: Plain | null, onB: Plain | null) {
  const atB = await land(r, base, onA, onB, 'a', 'b');
  const atA = await land(r, base, onB, onA, 'b', 'a');
  return { atA: atA.row, atB: atB.row, ra: atA.resolution, rb: atB.resolution };
}

const BASE: Plain = { id: 1, a: 1, b: 'x', qty: 10n, tags: 'red', ts: 100n };

describe('conflict resolution converges on both links', () => {
  it('changes to different columns merge without a conflict', async () => {
    const { atA, atB, ra, rb } = await concurrently(
      rules({ kind: 'priority' }),
      BASE,
      { ...BASE, a: 2 },
      { ...BASE, b: 'y' },
    );
    assert.deepEqual(atA, { ...BASE, a: 2, b: 'y' });
    assert.deepEqual(atB, atA);
    assert.equal(ra.conflict, undefined);
    assert.equal(rb.conflict, undefined);
  });

  it('priority: the first side in the order wins the conflicting column, the rest merges', async () => {
    const { atA, atB, rb } = await concurrently(
      rules({ kind: 'priority' }),
      BASE,
      { ...BASE, a: 2, b: 'from a' },
      { ...BASE, a: 3, tags: 'blue' },
    );
    assert.deepEqual(atA, { ...BASE, a: 2, b: 'from a', tags: 'blue' });
    assert.deepEqual(atB, atA);
    assert.equal(rb.conflict?.type, 'update-differs');
    assert.deepEqual(rb.conflict?.columns, ['a']);
  });

  it('lww by column: the larger ts wins, ties go to the order', async () => {
    const lww = rules({ kind: 'lww', by: { column: 'ts' }, maxClockSkewMs: 2000 });
    const newerOnB = await concurrently(lww, BASE, { ...BASE, a: 2, ts: 200n }, { ...BASE, a: 3, ts: 300n });
    assert.equal(newerOnB.atA!['a'], 3);
    assert.deepEqual(newerOnB.atA, newerOnB.atB);
    const tie = await concurrently(lww, BASE, { ...BASE, a: 2, ts: 200n }, { ...BASE, a: 3, ts: 200n });
    assert.equal(tie.atA!['a'], 2, 'a is first in the order');
    assert.deepEqual(tie.atA, tie.atB);
  });

  it('merge delta: concurrent increments add up on both sides', async () => {
    const { atA, atB } = await concurrently(
      rules({ kind: 'merge', fallback: 'priority' }, { qty: { kind: 'delta' } }),
      BASE,
      { ...BASE, qty: 12n },
      { ...BASE, qty: 7n },
    );
    assert.equal(atA!['qty'], 9n);
    assert.deepEqual(atA, atB);
  });

  it('merge delta: two equal increments are two increments, not one already applied', async () => {
    const { atA, atB } = await concurrently(
      rules({ kind: 'merge', fallback: 'priority' }, { qty: { kind: 'delta' } }),
      BASE,
      { ...BASE, qty: 13n },
      { ...BASE, qty: 13n },
    );
    assert.equal(atA!['qty'], 16n);
    assert.deepEqual(atA, atB);
  });

  for (const [name, strategy, expected] of [
    ['max', { kind: 'max' }, 30n],
    ['min', { kind: 'min' }, 5n],
    ['prefer b', { kind: 'prefer', side: 'b' }, 5n],
  ] as const) {
    it(`merge ${name}: both sides agree`, async () => {
      const { atA, atB } = await concurrently(
        rules({ kind: 'merge', fallback: 'priority' }, { qty: strategy as ColumnStrategy }),
        BASE,
        { ...BASE, qty: 30n },
        { ...BASE, qty: 5n },
      );
      assert.equal(atA!['qty'], expected);
      assert.deepEqual(atA, atB);
    });
  }

  it('merge union: both sides end with every member', async () => {
    const { atA, atB } = await concurrently(
      rules({ kind: 'merge', fallback: 'priority' }, { tags: { kind: 'union', separator: ',' } }),
      BASE,
      { ...BASE, tags: 'red,green' },
      { ...BASE, tags: 'blue,red' },
    );
    assert.equal(atA!['tags'], 'blue,green,red');
    assert.deepEqual(atA, atB);
  });

  it('keep-target and take-incoming are not symmetric: the sides swap or keep (rules test flags them)', async () => {
    const keep = await concurrently(
      rules({ kind: 'merge', fallback: 'priority' }, { qty: { kind: 'keep-target' } }),
      BASE,
      { ...BASE, qty: 30n },
      { ...BASE, qty: 5n },
    );
    assert.notDeepEqual(keep.atA, keep.atB);
  });

  it('update against a deleted row (update-missing) and the delete (delete-differs): priority decides the row', async () => {
    const { atA, atB, ra, rb } = await concurrently(
      rules({ kind: 'priority' }),
      BASE,
      { ...BASE, a: 5 },
      null,
    );
    assert.deepEqual(atA, { ...BASE, a: 5 }, 'a wins: the row stays, with its update');
    assert.deepEqual(atB, atA);
    assert.equal(rb.conflict?.type, 'update-missing');
    assert.equal(ra.conflict?.type, 'delete-differs');
  });

  it('lww by column: a delete wins over an update on both links', async () => {
    const lww = rules({ kind: 'lww', by: { column: 'ts' }, maxClockSkewMs: 2000 });
    const { atA, atB } = await concurrently(lww, BASE, { ...BASE, a: 5, ts: 900n }, null);
    assert.equal(atA, null);
    assert.equal(atB, null);
  });

  it('ignore keeps the target and records the conflict; manual holds it', async () => {
    const ignored = await land(
      rules({ kind: 'ignore' }),
      BASE,
      { ...BASE, a: 2 },
      { ...BASE, a: 3 },
      'a',
      'b',
    );
    assert.deepEqual(ignored.row, { ...BASE, a: 3 });
    assert.equal(ignored.resolution.conflict?.outcome, 'ignored');
    const held = await land(rules({ kind: 'manual' }), BASE, { ...BASE, a: 2 }, { ...BASE, a: 3 }, 'a', 'b');
    assert.equal(held.resolution.action, 'manual');
  });

  it('a re-delivered change (the target already has it) is neither a write nor a conflict', async () => {
    const again = await land(
      rules({ kind: 'priority' }),
      BASE,
      { ...BASE, a: 2 },
      { ...BASE, a: 2 },
      'b',
      'a',
    );
    assert.equal(again.resolution.conflict, undefined);
  });
});

/** A change of one side: its row (null: a delete) and its source commit time. */
interface Timed {
  readonly row: Plain | null;
  readonly at: number;
}

/** How the applier knows the target row's commit time. */
interface Knowing {
  /** false: the row-version store has no version of the target row. Default true. */
  readonly known?: boolean;
  readonly awaitCommitTime?: boolean;
}

/**
 * Resolves `incoming` (a change made on `incomingSide` from `base`; base null: an insert) against the
 * target's own concurrent change `current`, with both commit times. Returns the row the target ends with.
 */
async function landAt(
  r: TableRules,
  base: Plain | null,
  incoming: Timed,
  current: Timed,
  incomingSide: string,
  targetSide: string,
  knowing: Knowing = {},
): Promise<{ row: Plain | null; resolution: Resolution }> {
  const after = incoming.row;
  const touched = new Set(
    after === null
      ? Object.keys(base ?? {})
      : Object.keys(after).filter((k) => base === null || after[k] !== base[k]),
  );
  const c: ConflictCase = {
    op: after === null ? 'delete' : 'upsert',
    base: image(base),
    incoming: image(after),
    current: image(current.row),
    touched,
    incomingSide,
    targetSide,
    engine: 'mysql',
    incomingCommitMs: incoming.at,
    ...(knowing.known === false ? {} : { currentCommitMs: current.at }),
    ...(knowing.awaitCommitTime === undefined ? {} : { awaitCommitTime: knowing.awaitCommitTime }),
  };
  const resolution = await resolveConflict(c, r, noFunctions);
  switch (resolution.action) {
    case 'write':
      return { row: Object.fromEntries(resolution.row.map((v) => [v.column.name, v.value])), resolution };
    case 'delete':
      return { row: null, resolution };
    default:
      return { row: current.row, resolution };
  }
}

/**
 * Both sides change the same row from `base` at once, each at its own commit time; each link applies
 * the other side's change on top, knowing the commit time of its own row. Returns both end states.
 */
async function concurrentlyAt(
  r: TableRules,
  base: Plain | null,
  onA: Timed,
  onB: Timed,
  knowing: Knowing = {},
) {
  const atB = await landAt(r, base, onA, onB, 'a', 'b', knowing);
  const atA = await landAt(r, base, onB, onA, 'b', 'a', knowing);
  return { atA: atA.row, atB: atB.row, ra: atA.resolution, rb: atB.resolution };
}

const LWW_COMMIT: TableRules = rules({ kind: 'lww', by: { commitTime: true }, maxClockSkewMs: 500 });
const ordered = (r: TableRules, order: readonly string[]): TableRules => ({ ...r, order });

describe('lww by commit time', () => {
  it('decides whole rows: the newer change wins the row on both links, even against the side order', async () => {
    // a is first in the order; b's change is newer (well beyond the skew) and wins, all of it: a
    // commit time dates a row version, so even a's column b (which b did not touch) gives way.
    const onA = { row: { ...BASE, a: 2, b: 'from a' }, at: 10_000 };
    const onB = { row: { ...BASE, a: 3, tags: 'blue' }, at: 20_000 };
    const { atA, atB, ra, rb } = await concurrentlyAt(LWW_COMMIT, BASE, onA, onB);
    assert.deepEqual(atA, onB.row);
    assert.deepEqual(atB, atA);
    assert.equal(rb.action, 'none', 'the older change loses');
    assert.equal(rb.conflict?.type, 'update-differs');
    assert.equal(rb.conflict?.outcome, 'target');
    assert.deepEqual(rb.conflict?.columns, []);
    assert.equal(rb.conflict?.rule, 'rules/t.yaml: lww by commit time');
    assert.equal(ra.conflict?.outcome, 'incoming', 'newer incoming wins');

    // The other way round: a newer, a wins.
    const flipped = await concurrentlyAt(LWW_COMMIT, BASE, { ...onA, at: 20_000 }, { ...onB, at: 10_000 });
    assert.deepEqual(flipped.atA, onA.row);
    assert.deepEqual(flipped.atB, flipped.atA);
    assert.equal(flipped.rb.conflict?.outcome, 'incoming');
    assert.equal(flipped.ra.conflict?.outcome, 'target');
  });

  it('a column the other side happened to set to the same value hides no conflict', async () => {
    // b sets a to the value a's change started from: column by column, a's link would see no
    // conflict on a and apply it, while b's link decides by time; whole rows keep both links alike.
    const onA = { row: { ...BASE, a: 5, b: 'from a' }, at: 20_000 };
    const onB = { row: { ...BASE, a: 1, b: 'from b' }, at: 10_000 };
    const { atA, atB } = await concurrentlyAt(LWW_COMMIT, BASE, onA, onB);
    assert.deepEqual(atA, onA.row);
    assert.deepEqual(atB, atA);
  });

  it('detect all-columns: the newer change wins the whole row on both links', async () => {
    const r: TableRules = { ...LWW_COMMIT, detect: 'all-columns' };
    const onA = { row: { ...BASE, a: 2, b: 'from a' }, at: 30_000 };
    const onB = { row: { ...BASE, a: 3, tags: 'blue' }, at: 20_000 };
    const { atA, atB, ra, rb } = await concurrentlyAt(ordered(r, ['b', 'a']), BASE, onA, onB);
    assert.deepEqual(atA, onA.row);
    assert.deepEqual(atB, atA);
    assert.equal(rb.conflict?.outcome, 'incoming');
    assert.equal(ra.conflict?.outcome, 'target');
    assert.equal(ra.action, 'none');
    assert.equal(rb.conflict?.rule, 'rules/t.yaml: lww by commit time');
  });

  it('within maxClockSkewMs the side order decides, the same way on both links', async () => {
    // b is 300 ms newer, within the 500 ms skew: neither is known to be newer.
    const onA = { row: { ...BASE, a: 2 }, at: 10_000 };
    const onB = { row: { ...BASE, a: 3 }, at: 10_300 };
    const aFirst = await concurrentlyAt(LWW_COMMIT, BASE, onA, onB);
    assert.equal(aFirst.atA!['a'], 2, 'a is first in the order');
    assert.deepEqual(aFirst.atA, aFirst.atB);
    assert.match(aFirst.rb.conflict?.rule ?? '', /300 ms apart, within maxClockSkewMs 500: a > b/);
    assert.match(aFirst.ra.conflict?.rule ?? '', /within maxClockSkewMs/);
    assert.equal(aFirst.rb.conflict?.outcome, 'incoming');
    assert.equal(aFirst.ra.conflict?.outcome, 'target');

    const bFirst = await concurrentlyAt(ordered(LWW_COMMIT, ['b', 'a']), BASE, onA, onB);
    assert.equal(bFirst.atA!['a'], 3, 'b is first in the order');
    assert.deepEqual(bFirst.atA, bFirst.atB);
    assert.match(bFirst.ra.conflict?.rule ?? '', /within maxClockSkewMs 500: b > a/);
  });

  it('the skew bound is inclusive: exactly maxClockSkewMs apart is a tie, one more is not', async () => {
    const onA = { row: { ...BASE, a: 2 }, at: 10_000 };
    // b newer by exactly 500: the order (a) decides.
    const tie = await concurrentlyAt(LWW_COMMIT, BASE, onA, { row: { ...BASE, a: 3 }, at: 10_500 });
    assert.equal(tie.atA!['a'], 2);
    assert.deepEqual(tie.atA, tie.atB);
    assert.match(tie.rb.conflict?.rule ?? '', /500 ms apart, within maxClockSkewMs 500/);
    // b newer by 501: b wins.
    const newer = await concurrentlyAt(LWW_COMMIT, BASE, onA, { row: { ...BASE, a: 3 }, at: 10_501 });
    assert.equal(newer.atA!['a'], 3);
    assert.deepEqual(newer.atA, newer.atB);
    assert.equal(newer.rb.conflict?.rule, 'rules/t.yaml: lww by commit time');
    // maxClockSkewMs 0: equal commit times only are a tie.
    const exact = rules({ kind: 'lww', by: { commitTime: true }, maxClockSkewMs: 0 });
    const equal = await concurrentlyAt(ordered(exact, ['b', 'a']), BASE, onA, {
      row: { ...BASE, a: 3 },
      at: 10_000,
    });
    assert.equal(equal.atA!['a'], 3, 'b first in the order');
    assert.deepEqual(equal.atA, equal.atB);
    const oneMs = await concurrentlyAt(ordered(exact, ['b', 'a']), BASE, onA, {
      row: { ...BASE, a: 3 },
      at: 9_999,
    });
    assert.equal(oneMs.atA!['a'], 2, 'a newer by 1 ms');
    assert.deepEqual(oneMs.atA, oneMs.atB);
  });

  it('both sides insert the same key (insert-exists): the newer insert wins on both links', async () => {
    const onA = { row: { id: 1, a: 1, b: 'a', qty: 1n, tags: 'x', ts: 1n }, at: 8_000 };
    const onB = { row: { id: 1, a: 2, b: 'b', qty: 2n, tags: 'x', ts: 1n }, at: 9_000 };
    const { atA, atB, ra, rb } = await concurrentlyAt(LWW_COMMIT, null, onA, onB);
    assert.deepEqual(atA, onB.row);
    assert.deepEqual(atB, atA);
    assert.equal(rb.conflict?.type, 'insert-exists');
    assert.equal(ra.conflict?.type, 'insert-exists');
    const tie = await concurrentlyAt(LWW_COMMIT, null, onA, { ...onB, at: 8_100 });
    assert.deepEqual(tie.atA, onA.row, 'within the skew: a first in the order');
    assert.deepEqual(tie.atB, tie.atA);
  });

  it('target commit time unknown, awaitCommitTime: the conflict waits', async () => {
    const wait = { known: false, awaitCommitTime: true };
    const upd = await landAt(
      LWW_COMMIT,
      BASE,
      { row: { ...BASE, a: 2 }, at: 10_000 },
      { row: { ...BASE, a: 3 }, at: 0 },
      'a',
      'b',
      wait,
    );
    assert.equal(upd.resolution.action, 'wait');
    assert.equal(upd.resolution.conflict, undefined);
    assert.match(upd.resolution.action === 'wait' ? upd.resolution.reason : '', /update-differs: .*unknown/);

    const all = await landAt(
      { ...LWW_COMMIT, detect: 'all-columns' },
      BASE,
      { row: { ...BASE, a: 2 }, at: 10_000 },
      { row: { ...BASE, a: 3 }, at: 0 },
      'a',
      'b',
      wait,
    );
    assert.equal(all.resolution.action, 'wait');

    const insert = await landAt(
      LWW_COMMIT,
      null,
      { row: { ...BASE, a: 2 }, at: 10_000 },
      { row: { ...BASE, a: 3 }, at: 0 },
      'a',
      'b',
      wait,
    );
    assert.equal(insert.resolution.action, 'wait');
    assert.match(insert.resolution.action === 'wait' ? insert.resolution.reason : '', /insert-exists/);

    const missing = await landAt(
      LWW_COMMIT,
      BASE,
      { row: { ...BASE, a: 2 }, at: 10_000 },
      { row: null, at: 0 },
      'a',
      'b',
      wait,
    );
    assert.equal(missing.resolution.action, 'wait');
    assert.match(
      missing.resolution.action === 'wait' ? missing.resolution.reason : '',
      /^update-missing: .*unknown/,
    );

    const deleted = await landAt(
      LWW_COMMIT,
      BASE,
      { row: null, at: 10_000 },
      { row: { ...BASE, a: 3 }, at: 0 },
      'a',
      'b',
      wait,
    );
    assert.equal(deleted.resolution.action, 'wait');
    assert.match(
      deleted.resolution.action === 'wait' ? deleted.resolution.reason : '',
      /^delete-differs: .*unknown/,
    );
  });

  it('target commit time unknown, awaitCommitTime: changes without a conflict still apply', async () => {
    const wait = { known: false, awaitCommitTime: true };
    // A row unchanged since the incoming change's before-image.
    const clean = await landAt(
      LWW_COMMIT,
      BASE,
      { row: { ...BASE, a: 2 }, at: 10_000 },
      { row: BASE, at: 0 },
      'a',
      'b',
      wait,
    );
    assert.equal(clean.resolution.action, 'write');
    assert.deepEqual(clean.row, { ...BASE, a: 2 });
    // A plain delete of an unchanged row.
    const del = await landAt(
      LWW_COMMIT,
      BASE,
      { row: null, at: 10_000 },
      { row: BASE, at: 0 },
      'a',
      'b',
      wait,
    );
    assert.equal(del.resolution.action, 'delete');
    // The same change on both sides.
    const same = await landAt(
      LWW_COMMIT,
      BASE,
      { row: { ...BASE, a: 2 }, at: 10_000 },
      { row: { ...BASE, a: 2 }, at: 0 },
      'a',
      'b',
      wait,
    );
    assert.equal(same.resolution.action, 'none');
  });

  it('target commit time known, awaitCommitTime: no wait, the times decide', async () => {
    const { atA, atB, ra, rb } = await concurrentlyAt(
      LWW_COMMIT,
      BASE,
      { row: { ...BASE, a: 2 }, at: 10_000 },
      { row: { ...BASE, a: 3 }, at: 20_000 },
      { awaitCommitTime: true },
    );
    assert.equal(ra.action, 'write');
    assert.equal(rb.action, 'none');
    assert.equal(atA!['a'], 3);
    assert.deepEqual(atA, atB);
  });

  it('target commit time unknown without awaitCommitTime: the side order decides and the rule says so', async () => {
    // b's change is far newer, but neither link knows its own row's commit time: a (first) wins.
    const { atA, atB, ra, rb } = await concurrentlyAt(
      LWW_COMMIT,
      BASE,
      { row: { ...BASE, a: 2 }, at: 10_000 },
      { row: { ...BASE, a: 3 }, at: 90_000 },
      { known: false },
    );
    assert.equal(atA!['a'], 2);
    assert.deepEqual(atA, atB);
    for (const r of [ra, rb]) {
      assert.match(r.conflict?.rule ?? '', /commit time unknown: a > b/);
      assert.match(r.conflict?.rule ?? '', /unknown/);
    }
    assert.equal(rb.conflict?.outcome, 'incoming');
    assert.equal(ra.conflict?.outcome, 'target');

    const explicit = await concurrentlyAt(
      ordered(LWW_COMMIT, ['b', 'a']),
      BASE,
      { row: { ...BASE, a: 2 }, at: 90_000 },
      { row: null, at: 10_000 },
      { known: false, awaitCommitTime: false },
    );
    assert.equal(explicit.atA, null, 'b (the delete) first in the order');
    assert.equal(explicit.atB, null);
    assert.match(
      explicit.rb.conflict?.rule ?? '',
      /^rules\/t\.yaml: lww by commit time \(target row's commit time unknown: b > a\)$/,
    );
    assert.equal(explicit.rb.conflict?.type, 'update-missing');
    assert.equal(explicit.ra.conflict?.type, 'delete-differs');
  });

  it('update against a delete: the newer delete wins on both links, even against the order', async () => {
    // a (first in the order) updates; b deletes later.
    const { atA, atB, ra, rb } = await concurrentlyAt(
      LWW_COMMIT,
      BASE,
      { row: { ...BASE, a: 5 }, at: 10_000 },
      { row: null, at: 20_000 },
    );
    assert.equal(atA, null);
    assert.equal(atB, null);
    assert.equal(rb.conflict?.type, 'update-missing');
    assert.equal(rb.conflict?.outcome, 'target');
    assert.equal(rb.action, 'none');
    assert.equal(ra.conflict?.type, 'delete-differs');
    assert.equal(ra.conflict?.outcome, 'incoming');
    assert.equal(ra.action, 'delete');
    assert.equal(ra.conflict?.rule, 'rules/t.yaml: lww by commit time');
  });

  it('update against a delete: the newer update wins on both links, even against the order', async () => {
    // b (first in the order) deletes; a updates later.
    const { atA, atB, ra, rb } = await concurrentlyAt(
      ordered(LWW_COMMIT, ['b', 'a']),
      BASE,
      { row: { ...BASE, a: 5 }, at: 20_000 },
      { row: null, at: 10_000 },
    );
    assert.deepEqual(atA, { ...BASE, a: 5 });
    assert.deepEqual(atB, atA);
    assert.equal(rb.conflict?.type, 'update-missing');
    assert.equal(rb.conflict?.outcome, 'incoming');
    assert.equal(rb.action, 'write');
    assert.equal(ra.conflict?.type, 'delete-differs');
    assert.equal(ra.conflict?.outcome, 'target');
    assert.equal(ra.action, 'none');
  });

  it('update against a delete within maxClockSkewMs: the side order decides, the same on both links', async () => {
    const onA = { row: { ...BASE, a: 5 }, at: 10_000 };
    const onB = { row: null, at: 10_200 };
    const keep = await concurrentlyAt(LWW_COMMIT, BASE, onA, onB);
    assert.deepEqual(keep.atA, { ...BASE, a: 5 }, 'a (the update) first in the order');
    assert.deepEqual(keep.atB, keep.atA);
    assert.match(keep.ra.conflict?.rule ?? '', /200 ms apart, within maxClockSkewMs 500/);
    assert.match(keep.rb.conflict?.rule ?? '', /200 ms apart, within maxClockSkewMs 500/);
    const gone = await concurrentlyAt(ordered(LWW_COMMIT, ['b', 'a']), BASE, onA, onB);
    assert.equal(gone.atA, null, 'b (the delete) first in the order');
    assert.equal(gone.atB, null);
  });

  it('merge with the lww commit-time fallback: strategies merge, the rest goes to the newer change', async () => {
    const r = rules(
      { kind: 'merge', fallback: 'lww', lww: { by: { commitTime: true }, maxClockSkewMs: 500 } },
      { qty: { kind: 'delta' } },
    );
    const onA = { row: { ...BASE, a: 2, qty: 12n }, at: 10_000 };
    const onB = { row: { ...BASE, a: 3, qty: 7n }, at: 20_000 };
    const { atA, atB, rb } = await concurrentlyAt(r, BASE, onA, onB);
    assert.deepEqual(atA, { ...BASE, a: 3, qty: 9n });
    assert.deepEqual(atB, atA);
    assert.equal(rb.conflict?.outcome, 'merged');
    assert.match(rb.conflict?.rule ?? '', /a: lww by commit time/);
    assert.match(rb.conflict?.rule ?? '', /qty: delta/);

    // Within the skew: the order (a) decides the fallback columns.
    const tie = await concurrentlyAt(r, BASE, onA, { ...onB, at: 10_100 });
    assert.deepEqual(tie.atA, { ...BASE, a: 2, qty: 9n });
    assert.deepEqual(tie.atB, tie.atA);

    // Unknown commit times with awaitCommitTime: a fallback column waits.
    const wait = await landAt(r, BASE, onA, onB, 'a', 'b', { known: false, awaitCommitTime: true });
    assert.equal(wait.resolution.action, 'wait');

    // Only strategy columns conflict: nothing to wait for.
    const onlyQty = await landAt(
      r,
      BASE,
      { row: { ...BASE, qty: 12n }, at: 10_000 },
      { row: { ...BASE, qty: 7n }, at: 0 },
      'a',
      'b',
      { known: false, awaitCommitTime: true },
    );
    assert.equal(onlyQty.resolution.action, 'write');
    assert.equal(onlyQty.row!['qty'], 9n);

    // Delete against update under merge: the fallback compares commit times.
    const del = await concurrentlyAt(
      r,
      BASE,
      { row: { ...BASE, a: 5 }, at: 10_000 },
      { row: null, at: 20_000 },
    );
    assert.equal(del.atA, null);
    assert.equal(del.atB, null);
  });
});
