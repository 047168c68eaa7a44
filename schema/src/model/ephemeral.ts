// What travels inside an `ephemeral` envelope (kind 3): short-lived signals such as typing. The
// relay never sees this; it is the plaintext a client seals under the conversation's epoch key.
import { z } from 'zod';
import { ErrorCode, MekongError } from '../errors';

/** Version of the ephemeral payload format; a receiver refuses any other. */
export const EPHEMERAL_PAYLOAD_VERSION = 1;
/** Largest ephemeral payload (UTF-8 JSON) a client seals or opens; the envelope adds about 150 bytes. */
export const MAX_EPHEMERAL_PAYLOAD_BYTES = 512;

/** "This user is typing here" (`typing: true`, repeated while they type) or "stopped" (`typing: false`). */
export const TypingSignal = z.strictObject({
  v: z.literal(EPHEMERAL_PAYLOAD_VERSION),
  type: z.literal('typing'),
  typing: z.boolean(),
});
export type TypingSignal = z.infer<typeof TypingSignal>;

/** Every ephemeral payload, told apart by `type`. */
export const EphemeralPayload = z.discriminatedUnion('type', [TypingSignal]);
export type EphemeralPayload = z.infer<typeof EphemeralPayload>;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * The bytes to seal for `payload`.
 * @throws MekongError BAD_REQUEST for a payload that does not match the schema.
 * @example const bytes = encodeEphemeral({ v: 1, type: 'typing', typing: true });
 */
export function encodeEphemeral(payload: EphemeralPayload): Uint8Array {
  const checked = EphemeralPayload.safeParse(payload);
  if (!checked.success) throw new MekongError(ErrorCode.BAD_REQUEST, 'Not an ephemeral payload of this version.');
  const bytes = encoder.encode(JSON.stringify(checked.data));
  if (bytes.length > MAX_EPHEMERAL_PAYLOAD_BYTES) throw new MekongError(ErrorCode.PAYLOAD_TOO_LARGE, `Ephemeral payloads are limited to ${MAX_EPHEMERAL_PAYLOAD_BYTES} bytes.`);
  return bytes;
}

/**
 * The payload in opened (decrypted) bytes.
 * @throws MekongError PAYLOAD_TOO_LARGE above MAX_EPHEMERAL_PAYLOAD_BYTES, MALFORMED_ENVELOPE for
 * anything that is not UTF-8 JSON matching a known payload of this version.
 * @example const p = decodeEphemeral(plaintext); if (p.type === 'typing') show(p.typing);
 */
export function decodeEphemeral(bytes: Uint8Array): EphemeralPayload {
  if (bytes.length > MAX_EPHEMERAL_PAYLOAD_BYTES) {
    throw new MekongError(ErrorCode.PAYLOAD_TOO_LARGE, `An ephemeral payload of ${bytes.length} bytes is over the ${MAX_EPHEMERAL_PAYLOAD_BYTES}-byte limit.`);
  }
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(bytes));
  } catch {
    throw new MekongError(ErrorCode.MALFORMED_ENVELOPE, 'An ephemeral payload is not UTF-8 JSON.');
  }
  const checked = EphemeralPayload.safeParse(value);
  if (!checked.success) throw new MekongError(ErrorCode.MALFORMED_ENVELOPE, 'An ephemeral payload is not a known signal of this version.');
  return checked.data;
}
