// Secure random bytes from the platform CSPRNG (Web Crypto, present in browsers and Node ≥ 19).
// libsodium's randombytes_buf goes through the WebAssembly bridge and was
// measured at ≈0.4 ms per call in Node, several times the cost of sealing an envelope.
import { sodium } from './sodium';

const MAX_PER_CALL = 65536; // getRandomValues refuses larger requests

/** `n` cryptographically secure random bytes. */
export function randomBytes(n: number): Uint8Array {
  const webCrypto = globalThis.crypto;
  if (typeof webCrypto?.getRandomValues !== 'function') return sodium().randombytes_buf(n);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += MAX_PER_CALL) webCrypto.getRandomValues(out.subarray(i, Math.min(n, i + MAX_PER_CALL)));
  return out;
}
