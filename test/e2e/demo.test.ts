import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../support/run-cli.js';

describe('dbtwin demo (the README quickstart)', () => {
  it('changes made on each side arrive on the other, through both links', async () => {
    const result = await runCli(['demo', '--admin-port', '0', '--seconds', '60'], { timeoutMs: 600_000 });
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    assert.match(result.stdout, /links running: mariadb->postgres, postgres->mariadb/);
    assert.equal(
      (result.stdout.match(/ ✓ (postgres|mariadb) +has it after \d+ ms/g) ?? []).length,
      6,
      result.stdout,
    );
    assert.match(result.stdout, /demo: 6 of 6 changes arrived on the other side\./);
  });
});
