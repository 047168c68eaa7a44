// Revocation events and hints as bytes on a shared channel: small JSON with a format version,
// checked field by field on both sides so a malformed event is refused at publish and never acted
// on when received.
//
//   {"v":1,"kind":"device","userId":"…","deviceId":"…"}
//   {"v":1,"kind":"user","userId":"…"}
//   {"v":1,"kind":"member","conversationId":"…","userId":"…"}
//   {"v":1,"kind":"joined","conversationId":"…","userId":"…"}      (hints: on the joins channel, see redis.ts)
//   {"v":1,"kind":"changed","conversationId":"…"}
import { ErrorCode, MAX_ID_BYTES, MekongError } from '@mekong/schema';
import type { AccessEvent, ListHint, Revocation } from '../ports';

const VERSION = 1;
const utf8 = new TextEncoder();

const bad = (what: string, why: string) => new MekongError(ErrorCode.BAD_REQUEST, `not ${what}: ${why}`);
const A_REVOCATION = 'a revocation event';
const A_HINT = 'a join or change hint';

function id(value: unknown, field: string, what: string): string {
  if (typeof value !== 'string' || value.length === 0) throw bad(what, `${field} must be a non-empty string`);
  if (utf8.encode(value).byteLength > MAX_ID_BYTES) throw bad(what, `${field} is longer than ${MAX_ID_BYTES} bytes`);
  return value;
}

function fields(event: unknown, what: string): Record<string, unknown> {
  if (typeof event !== 'object' || event === null) throw bad(what, 'expected an object');
  return event as Record<string, unknown>;
}

/** A copy of `event` holding only its own fields; BAD_REQUEST unless it is a well-formed revocation. */
export function checkRevocation(event: unknown): Revocation {
  const e = fields(event, A_REVOCATION);
  const w = A_REVOCATION;
  switch (e.kind) {
    case 'device':
      return { kind: 'device', userId: id(e.userId, 'userId', w), deviceId: id(e.deviceId, 'deviceId', w) };
    case 'user':
      return { kind: 'user', userId: id(e.userId, 'userId', w) };
    case 'member':
      return { kind: 'member', conversationId: id(e.conversationId, 'conversationId', w), userId: id(e.userId, 'userId', w) };
    default:
      throw bad(w, 'kind must be device, user or member');
  }
}

/** A copy of `event` holding only its own fields; BAD_REQUEST unless it is a well-formed join or change hint. */
export function checkHint(event: unknown): ListHint {
  const e = fields(event, A_HINT);
  if (e.kind === 'joined') return { kind: 'joined', conversationId: id(e.conversationId, 'conversationId', A_HINT), userId: id(e.userId, 'userId', A_HINT) };
  if (e.kind === 'changed') return { kind: 'changed', conversationId: id(e.conversationId, 'conversationId', A_HINT) };
  throw bad(A_HINT, 'kind must be joined or changed');
}

/** Whether `event` is a hint rather than a revocation: for unchecked input, whether it claims to be one (and so is checked as one). */
export function isHint(event: unknown): event is ListHint {
  const kind = (event as { kind?: unknown } | null)?.kind;
  return kind === 'joined' || kind === 'changed';
}

/** A checked copy of a revocation or a hint; BAD_REQUEST for anything else. */
export function checkAccessEvent(event: unknown): AccessEvent {
  return isHint(event) ? checkHint(event) : checkRevocation(event);
}

/** The payload of a revocation or a join hint; BAD_REQUEST before anything is sent when it is malformed. */
export function encodeAccessEvent(event: AccessEvent): string {
  return JSON.stringify({ v: VERSION, ...checkAccessEvent(event) });
}

function parse(payload: string, what: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    throw bad(what, 'not JSON');
  }
  if (typeof value !== 'object' || value === null || (value as { v?: unknown }).v !== VERSION) throw bad(what, `format version must be ${VERSION}`);
  return value;
}

/** The revocation in `payload`; BAD_REQUEST for anything else, including another format version or a join hint. */
export function decodeRevocation(payload: string): Revocation {
  return checkRevocation(parse(payload, A_REVOCATION));
}

/** The hint in `payload`; BAD_REQUEST for anything else, including another format version or a revocation. */
export function decodeHint(payload: string): ListHint {
  return checkHint(parse(payload, A_HINT));
}
