// The server's side of membership-log cryptography. The server cannot check signatures against
// certificates it has no reason to trust, and clients check them anyway; what it can and does check
// is that an entry is authored by the very user and device that sent it. Its chain hash is the
// clients' hash to the bit, so the head it keeps is the head clients compute.
import { canonicalEntry, ErrorCode, type LogCrypto, type MembershipEntry, MekongError } from '@mekong/schema';
import sodium from 'libsodium-wrappers-sumo';

/** UTF-8 of the hash context plus one 0x00 byte, so the prefix delimits itself. */
const HASH_CONTEXT = new Uint8Array([...new TextEncoder().encode('mekong/v1/membership-hash'), 0]);
const SIGNATURE_BYTES = 64;
/** Canonical unpadded base64url of 64 bytes: 86 characters, the last one carrying 2 zero bits. */
const SIGNATURE_TEXT = /^[A-Za-z0-9_-]{85}[AQgw]$/;

/** Resolves once libsodium is loaded; await it before hashing (cheap after the first time). */
export function logCryptoReady(): Promise<void> {
  return sodium.ready;
}

/**
 * BLAKE2b-256 over context ‖ canonicalEntry(entry) ‖ the raw signature, as base64url.
 * Throws BAD_REQUEST for a signature that is not 64 bytes of canonical base64url: no client
 * could verify it, and hashing a loosely decoded one would break the chain for everyone.
 */
export function hashEntry(entry: MembershipEntry): string {
  if (!SIGNATURE_TEXT.test(entry.sig)) {
    throw new MekongError(ErrorCode.BAD_REQUEST, 'The entry signature must be 64 bytes as unpadded base64url.');
  }
  const { sig, ...unsigned } = entry;
  const canonical = canonicalEntry(unsigned);
  const body = new Uint8Array(HASH_CONTEXT.length + canonical.length + SIGNATURE_BYTES);
  body.set(HASH_CONTEXT);
  body.set(canonical, HASH_CONTEXT.length);
  body.set(Buffer.from(sig, 'base64url'), HASH_CONTEXT.length + canonical.length);
  return Buffer.from(sodium.crypto_generichash(32, body, null)).toString('base64url');
}

/** The authenticated sender of an entry. */
export interface EntryAuthor {
  userId: string;
  deviceId: string;
}

/** LogCrypto for entries sent by `author`: they must name that user and device as their author. */
export function serverLogCrypto(author: EntryAuthor): LogCrypto {
  return {
    verifyEntry(entry) {
      if (entry.by.user !== author.userId || entry.by.device !== author.deviceId) {
        throw new MekongError(ErrorCode.FORBIDDEN, 'Sign membership changes with the device of this session, as yourself.', { index: entry.index });
      }
      if (entry.deviceCert.length === 0) {
        throw new MekongError(ErrorCode.BAD_REQUEST, "The entry must carry its device's certificate.");
      }
    },
    hashEntry,
  };
}
