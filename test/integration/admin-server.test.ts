import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AdminServer } from '../../src/admin/admin-server.js';
import { DbtwinError } from '../../src/core/dbtwin-error.js';
import { ErrorCode } from '../../src/core/error-codes.js';

describe('admin endpoint', () => {
  it('serves /healthz, /readyz (503 until ready) and /status, and names a taken port with a way out', async () => {
    let ready = false;
    const first = new AdminServer({ ready: () => ready, status: () => ({ links: [] }) }, 0);
    const port = await first.start();
    try {
      assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
      assert.equal((await fetch(`http://127.0.0.1:${port}/readyz`)).status, 503);
      ready = true;
      assert.equal((await fetch(`http://127.0.0.1:${port}/readyz`)).status, 200);
      assert.deepEqual(await (await fetch(`http://127.0.0.1:${port}/status`)).json(), { links: [] });
      const second = new AdminServer({ ready: () => true, status: () => ({}) }, port);
      await assert.rejects(
        second.start(),
        (e: unknown) =>
          e instanceof DbtwinError &&
          e.code === ErrorCode.ConfigInvalid &&
          e.message.includes(`127.0.0.1:${port} is already in use`) &&
          /--admin-port 0/.test(e.hint ?? ''),
      );
    } finally {
      await first.stop();
    }
  });
});
