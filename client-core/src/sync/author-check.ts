// Author signatures of messages. Whoever writes a snapshot (or any update) could put words in another
// member's mouth, so a message is shown as its author's only once the author's device signature over
// it verifies. Live updates are checked on arrival; messages applied in bulk are stored unchecked and
// checked before anything shows them (see deferred-checks.ts).
import { canonicalMessage, ErrorCode, isMekongError, type Message, MekongError } from '@mekong/schema';
import { fromBase64url, verifyMessage } from '../crypto';
import type { DeviceDirectory } from '../keys/directory';
import type { ConvMembers } from '../membership/tracker';
import { checkedEntry, type MessageEntry, signedMessageOf } from './entries';

/** Failures that say nothing about the message: the check is tried again later. */
export const TRANSIENT = new Set<string>([ErrorCode.UNAVAILABLE, ErrorCode.TIMEOUT, ErrorCode.RATE_LIMITED]);

/** What checking one unchecked entry found. */
export type CheckOutcome =
  /** the signature verified: show `shown` (the entry rebuilt from the checked message) */
  | { kind: 'ok'; shown: MessageEntry }
  /** it did not (or the author's device is not theirs): never show it, report `error` */
  | { kind: 'bad'; error: MekongError }
  /** the author's keys could not be fetched now: keep it unchecked and hidden, try again later */
  | { kind: 'later' };

export interface AuthorCheckDeps {
  conv: string;
  /** Members as the verified membership log says; a message author must be one of `ever`. */
  members(): ConvMembers;
  directory: DeviceDirectory;
}

/**
 * @example
 * const check = new AuthorCheck({ conv, members, directory });
 * await check.verify(message);            // throws BAD_SIGNATURE unless its author's device signed it
 * const outcome = await check.entry(e);   // for an entry stored unchecked
 */
export class AuthorCheck {
  constructor(private readonly deps: AuthorCheckDeps) {}

  /** @throws MekongError BAD_SIGNATURE unless the author's own device signed this exact message */
  async verify(m: Message): Promise<void> {
    const dev = await this.deps.directory.device(m.author.device, this.deps.members().ever);
    if (dev.userId !== m.author.user) throw new MekongError(ErrorCode.BAD_SIGNATURE, 'Message author does not own the signing device.');
    const { sig, ...unsigned } = m;
    verifyMessage(dev.signPublicKey, canonicalMessage(this.deps.conv, unsigned), fromBase64url(sig));
  }

  /**
   * Check the author signature of an entry stored unchecked. An entry without `unchecked` is
   * returned as it is. Unexpected (non-typed) failures are thrown.
   */
  async entry(e: MessageEntry): Promise<CheckOutcome> {
    if (!e.unchecked) return { kind: 'ok', shown: e };
    const m = signedMessageOf(e);
    if (!m) return { kind: 'bad', error: new MekongError(ErrorCode.BAD_SIGNATURE, 'A stored message does not match what its author signed.', { messageId: e.id }) };
    try {
      await this.verify(m);
      return { kind: 'ok', shown: checkedEntry(e, m) };
    } catch (err) {
      if (!isMekongError(err)) throw err;
      if (TRANSIENT.has(err.code)) return { kind: 'later' };
      return { kind: 'bad', error: err };
    }
  }
}
