// Domain-separation strings: every signature and every AEAD use of the module names its purpose,
// so bytes signed or sealed for one purpose are never accepted for another.
import type { EnvelopeKind } from './envelope-header';

/** Every context of the module, one per purpose. A test checks that they are all distinct. */
export const CONTEXTS = {
  envelopeUpdate: 'mekong/v1/envelope/update',
  envelopeSnapshot: 'mekong/v1/envelope/snapshot',
  envelopeEphemeral: 'mekong/v1/envelope/ephemeral',
  epochKey: 'mekong/v1/epoch-key',
  deviceCertificate: 'mekong/v1/device-certificate',
  messageSignature: 'mekong/v1/message-signature',
  reactionSignature: 'mekong/v1/reaction-signature',
  pinSignature: 'mekong/v1/pin-signature',
  membershipEntry: 'mekong/v1/membership-entry',
  membershipHash: 'mekong/v1/membership-hash',
  backup: 'mekong/v1/backup',
  passwordSalt: 'mekong/v1/password-salt',
  safetyNumber: 'mekong/v1/safety-number',
} as const;

export type ContextName = keyof typeof CONTEXTS;

/** crypto_kdf contexts are exactly 8 bytes, so they live apart from the strings above. */
export const KDF_CONTEXT_PASSWORD = 'mkpasswd';
export const KDF_CONTEXT_DEVICE_SEED = 'mkdevkey';

const cache = new Map<ContextName, Uint8Array>();

/**
 * The bytes that are prefixed to what a context protects: the UTF-8 string and a 0x00
 * terminator. The terminator makes the prefix self-delimiting, so `context A ‖ data` can
 * never equal `context B ‖ other data` even though the strings differ in length.
 */
export function contextBytes(name: ContextName): Uint8Array {
  let bytes = cache.get(name);
  if (!bytes) {
    const text = new TextEncoder().encode(CONTEXTS[name]);
    bytes = new Uint8Array(text.length + 1);
    bytes.set(text);
    cache.set(name, bytes);
  }
  return bytes;
}

const ENVELOPE_CONTEXT: Record<EnvelopeKind, ContextName> = {
  update: 'envelopeUpdate',
  snapshot: 'envelopeSnapshot',
  ephemeral: 'envelopeEphemeral',
};

/** The signature context of an envelope of the given kind. */
export function envelopeContext(kind: EnvelopeKind): Uint8Array {
  return contextBytes(ENVELOPE_CONTEXT[kind]);
}

/** `prefix ‖ data` as one new array (the input to a detached signature). */
export function prefixed(prefix: Uint8Array, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(prefix.length + data.length);
  out.set(prefix, 0);
  out.set(data, prefix.length);
  return out;
}
