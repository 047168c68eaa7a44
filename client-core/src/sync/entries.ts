// The decrypted message index: what the app shows, kept beside the document so that opening a
// conversation reads the latest page from storage without loading the whole history.
import type { Message } from '@mekong/schema';
import { fromBytes, toBytes } from '../local/json';
import { K } from '../local/keys';
import type { StorageOp, StoragePort } from '../storage';

export interface MessageEntry {
  id: string;
  author: { user: string; device: string };
  kind: Message['kind'];
  text: string;
  sentAt: number;
  editedAt?: number;
  recalled?: boolean;
  replyTo?: string;
  /** user id → emoji; absent when nobody reacted */
  reactions?: Record<string, string>;
  status: 'pending' | 'sent';
}

export function entryFromMessage(m: Message, status: MessageEntry['status'], reactions: Record<string, string> = {}): MessageEntry {
  const e: MessageEntry = {
    id: m.id,
    author: { user: m.author.user, device: m.author.device },
    kind: m.kind,
    text: m.recalledAt ? '' : m.body,
    sentAt: m.sentAt,
    status,
  };
  if (m.editedAt !== undefined) e.editedAt = m.editedAt;
  if (m.recalledAt !== undefined) e.recalled = true;
  if (m.replyTo !== undefined) e.replyTo = m.replyTo;
  if (Object.keys(reactions).length > 0) e.reactions = reactions;
  return e;
}

export const putEntryOp = (conv: string, e: MessageEntry): StorageOp => ({
  type: 'put',
  key: K.msg(conv, e.sentAt, e.id),
  value: toBytes(e),
});

/** The newest `limit` entries before `beforeKey` (exclusive), oldest first. */
export async function readEntries(
  storage: StoragePort,
  conv: string,
  limit: number,
  before?: { sentAt: number; id: string },
): Promise<MessageEntry[]> {
  const rows = await storage.range(K.msgPrefix(conv), {
    reverse: true,
    limit,
    ...(before ? { before: K.msg(conv, before.sentAt, before.id) } : {}),
  });
  return rows.map(([, v]) => fromBytes<MessageEntry>(v)).reverse();
}

export async function readEntry(storage: StoragePort, conv: string, sentAt: number, id: string) {
  const v = await storage.get(K.msg(conv, sentAt, id));
  return v ? fromBytes<MessageEntry>(v) : undefined;
}
