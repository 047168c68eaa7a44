// The message model stored inside a conversation document. Complete now even where a feature comes later.
import { z } from 'zod';
import { sortKeys } from './sort-keys';

export const MessageKind = z.enum(['text', 'sticker', 'image', 'video', 'file', 'system']);
export type MessageKind = z.infer<typeof MessageKind>;

/** Longest message body, in characters. */
export const MAX_BODY_CHARS = 16_000;

const id = z.string().min(1).max(128);
const b64 = z.string().max(2_000_000).regex(/^[A-Za-z0-9_-]*$/);

/** An encrypted thumbnail: small enough to live inline in the document. */
export const Thumbnail = z.strictObject({
  data: b64,
  mime: z.string().max(100),
  width: z.number().int().positive().max(10_000),
  height: z.number().int().positive().max(10_000),
});

/** A reference to an encrypted blob; `key` decrypts it and never reaches the server in clear. */
export const MediaRef = z.strictObject({
  blobId: id,
  key: b64,
  mime: z.string().max(100),
  size: z.number().int().nonnegative(),
  name: z.string().max(255).optional(),
  width: z.number().int().positive().max(100_000).optional(),
  height: z.number().int().positive().max(100_000).optional(),
  durationMs: z.number().int().nonnegative().optional(),
  thumbnail: Thumbnail.optional(),
});
export type MediaRef = z.infer<typeof MediaRef>;

export const Author = z.strictObject({ user: id, device: id });
export type Author = z.infer<typeof Author>;

export const ForwardedFrom = z.strictObject({ conv: id.optional(), messageId: id, author: id });

/**
 * One message. Edits replace the value with a new body and `editedAt`; a recall keeps the
 * tombstone (`recalledAt`) and drops body and media, so the next snapshot no longer holds them.
 * `sig` is the author device's signature over `canonicalMessage(conv, message)`.
 */
export const Message = z.strictObject({
  id,
  author: Author,
  kind: MessageKind,
  body: z.string().max(MAX_BODY_CHARS),
  media: MediaRef.optional(),
  replyTo: id.optional(),
  forwardedFrom: ForwardedFrom.optional(),
  sentAt: z.number().int().nonnegative(),
  editedAt: z.number().int().nonnegative().optional(),
  recalledAt: z.number().int().nonnegative().optional(),
  sig: b64,
});
export type Message = z.infer<typeof Message>;

/** A detached Ed25519 signature (64 bytes) in unpadded base64url. */
const signature = z.string().length(86).regex(/^[A-Za-z0-9_-]*$/);

/** What a reaction shows: one emoji (with its modifiers), at most 32 characters. */
export const ReactionEmoji = z.string().min(1).max(32);

/**
 * One user's reaction to one message, under `${messageId}|${userId}` in the reactions map. Removing
 * a reaction writes a value too (`emoji: null`), never a deleted key, and `at` orders one user's
 * values on one message: a reader shows the newest it has verified. `sig` is the signature of
 * `device`, a device of that user, over `canonicalReaction(conv, messageId, userId, value)`.
 */
export const Reaction = z.strictObject({
  emoji: ReactionEmoji.nullable(),
  at: z.number().int().nonnegative(),
  device: id,
  sig: signature,
});
export type Reaction = z.infer<typeof Reaction>;

/** A member's read cursor: the newest message they have seen. Key is the user id. */
export const ReadCursor = z.strictObject({ messageId: id, sentAt: z.number().int().nonnegative(), at: z.number().int().nonnegative() });
export type ReadCursor = z.infer<typeof ReadCursor>;

/**
 * Whether a message is pinned, under the message id in the pins map. Unpinning writes a value too
 * (`pinned: false`), never a deleted key; `at` orders the values of one message (the newest
 * verified one counts). `sig` is the signature of `device`, a device of `by`, over
 * `canonicalPin(conv, messageId, value)`.
 */
export const Pin = z.strictObject({
  by: id,
  device: id,
  pinned: z.boolean(),
  at: z.number().int().nonnegative(),
  sig: signature,
});
export type Pin = z.infer<typeof Pin>;

/** Names of the top-level maps in a conversation document. */
export const DocMaps = {
  messages: 'messages',
  reactions: 'reactions',
  reads: 'reads',
  pins: 'pins',
  meta: 'meta',
} as const;

/**
 * The exact bytes an author signs for a message: everything but the signature, in a fixed
 * field order, bound to the conversation. Edits and recalls are re-signed by the author.
 */
export function canonicalMessage(conv: string, m: Omit<Message, 'sig'>): Uint8Array {
  const fields = [
    'mekong/v1/message',
    conv,
    m.id,
    m.author.user,
    m.author.device,
    m.kind,
    m.body,
    m.media ? JSON.stringify(sortKeys(m.media)) : '',
    m.replyTo ?? '',
    m.forwardedFrom ? JSON.stringify(sortKeys(m.forwardedFrom)) : '',
    String(m.sentAt),
    m.editedAt === undefined ? '' : String(m.editedAt),
    m.recalledAt === undefined ? '' : String(m.recalledAt),
  ];
  return lengthPrefixed(fields);
}

/**
 * The exact bytes a user's device signs for a reaction: bound to the conversation, the message, the
 * user who reacts and the signing device, the emoji (or its removal) and the time, so a signature
 * cannot be moved to another message, conversation, user or emoji.
 */
export function canonicalReaction(conv: string, messageId: string, userId: string, r: Omit<Reaction, 'sig'>): Uint8Array {
  return lengthPrefixed([
    'mekong/v1/reaction',
    conv,
    messageId,
    userId,
    r.device,
    r.emoji === null ? 'removed' : 'set',
    r.emoji ?? '',
    String(r.at),
  ]);
}

/** The exact bytes a pinning user's device signs: conversation, message, user, device, pinned or not, time. */
export function canonicalPin(conv: string, messageId: string, p: Omit<Pin, 'sig'>): Uint8Array {
  return lengthPrefixed(['mekong/v1/pin', conv, messageId, p.by, p.device, p.pinned ? 'pinned' : 'unpinned', String(p.at)]);
}

/** Length-prefixed fields, so that no two different field lists share canonical bytes. */
function lengthPrefixed(fields: string[]): Uint8Array {
  return new TextEncoder().encode(fields.map((s) => `${s.length}:${s}`).join(''));
}

