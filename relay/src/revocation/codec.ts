// Revocation events as bytes on a shared channel: small JSON with a format version, checked field by
// field on both sides so a malformed event is refused at publish and never acted on when received.
//
//   {"v":1,"kind":"device","userId":"…","deviceId":"…"}
//   {"v":1,"kind":"user","userId":"…"}
//   {"v":1,"kind":"member","conversationId":"…","userId":"…"}
import { ErrorCode, MAX_ID_BYTES, MekongError } from '@mekong/schema';
import type { Revocation } from '../ports';

const VERSION = 1;
const utf8 = new TextEncoder();

const bad = (why: string) => new MekongError(ErrorCode.BAD_REQUEST, `not a revocation event: ${why}`);

function id(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0) throw bad(`${field} must be a non-empty string`);
  if (utf8.encode(value).byteLength > MAX_ID_BYTES) throw bad(`${field} is longer than ${MAX_ID_BYTES} bytes`);
  return value;
}

/** A copy of `event` holding only its own fields; BAD_REQUEST unless it is a well-formed revocation. */
export function checkRevocation(event: unknown): Revocation {
  if (typeof event !== 'object' || event === null) throw bad('expected an object');
  const e = event as Record<string, unknown>;
  switch (e.kind) {
    case 'device':
      return { kind: 'device', userId: id(e.userId, 'userId'), deviceId: id(e.deviceId, 'deviceId') };
    case 'user':
      return { kind: 'user', userId: id(e.userId, 'userId') };
    case 'member':
      return { kind: 'member', conversationId: id(e.conversationId, 'conversationId'), userId: id(e.userId, 'userId') };
    default:
      throw bad('kind must be device, user or member');
  }
}

export function encodeRevocation(event: Revocation): string {
  return JSON.stringify({ v: VERSION, ...checkRevocation(event) });
}

/** The event in `payload`; BAD_REQUEST for anything else, including another format version. */
export function decodeRevocation(payload: string): Revocation {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    throw bad('not JSON');
  }
  if (typeof value !== 'object' || value === null || (value as { v?: unknown }).v !== VERSION) throw bad(`format version must be ${VERSION}`);
  return checkRevocation(value);
}
