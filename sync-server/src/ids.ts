// Random identifiers: opaque, url-safe and unguessable, so knowing one id reveals no other.
import { randomBytes } from 'node:crypto';

/** A fresh 128-bit id as 22 base64url characters (user, device, session, conversation...). */
export function newId(): string {
  return randomBytes(16).toString('base64url');
}
