import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { flattenHeaders } from '../../src/source/kafka-change-source.js';

describe('Kafka headers', () => {
  it('flattens buffers to UTF-8 and keeps the last of a repeated header', () => {
    assert.deepEqual(
      flattenHeaders({
        'dbtwin-origin': Buffer.from('mariadb'),
        'dbtwin-hop': [Buffer.from('0'), Buffer.from('1')],
        plain: 'text',
        missing: undefined,
      }),
      { 'dbtwin-origin': 'mariadb', 'dbtwin-hop': '1', plain: 'text' },
    );
    assert.deepEqual(flattenHeaders(undefined), {});
  });
});
