// Known-answer tests against published vectors: they prove the libsodium binding computes the
// standard primitives the formats are built on.
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from './encoding';
import { generateIdentity } from './keys';
import { signMessage } from './message-signature';
import { cryptoReady, sodium } from './sodium';

await cryptoReady();

describe('Ed25519 (RFC 8032 §7.1, test 1)', () => {
  const seed = fromHex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
  const publicKey = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';
  const signature =
    'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b';

  it('derives the public key from the seed', () => {
    expect(toHex(generateIdentity(seed).publicKey)).toBe(publicKey);
  });

  it('signs the empty message to the published signature and verifies it', () => {
    const { secretKey } = generateIdentity(seed);
    const s = sodium();
    expect(toHex(s.crypto_sign_detached(new Uint8Array(0), secretKey))).toBe(signature);
    expect(s.crypto_sign_verify_detached(fromHex(signature), new Uint8Array(0), fromHex(publicKey))).toBe(true);
  });

  it('our message signatures are not raw Ed25519 over the message (they carry a context)', () => {
    const { secretKey } = generateIdentity(seed);
    expect(toHex(signMessage(secretKey, new Uint8Array(0)))).not.toBe(signature);
  });
});

describe('XChaCha20-Poly1305-IETF (draft-irtf-cfrg-xchacha-03 §A.3.1)', () => {
  const plaintext = new TextEncoder().encode(
    "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
  );
  const aad = fromHex('50515253c0c1c2c3c4c5c6c7');
  const key = fromHex('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f');
  const iv = fromHex('404142434445464748494a4b4c4d4e4f5051525354555657');
  const ciphertext = `
    bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb
    731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b452
    2f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9
    21f9664c97637da9768812f615c68b13b52e`.replace(/\s+/g, '');
  const tag = 'c0875924c1c7987947deafd8780acf49';

  it('encrypts to the published ciphertext and tag', () => {
    const out = sodium().crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, aad, null, iv, key);
    expect(toHex(out)).toBe(ciphertext + tag);
  });

  it('decrypts the published ciphertext and rejects a wrong associated data', () => {
    const s = sodium();
    const sealed = fromHex(ciphertext + tag);
    expect(s.crypto_aead_xchacha20poly1305_ietf_decrypt(null, sealed, aad, iv, key)).toEqual(plaintext);
    expect(() => s.crypto_aead_xchacha20poly1305_ietf_decrypt(null, sealed, aad.subarray(1), iv, key)).toThrow();
  });
});
