// Random identifiers: opaque, url-safe and unguessable, so knowing one id reveals no other.
import { randomBytes } from 'node:crypto';

/**
 * A fresh id of 22 base64url characters (user, device, session, conversation...). It never starts
 * with '-', which a command line would read as an option (`mekong-chat group info <id>`): such a
 * draw is thrown away and drawn again, which keeps every other id equally likely (~128 bits).
 */
export function newId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (id[0] !== '-') return id;
  }
}
