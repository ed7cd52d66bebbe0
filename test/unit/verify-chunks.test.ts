// dbtwin verify, the pure parts: chunk digests, diff classification, range chunking of integer keys.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DbtwinError } from '../../src/core/dbtwin-error.js';
import { ErrorCode } from '../../src/core/error-codes.js';
import { chunkDigest, diffChunk, type CanonicalRow } from '../../src/cutover/chunk-diff.js';
import {
  compareIntegerKeys,
  integerOf,
  takeOrderedChunk,
  type OrderedBuffer,
} from '../../src/cutover/ordered-chunks.js';

const row = (key: string, ...values: (string | null)[]): CanonicalRow => ({ key, values });

describe('chunkDigest', () => {
  it('is equal for equal rows and differs for any change of key, value, NULL or order', () => {
    const base = [row('[1]', 'n:1', 's:a'), row('[2]', 'n:2', null)];
    assert.equal(chunkDigest(base), chunkDigest([row('[1]', 'n:1', 's:a'), row('[2]', 'n:2', null)]));
    assert.notEqual(chunkDigest(base), chunkDigest([row('[1]', 'n:1', 's:b'), base[1]!]));
    assert.notEqual(chunkDigest(base), chunkDigest([row('[1]', 'n:1', 's:a'), row('[3]', 'n:2', null)]));
    // NULL is not the text "null", nor an empty string.
    assert.notEqual(chunkDigest([row('[2]', null)]), chunkDigest([row('[2]', 's:null')]));
    assert.notEqual(chunkDigest([row('[2]', null)]), chunkDigest([row('[2]', 's:')]));
    assert.notEqual(chunkDigest(base), chunkDigest([...base].reverse()));
    assert.notEqual(chunkDigest(base), chunkDigest(base.slice(0, 1)));
  });

  it('frames values, so shifting text between columns changes the digest', () => {
    assert.notEqual(chunkDigest([row('[1]', 's:ab', 's:c')]), chunkDigest([row('[1]', 's:a', 's:bc')]));
    assert.notEqual(chunkDigest([row('[1]', 's:a')]), chunkDigest([row('[1', ']s:a')]));
  });

  it('of no rows is the same on both sides', () => {
    assert.equal(chunkDigest([]), chunkDigest([]));
  });
});

describe('diffChunk', () => {
  it('classifies rows only on A, only on B, and rows whose values differ (naming the columns)', () => {
    const a = [
      row('[1]', 'n:1', 's:a', 'n:5'),
      row('[2]', 'n:2', 's:b', null),
      row('[3]', 'n:3', 's:c', null),
    ];
    const b = [
      row('[4]', 'n:4', 's:d', null),
      row('[2]', 'n:2', 's:B', 'n:0'),
      row('[1]', 'n:1', 's:a', 'n:5'),
    ];
    assert.deepEqual(diffChunk(a, b), [
      { kind: 'differs', key: '[2]', a: a[1], b: b[1], columns: [1, 2] },
      { kind: 'only-a', key: '[3]', a: a[2] },
      { kind: 'only-b', key: '[4]', b: b[0] },
    ]);
  });

  it('finds nothing in equal chunks, whatever their order', () => {
    const a = [row('["x"]', 's:x'), row('["Y"]', 's:Y')];
    assert.deepEqual(diffChunk(a, [...a].reverse()), []);
  });

  it('leaves rows only on B out with onlyA (B was read by A’s keys; another pass owns them)', () => {
    const a = [row('["abc"]', 's:abc', 'n:1')];
    // A case-insensitive collation returned ABC for abc: a different key, so abc is missing on B.
    const b = [row('["ABC"]', 's:ABC', 'n:1')];
    assert.deepEqual(diffChunk(a, b, { onlyA: true }), [{ kind: 'only-a', key: '["abc"]', a: a[0] }]);
    assert.equal(diffChunk(a, b).length, 2);
  });

  it('refuses a chunk holding a key twice (it would hide a row)', () => {
    const twice = [row('[1]', 'n:1'), row('[1]', 'n:2')];
    const isInvariant = (e: unknown): boolean =>
      e instanceof DbtwinError && e.code === ErrorCode.InternalInvariant;
    assert.throws(() => diffChunk(twice, []), isInvariant);
    assert.throws(() => diffChunk([], twice), isInvariant);
  });
});

describe('takeOrderedChunk', () => {
  type R = { readonly k: bigint };
  const rows = (...keys: number[]): R[] => keys.map((k) => ({ k: BigInt(k) }));
  const keyOf = (r: R): readonly bigint[] => [r.k];
  const buf = (done: boolean, ...keys: number[]): OrderedBuffer<R> => ({ rows: rows(...keys), done });
  const keys = (list: readonly R[]): number[] => list.map((r) => Number(r.k));

  it('cuts at the smaller last key of the sides still being read, keeping the rest', () => {
    const a = buf(false, 1, 2, 3, 5);
    const b = buf(false, 1, 2, 4, 6);
    const chunk = takeOrderedChunk(a, b, keyOf)!;
    assert.deepEqual(
      [keys(chunk.a), keys(chunk.b)],
      [
        [1, 2, 3, 5],
        [1, 2, 4],
      ],
    );
    assert.deepEqual([keys(a.rows), keys(b.rows)], [[], [6]]);
  });

  it('takes everything once both sides are read through', () => {
    const a = buf(true, 7, 8);
    const b = buf(true, 9);
    const chunk = takeOrderedChunk(a, b, keyOf)!;
    assert.deepEqual([keys(chunk.a), keys(chunk.b)], [[7, 8], [9]]);
    assert.equal(takeOrderedChunk(a, b, keyOf), undefined);
  });

  it('bounds a side read through by the other side’s last key (rows only on one side are caught at the end)', () => {
    const a = buf(true, 1, 2);
    const b = buf(false, 1, 2, 3, 4);
    const first = takeOrderedChunk(a, b, keyOf)!;
    assert.deepEqual(
      [keys(first.a), keys(first.b)],
      [
        [1, 2],
        [1, 2, 3, 4],
      ],
    );
  });

  it('needs a row buffered on every side not read through', () => {
    assert.throws(
      () => takeOrderedChunk(buf(false), buf(true, 1), keyOf),
      (e: unknown) => e instanceof DbtwinError && e.code === ErrorCode.InternalInvariant,
    );
  });

  it('orders composite integer keys lexicographically', () => {
    assert.equal(compareIntegerKeys([1n, 9n], [2n, 0n]), -1);
    assert.equal(compareIntegerKeys([2n, 1n], [2n, 0n]), 1);
    assert.equal(compareIntegerKeys([2n, 0n], [2n, 0n]), 0);
    assert.equal(compareIntegerKeys([-5n], [3n]), -1);
    // Beyond 2^53: no float on the way.
    assert.equal(compareIntegerKeys([9007199254740993n], [9007199254740992n]), 1);
  });

  it('reads integer key values in every form the codecs give them', () => {
    assert.equal(integerOf(42), 42n);
    assert.equal(integerOf(18446744073709551615n), 18446744073709551615n);
    assert.equal(integerOf('-7'), -7n);
    assert.equal(integerOf({ type: 'decimal', unscaled: 1200n, scale: 2 }), 12n);
    assert.equal(integerOf({ type: 'decimal', unscaled: 12n, scale: -2 }), 1200n);
    assert.throws(() => integerOf({ type: 'decimal', unscaled: 1201n, scale: 2 }), DbtwinError);
    assert.throws(() => integerOf('abc'), DbtwinError);
    assert.throws(() => integerOf(1.5), DbtwinError);
  });
});
