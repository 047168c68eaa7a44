import { describe, expect, it } from 'vitest';
import { decryptBackup, encryptBackup } from './backup';
import { fromBase64url, toHex } from './encoding';
import { derivePasswordSecrets } from './password';
import { cryptoReady } from './sodium';
import { codeOf, text } from './test-support';

await cryptoReady();

describe('derivePasswordSecrets', () => {
  it('is pinned for a fixed username and password (a change would lock every user out)', async () => {
    const { loginSecret, backupKey } = await derivePasswordSecrets('Lan', 'mật khẩu');
    expect(loginSecret).toBe('mEmeOdjyjeQU3IorsbKytRzPgT2BDJjy5Coug6NvcmU');
    expect(toHex(backupKey)).toBe('3a8a7cf8b4e02772e4c005a2b47c05e3f83144e18963e820f1a39127b7c258ca');
  });

  it('gives a 32-byte login secret unrelated to the backup key', async () => {
    const { loginSecret, backupKey } = await derivePasswordSecrets('lan', 'hunter22');
    const login = fromBase64url(loginSecret);
    expect(login.length).toBe(32);
    expect(backupKey.length).toBe(32);
    expect(toHex(login)).not.toBe(toHex(backupKey));
  });

  it('ignores username case and Unicode composition, and password composition', async () => {
    const composed = 'mật khẩu'.normalize('NFC');
    const decomposed = 'mật khẩu'.normalize('NFD');
    expect(composed).not.toBe(decomposed);
    const a = await derivePasswordSecrets('NGUYỄN', composed);
    const b = await derivePasswordSecrets('nguyễn'.normalize('NFD'), decomposed);
    expect(b.loginSecret).toBe(a.loginSecret);
    expect(toHex(b.backupKey)).toBe(toHex(a.backupKey));
  });

  it('changes both secrets when the username or password changes', async () => {
    const base = await derivePasswordSecrets('lan', 'hunter22');
    for (const other of [await derivePasswordSecrets('lan2', 'hunter22'), await derivePasswordSecrets('lan', 'hunter23')]) {
      expect(other.loginSecret).not.toBe(base.loginSecret);
      expect(toHex(other.backupKey)).not.toBe(toHex(base.backupKey));
    }
  });

  it('restores a backup on a new device from username and password alone', async () => {
    const first = await derivePasswordSecrets('lan', 'hunter22');
    const blob = encryptBackup(first.backupKey, text('identity secret key'));
    const again = await derivePasswordSecrets('LAN', 'hunter22');
    expect(decryptBackup(again.backupKey, blob)).toEqual(text('identity secret key'));
    const wrong = await derivePasswordSecrets('lan', 'hunter2');
    expect(codeOf(() => decryptBackup(wrong.backupKey, blob))).toBe('DECRYPT_FAILED');
  });

  it('offers a moderate strength that derives different secrets', async () => {
    const interactive = await derivePasswordSecrets('lan', 'hunter22');
    const moderate = await derivePasswordSecrets('lan', 'hunter22', { strength: 'moderate' });
    expect(moderate.loginSecret).not.toBe(interactive.loginSecret);
  });

  it('refuses empty inputs with BAD_REQUEST', async () => {
    await expect(derivePasswordSecrets('', 'x')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(derivePasswordSecrets('lan', '')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});
