// Which messages of a conversation are pinned, as this device shows it.
//
// Each pin value in the document (`Pin`, under the message id) carries the signature of a device of
// the user it names in `by` (`canonicalPin` in @mekong/schema: conversation, message, user, device,
// pinned or not, time). Any member can write any key of the pins map, so the document is not trusted
// for display: this device keeps, per message, the newest pin value it has verified (stored under
// `conv/<id>/pins`), and a value from the document replaces it only if it is not older, its `by`
// may pin now (an admin or the owner of a group, either person of a 1-1 conversation) and a device
// of `by` signed it. A message shows as pinned while the value kept for it pins and its `by` may
// still pin. So, on a device that has seen a pin:
// - a pin forged in an admin's name by a plain member is not shown, and reported;
// - a pin or unpin written by someone who may not pin, even correctly signed, changes nothing;
// - an older signed value written back (a replay of a pin that was undone since) changes nothing;
// - deleting the key or overwriting it with something unreadable changes nothing: unpinning is a
//   signed value of its own (`pinned: false`), never a deleted key.
// What cannot be prevented: a device that never saw a value shows what the snapshot it bootstrapped
// from holds, so a snapshot's writer can leave a pin out or put an older signed value back.
// The document's values are taken in on every remote change and again when pins are read (a value
// whose signer could not be looked up, or was not an admin yet as far as this device knew, is
// looked at again then). Values written before pins were signed are not shown.
import { isMekongError, type Pin } from '@mekong/schema';
import type { ConversationDoc } from '../doc/conversation-doc';
import { fromBytes, toBytes } from '../local/json';
import { K } from '../local/keys';
import type { ConvMembers } from '../membership/tracker';
import type { StorageOp, StoragePort } from '../storage';
import type { AuthorCheck } from './author-check';

export interface PinBoardHost {
  conv: string;
  storage: StoragePort;
  check: AuthorCheck;
  /** Members and roles as the verified membership log says. */
  members(): ConvMembers;
}

/**
 * @example
 * const board = new PinBoard(host);
 * const op = await board.settle(doc);      // take in the document's pin values; store `op` if any
 * const ids = board.pinned(doc);            // pinned message ids, newest pin first
 */
export class PinBoard {
  /** message id → newest verified value (loaded from storage on first use) */
  private held: Map<string, Pin> | undefined;

  constructor(private readonly host: PinBoardHost) {}

  /** Whether `userId` may pin in this conversation now. */
  mayPin(userId: string): boolean {
    const role = this.host.members().role(userId);
    return role === 'owner' || role === 'admin';
  }

  /**
   * Take in the document's pin values of the messages `ids` (all when absent): one replaces the value
   * kept for its message if it is not older, its `by` may pin now and a device of `by` signed it. A
   * value whose signer cannot be looked up now is left for a later call. Returns the write that
   * stores what is kept when anything changed.
   */
  async settle(doc: ConversationDoc, ids?: Iterable<string>): Promise<StorageOp | undefined> {
    const held = await this.load();
    let changed = false;
    for (const [messageId, p] of doc.unverifiedPins(ids)) {
      const kept = held.get(messageId);
      if (kept && (p.at < kept.at || (p.at === kept.at && p.sig === kept.sig))) continue;
      if (!this.mayPin(p.by)) continue;
      try {
        if (!(await this.host.check.pinSigned(messageId, p))) continue;
      } catch (err) {
        if (isMekongError(err)) continue;
        throw err;
      }
      held.set(messageId, { ...p });
      changed = true;
    }
    return changed ? this.op(held) : undefined;
  }

  /** Keep this device's own new value (signed here a moment ago); returns the write that stores it. */
  async own(messageId: string, p: Pin): Promise<StorageOp> {
    const held = await this.load();
    held.set(messageId, { ...p });
    return this.op(held);
  }

  /** The value kept for a message (the newest verified one), if any. */
  async current(messageId: string): Promise<Pin | undefined> {
    return (await this.load()).get(messageId);
  }

  /** Whether a message shows as pinned: the value kept for it pins, and its `by` may still pin. */
  async isPinned(messageId: string): Promise<boolean> {
    const p = await this.current(messageId);
    return p?.pinned === true && this.mayPin(p.by);
  }

  /** Pinned message ids, newest pin first, on messages the document holds. */
  async pinned(doc: ConversationDoc): Promise<string[]> {
    const out: Array<[string, number]> = [];
    for (const [id, p] of await this.load()) {
      if (p.pinned && this.mayPin(p.by) && doc.message(id) !== undefined) out.push([id, p.at]);
    }
    return out.sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0)).map(([id]) => id);
  }

  private async load(): Promise<Map<string, Pin>> {
    if (!this.held) {
      const stored = await this.host.storage.get(K.convPins(this.host.conv));
      const loaded = new Map(stored ? Object.entries(fromBytes<Record<string, Pin>>(stored)) : []);
      // another call may have loaded (and changed) it meanwhile
      this.held ??= loaded;
    }
    return this.held;
  }

  private op(held: Map<string, Pin>): StorageOp {
    return { type: 'put', key: K.convPins(this.host.conv), value: toBytes(Object.fromEntries(held)) };
  }
}
