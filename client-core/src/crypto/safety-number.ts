// Safety numbers: 60 digits two users compare out of band (read aloud, or side by side) to
// confirm that each holds the other's real identity key.
//
// Each user contributes 30 digits: h0 = SHA-512('mekong/v1/safety-number' 0x00 ‖ varuint
// length ‖ UTF-8 user id ‖ identity key), h(i+1) = SHA-512(h(i) ‖ identity key), 5200 times;
// the first 30 bytes of the result, read as six 40-bit big-endian numbers, each mod 100000,
// give six 5-digit groups. The two halves are sorted so both sides display the same number.
// The iterations make a search for another key with the same digits that much costlier.
import { ByteWriter } from './binary';
import { contextBytes } from './contexts';
import { sodium } from './sodium';
import { assertBytes, SIGN_PUBLIC_KEY_BYTES, type SigningPublicKey } from './types';

const ITERATIONS = 5200;
const GROUPS_PER_USER = 6;
const BYTES_PER_GROUP = 5;

/** One side of a safety number. */
export interface SafetyNumberParty {
  userId: string;
  identityKey: SigningPublicKey;
}

function halfDigits(party: SafetyNumberParty): string {
  const s = sodium();
  assertBytes(party.identityKey, SIGN_PUBLIC_KEY_BYTES, 'The identity key');
  const input = new ByteWriter().bytes(contextBytes('safetyNumber')).string(party.userId, 'The user id').bytes(party.identityKey).finish();
  let hash = s.crypto_hash_sha512(input);
  const step = new Uint8Array(hash.length + party.identityKey.length);
  step.set(party.identityKey, hash.length);
  for (let i = 0; i < ITERATIONS; i++) {
    step.set(hash, 0);
    hash = s.crypto_hash_sha512(step);
  }
  let digits = '';
  for (let g = 0; g < GROUPS_PER_USER; g++) {
    let n = 0;
    for (let b = 0; b < BYTES_PER_GROUP; b++) n = n * 256 + (hash[g * BYTES_PER_GROUP + b] ?? 0);
    digits += String(n % 100000).padStart(5, '0');
  }
  return digits;
}

/**
 * The safety number of two users: 60 digits in twelve groups of five, separated by spaces.
 * Symmetric: safetyNumber(a, b) === safetyNumber(b, a).
 * @example
 * safetyNumber({ userId: 'lan', identityKey: lanKey }, { userId: 'minh', identityKey: minhKey });
 * // '12345 67890 … 24680' (12 groups)
 */
export function safetyNumber(a: SafetyNumberParty, b: SafetyNumberParty): string {
  const halves = [halfDigits(a), halfDigits(b)].sort();
  const all = halves.join('');
  return all.match(/\d{5}/g)?.join(' ') ?? all;
}
