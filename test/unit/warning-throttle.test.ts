import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { WarningThrottle } from '../../src/core/warning-throttle.js';

/** A pino logger writing its JSON lines into `lines`. */
function capturing(lines: Record<string, unknown>[]): pino.Logger {
  return pino(
    { level: 'warn' },
    { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
}

describe('WarningThrottle', () => {
  it('logs the first warning at once, holds back repeats within the interval, then counts them', async () => {
    const lines: Record<string, unknown>[] = [];
    const throttle = new WarningThrottle(capturing(lines), 50);
    for (let i = 0; i < 5; i++) throttle.warn({ link: 'a->b' }, 'Redis down');
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!['msg'], 'Redis down');
    assert.equal(lines[0]!['heldBack'], undefined);
    await new Promise((r) => setTimeout(r, 60));
    throttle.warn({ link: 'a->b' }, 'Redis down');
    assert.equal(lines.length, 2);
    assert.equal(lines[1]!['heldBack'], 4, 'the four repeats held back are counted');
  });
});
