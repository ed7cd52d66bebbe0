import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { adminAddressOf, parseAdminAddress } from '../../src/admin/admin-address.js';
import { DbtwinError } from '../../src/core/dbtwin-error.js';
import { ErrorCode } from '../../src/core/error-codes.js';

describe('admin addresses', () => {
  it('reads host:port, [v6]:port, http://host:port and a bare port', () => {
    assert.deepEqual(parseAdminAddress('10.0.0.5:9464'), {
      host: '10.0.0.5',
      port: 9464,
      label: '10.0.0.5:9464',
      url: 'http://10.0.0.5:9464',
    });
    assert.deepEqual(parseAdminAddress('[::1]:9000'), {
      host: '::1',
      port: 9000,
      label: '[::1]:9000',
      url: 'http://[::1]:9000',
    });
    assert.equal(parseAdminAddress('http://dbtwin-1:9464/').label, 'dbtwin-1:9464');
    assert.equal(parseAdminAddress('9465').label, '127.0.0.1:9465');
  });

  it('refuses what is not host:port, naming the value', () => {
    for (const bad of ['dbtwin-1', 'https://h:1', 'h:0', 'h:70000', 'h:1/status', '']) {
      assert.throws(
        () => parseAdminAddress(bad),
        (e: unknown) =>
          e instanceof DbtwinError &&
          e.code === ErrorCode.ConfigInvalid &&
          e.message.startsWith(`--admin ${JSON.stringify(bad)}`),
        bad,
      );
    }
  });

  it('reaches a wildcard bind address through the loopback', () => {
    assert.equal(adminAddressOf('0.0.0.0', 9464).label, '127.0.0.1:9464');
    assert.equal(adminAddressOf('::', 9464).label, '[::1]:9464');
    assert.equal(adminAddressOf('db-host', 9464).url, 'http://db-host:9464');
  });
});
