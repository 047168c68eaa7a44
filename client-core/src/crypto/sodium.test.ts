import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

describe('cryptoReady', () => {
  it('is required: a call before it throws a clear error, a call after it works', () => {
    // A fresh process, because in this one libsodium is already loaded by other tests.
    const script = `
      const { generateIdentity, cryptoReady } = await import('./index.ts');
      try { generateIdentity(); console.log('NO_THROW'); } catch (e) { console.log('BEFORE: ' + e.message); }
      await cryptoReady();
      console.log('AFTER: ' + generateIdentity().publicKey.length);
    `;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('.', import.meta.url)),
      encoding: 'utf8',
    });
    expect(out).toContain('BEFORE: The crypto module is not initialised: await cryptoReady()');
    expect(out).toContain('AFTER: 32');
  });
});
