// Text forms of bytes: base64url (RFC 4648 §5, no padding) for ids and keys on the wire, hex for tests.
// Written in plain TypeScript so it works before libsodium is loaded.
import { ErrorCode, MekongError } from '@mekong/schema/errors';
import { randomBytes } from './random';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

/**
 * Encode bytes as unpadded base64url.
 * @example toBase64url(new Uint8Array([251, 255])) // '-_8'
 */
export function toBase64url(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = ((bytes[i] ?? 0) << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += ALPHABET.charAt(n >> 18) + ALPHABET.charAt((n >> 12) & 63) + ALPHABET.charAt((n >> 6) & 63) + ALPHABET.charAt(n & 63);
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = (bytes[i] ?? 0) << 16;
    out += ALPHABET.charAt(n >> 18) + ALPHABET.charAt((n >> 12) & 63);
  } else if (rest === 2) {
    const n = ((bytes[i] ?? 0) << 16) | ((bytes[i + 1] ?? 0) << 8);
    out += ALPHABET.charAt(n >> 18) + ALPHABET.charAt((n >> 12) & 63) + ALPHABET.charAt((n >> 6) & 63);
  }
  return out;
}

function invalid(): MekongError {
  return new MekongError(ErrorCode.BAD_REQUEST, 'The value is not canonical unpadded base64url; send it exactly as it was encoded.');
}

/**
 * Decode unpadded base64url. Only the canonical form is accepted (no padding, no
 * whitespace, no standard-alphabet characters, unused trailing bits zero), so each byte
 * string has exactly one text form.
 * @throws MekongError BAD_REQUEST on any other input.
 * @example fromBase64url('-_8') // Uint8Array [251, 255]
 */
export function fromBase64url(text: string): Uint8Array {
  if (typeof text !== 'string' || text.length % 4 === 1) throw invalid();
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? (DECODE[c] ?? -1) : -1;
    if (v < 0) throw invalid();
    acc = ((acc << 6) | v) & 0xffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  if ((acc & ((1 << bits) - 1)) !== 0) throw invalid();
  return out;
}

/** Lower-case hex, for test vectors and diagnostics. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

/** Parse hex (whitespace ignored), for test vectors. Throws BAD_REQUEST on odd length or non-hex. */
export function fromHex(hex: string): Uint8Array {
  const clean = hex.replace(/\s+/g, '');
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) {
    throw new MekongError(ErrorCode.BAD_REQUEST, 'The value is not hex; pass pairs of 0-9a-f digits.');
  }
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/**
 * A random identifier: `bytes` random bytes (default 16, i.e. 128 bits) as base64url. It never
 * starts with '-', which a command line would read as an option (`mekong-chat group info <id>`):
 * such a draw is drawn again, which keeps every other id equally likely.
 * @example const deviceId = randomId(); // e.g. 'q3J0c2Vj...'
 */
export function randomId(bytes = 16): string {
  if (!Number.isInteger(bytes) || bytes < 1 || bytes > 1024) {
    throw new MekongError(ErrorCode.BAD_REQUEST, 'randomId takes a whole number of bytes between 1 and 1024.');
  }
  for (;;) {
    const id = toBase64url(randomBytes(bytes));
    if (id[0] !== '-') return id;
  }
}
