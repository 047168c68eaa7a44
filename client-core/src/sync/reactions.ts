// What a message's index entry shows of its reactions, and how that moves on.
//
// Each reaction value in the document carries the signature of a device of the user it names
// (`canonicalReaction` in @mekong/schema: conversation, message, user, device, emoji or removal,
// time). Any member can write any key of the reactions map, so the document is not trusted for
// display: the entry keeps what was shown (user → emoji) and, per user, the `at` of the newest value
// verified, removals included. A value from the document moves that on only if it is not older and a
// device of its user signed it. So, on a device that has seen a reaction:
// - a value forged in someone's name (no, a wrong or a copied signature) is not shown, and reported;
// - an older signed value of the same user and message written back (a replay, say of a reaction
//   that was removed since) changes nothing;
// - deleting the key, or overwriting it with something unreadable, changes nothing either: a removal
//   is a signed value of its own (`emoji: null`), never a deleted key, so a missing value means
//   "nothing new", not "removed".
// What cannot be prevented: a device that never saw a value (a new device bootstrapping from a
// snapshot whose writer left it out, or put an older signed value of the same user back) shows what
// that snapshot holds; like a message left out of a snapshot, that is a member hiding, not forging.
// Concurrent values of one user from two devices: Yjs keeps one of them on every device; one with
// the same or a later `at` than the one shown replaces it, so devices agree except when a device
// already showed the later of the two (it keeps that one until the user reacts again).
// Values written before reactions were signed have no signature: they are not shown, and an index
// entry written then shows no reactions (`signedReactions`).
import { isMekongError, type Reaction } from '@mekong/schema';
import type { AuthorCheck } from './author-check';
import type { MessageEntry, ReactionState, UncheckedPart } from './entries';

/**
 * The reactions to show on a message: `shown` (what its entry shows now, if anything) moved on by
 * the document's `values` (user id → value). Only a value at least as new as the one shown for its
 * user, and signed by a device of that user, counts; users without a value keep what they show.
 * With `lenient`, a value whose signer cannot be looked up now is skipped instead of thrown.
 * @throws MekongError (transient) when a signer cannot be looked up now and `lenient` is not set
 * @example const state = await settleReactions(check, m.id, entry, doc.unverifiedReactions(m.id));
 */
export async function settleReactions(
  check: AuthorCheck,
  messageId: string,
  shown: ReactionState | undefined,
  values: Iterable<[string, Reaction]>,
  lenient = false,
): Promise<ReactionState> {
  const reactedAt = { ...shown?.reactedAt };
  const reactions: Record<string, string> = {};
  for (const [user, emoji] of Object.entries(shown?.reactions ?? {})) if (reactedAt[user] !== undefined) reactions[user] = emoji;
  for (const [user, r] of values) {
    const at = reactedAt[user];
    if (at !== undefined && (r.at < at || (r.at === at && (reactions[user] ?? null) === r.emoji))) continue;
    try {
      if (!(await check.reactionSigned(messageId, user, r))) continue;
    } catch (err) {
      if (lenient && isMekongError(err)) continue;
      throw err;
    }
    take(reactions, reactedAt, user, r);
  }
  return sorted(reactions, reactedAt);
}

/** The state after this device's own new value (signed here a moment ago, so not checked again). */
export function withOwnReaction(shown: ReactionState, userId: string, r: Reaction): ReactionState {
  const reactions = { ...shown.reactions };
  const reactedAt = { ...shown.reactedAt };
  take(reactions, reactedAt, userId, r);
  return sorted(reactions, reactedAt);
}

/** The entry with its reaction state replaced (fields absent when empty). */
export function withReactionState(e: MessageEntry, s: ReactionState): MessageEntry {
  const { reactions: _r, reactedAt: _a, ...rest } = e;
  const out: MessageEntry = rest;
  if (s.reactions && Object.keys(s.reactions).length > 0) out.reactions = s.reactions;
  if (s.reactedAt && Object.keys(s.reactedAt).length > 0) out.reactedAt = s.reactedAt;
  return out;
}

/** An unchecked entry with the document's reaction values on its message, to be checked with it. */
export function withUncheckedReactions(e: MessageEntry, values: ReadonlyMap<string, Reaction>): MessageEntry {
  if (!e.unchecked) return e;
  const { reactions: _r, ...rest } = e.unchecked;
  const unchecked: UncheckedPart = rest;
  if (values.size > 0) unchecked.reactions = Object.fromEntries([...values].map(([u, r]) => [u, { ...r }]));
  return { ...e, unchecked };
}

/** Whether two states show the same thing and remember the same times. */
export function sameReactions(a: ReactionState, b: ReactionState): boolean {
  return JSON.stringify([a.reactions ?? {}, a.reactedAt ?? {}]) === JSON.stringify([b.reactions ?? {}, b.reactedAt ?? {}]);
}

/**
 * The reactions an entry may show: those with a verified time. An entry indexed before reactions
 * were signed holds unsigned ones, which are not shown.
 * @example if (e.reactions) view.reactions = signedReactions(e);
 */
export function signedReactions(e: ReactionState): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [user, emoji] of Object.entries(e.reactions ?? {})) if (e.reactedAt?.[user] !== undefined) out[user] = emoji;
  return out;
}

function take(reactions: Record<string, string>, reactedAt: Record<string, number>, user: string, r: Reaction): void {
  reactedAt[user] = r.at;
  if (r.emoji === null) delete reactions[user];
  else reactions[user] = r.emoji;
}

const byKey = ([a]: [string, unknown], [b]: [string, unknown]) => (a < b ? -1 : a > b ? 1 : 0);

function sorted(reactions: Record<string, string>, reactedAt: Record<string, number>): ReactionState {
  const out: ReactionState = {};
  if (Object.keys(reactions).length > 0) out.reactions = Object.fromEntries(Object.entries(reactions).sort(byKey));
  if (Object.keys(reactedAt).length > 0) out.reactedAt = Object.fromEntries(Object.entries(reactedAt).sort(byKey));
  return out;
}
