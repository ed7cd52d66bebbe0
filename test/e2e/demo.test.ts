import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../support/run-cli.js';

describe('dbtwin demo (the README quickstart)', () => {
  it('changes made on each side arrive on the other, through both links, and their echoes are dropped', async () => {
    const result = await runCli(['demo', '--admin-port', '0', '--seconds', '60'], { timeoutMs: 600_000 });
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    assert.match(result.stdout, /links running: mariadb->postgres, postgres->mariadb/);
    assert.equal(
      (result.stdout.match(/ ✓ (postgres|mariadb) +has it after \d+ ms/g) ?? []).length,
      6,
      result.stdout,
    );
    assert.match(result.stdout, /demo: 6 of 6 changes arrived on the other side\./);
    // Each write dbtwin made was captured on its side and dropped by the reverse link as an echo.
    assert.equal(
      (
        result.stdout.match(
          / ↺ (postgres|mariadb) +captured dbtwin's write too; link \S+ recognised the echo and dropped it/g,
        ) ?? []
      ).length,
      6,
      result.stdout,
    );
    assert.match(
      result.stdout,
      /nothing bounced back: each of the \d+ rows dbtwin wrote came back once as an echo and was dropped\./,
    );
  });
});
