import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChangeEvent, ChangeOp } from '../../src/core/change-event.js';
import type { Row } from '../../src/core/values.js';
import { collapseChanges, keyId } from '../../src/pipeline/change-collapser.js';

function event(op: ChangeOp, id: bigint, after: Row | null, before: Row | null = null): ChangeEvent {
  return {
    op,
    side: 'mariadb',
    table: 'dbtwin.t',
    key: { id },
    before,
    after,
    sourceTsMs: 0,
    captureTsMs: 0,
    position: { engine: 'mysql', connector: 'mariadb', file: 'f', pos: 1, row: 0 },
  };
}

describe('collapseChanges', () => {
  it('keeps the last state of each key, in the order of each key’s last change, and counts the rest', () => {
    const changes = [
      { event: event('c', 1n, { id: 1n, v: 'a' }), message: 'm1' },
      { event: event('c', 2n, { id: 2n, v: 'b' }), message: 'm2' },
      { event: event('u', 1n, { id: 1n, v: 'a2' }), message: 'm3' },
      { event: event('d', 2n, null, { id: 2n, v: 'b' }), message: 'm4' },
      { event: event('c', 3n, { id: 3n, v: 'c' }), message: 'm5' },
      { event: event('d', 3n, null, { id: 3n, v: 'c' }), message: 'm6' },
      { event: event('c', 3n, { id: 3n, v: 'c2' }), message: 'm7' },
    ];
    const out = collapseChanges(changes);
    assert.deepEqual(
      out.map((c) => [c.op, c.message, c.superseded, c.op === 'upsert' ? c.row['v'] : null]),
      [
        ['upsert', 'm3', 1, 'a2'],
        ['delete', 'm4', 1, null],
        ['upsert', 'm7', 2, 'c2'],
      ],
    );
  });

  it('identifies keys by exact value, so 1 and "1" and 1n are told apart only by their JSON form', () => {
    assert.equal(keyId({ id: 1n }), keyId({ id: '1' }), 'bigint prints as its decimal text');
    assert.notEqual(keyId({ a: 1n, b: 2n }), keyId({ a: 2n, b: 1n }));
    assert.notEqual(keyId({ id: 12345678901234567890n }), keyId({ id: 12345678901234567891n }));
  });
});
