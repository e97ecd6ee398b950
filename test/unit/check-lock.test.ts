import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const check = (packages: Record<string, object>) => {
  const file = join(mkdtempSync(join(tmpdir(), 'lock-')), 'package-lock.json');
  writeFileSync(file, JSON.stringify({ lockfileVersion: 3, packages }));
  return spawnSync(process.execPath, ['scripts/check-lock.mjs', file], { encoding: 'utf8' });
};

describe('lock file check (run by .ci/run before npm ci)', () => {
  it('refuses an entry without a version and names it', () => {
    const r = check({
      '': { name: 'x' },
      'node_modules/a': { version: '1.0.0' },
      'node_modules/a/node_modules/@unrs/binding-x': { optional: true },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('node_modules/a/node_modules/@unrs/binding-x');
  });
  it('accepts versions and workspace links', () => {
    const r = check({
      '': { name: 'x' },
      'node_modules/a': { version: '1.0.0' },
      'node_modules/w': { link: true, resolved: 'packages/w' },
    });
    expect(r.status).toBe(0);
  });
  it('the committed lock file passes', () => {
    expect(spawnSync(process.execPath, ['scripts/check-lock.mjs']).status).toBe(0);
  });
});
