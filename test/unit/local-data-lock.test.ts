import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lockDataDir } from '#local/dynamo-local.js';

describe('one local-mode process per data directory', () => {
  const fresh = () => mkdtempSync(join(tmpdir(), 'icb-lock-'));

  it('refuses a second holder while the first lives, naming the process and the way out', () => {
    const dir = fresh();
    const release = lockDataDir(dir);

    expect(() => lockDataDir(dir)).toThrow(
      new RegExp(`in use by process ${process.pid}.*in-memory`),
    );
    release();
    expect(() => lockDataDir(dir)()).not.toThrow();
  });

  it('takes over a lock left by a process that is gone', () => {
    const dir = fresh();
    writeFileSync(join(dir, 'invoice-cloud-bridge.lock'), '2147483646');

    const release = lockDataDir(dir);

    release();
    expect(existsSync(join(dir, 'invoice-cloud-bridge.lock'))).toBe(false);
  });
});
