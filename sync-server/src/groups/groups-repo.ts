// The group directory: the rows beside the log that name a group and describe it, and who may
// do what with them. Members and roles are read from conversation_members, the log's mirror.
import { ErrorCode, type Group, MekongError, type Role } from '@mekong/schema';
import type { Kysely } from 'kysely';
import { type Db, inTransaction } from '../db';
import { appendEntry, type AppendInput } from './log-append';

export interface Membership {
  kind: 'direct' | 'group';
  /** The caller's role; null when the conversation exists and the caller is not in it. */
  role: Role | null;
}

/** The conversation's kind and `userId`'s role in it; NOT_FOUND when the conversation does not exist. */
export async function membershipOf(db: Kysely<Db>, conv: string, userId: string): Promise<Membership> {
  const row = await db
    .selectFrom('conversations as c')
    .leftJoin('conversation_members as m', (j) => j.onRef('m.conversation_id', '=', 'c.id').on('m.user_id', '=', userId))
    .select(['c.kind', 'm.role'])
    .where('c.id', '=', conv)
    .executeTakeFirst();
  if (!row) throw new MekongError(ErrorCode.NOT_FOUND, 'There is no such conversation.');
  return { kind: row.kind, role: row.role };
}

/** `userId`'s role in the group: NOT_FOUND for no such group, NOT_MEMBER for an outsider. */
export async function requireGroupRole(db: Kysely<Db>, id: string, userId: string): Promise<Role> {
  const m = await membershipOf(db, id, userId).catch((err: unknown) => {
    throw err instanceof MekongError && err.code === ErrorCode.NOT_FOUND ? noSuchGroup() : err;
  });
  if (m.kind !== 'group') throw noSuchGroup();
  if (m.role === null) throw new MekongError(ErrorCode.NOT_MEMBER, 'You are not a member of this group.');
  return m.role;
}

export const noSuchGroup = () => new MekongError(ErrorCode.NOT_FOUND, 'There is no such group.');

export interface NewGroup {
  name: string;
  description: string | null;
  avatar: string | null;
}

/**
 * Creates the group `input.entry.conv` from its signed create entry. An id in use, or used by a
 * disbanded group, is CONFLICT; the entry is then checked like any other append.
 */
export async function createGroup(db: Kysely<Db>, group: NewGroup, input: AppendInput): Promise<void> {
  const id = input.entry.conv;
  const taken = () => new MekongError(ErrorCode.CONFLICT, 'This group id is taken; pick another random id and sign the create entry again.');
  await inTransaction(db, async (trx) => {
    if (await trx.selectFrom('group_tombstones').select('id').where('id', '=', id).executeTakeFirst()) throw taken();
    const res = await trx
      .insertInto('conversations')
      .values({ id, kind: 'group', pair_key: null, created_at: input.now, created_by: input.author.userId })
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    if (Number(res.numInsertedOrUpdatedRows ?? 0n) !== 1) throw taken();
    await trx.insertInto('groups').values({ id, ...group, created_at: input.now, updated_at: input.now }).execute();
    await appendEntry(trx, input);
  });
}

export async function getGroup(db: Kysely<Db>, id: string): Promise<Group> {
  const row = await db
    .selectFrom('groups as g')
    .innerJoin('membership_heads as h', 'h.conversation_id', 'g.id')
    .select(['g.id', 'g.name', 'g.description', 'g.avatar', 'g.created_at', 'h.epoch', 'h.length'])
    .where('g.id', '=', id)
    .executeTakeFirst();
  if (!row) throw noSuchGroup();
  const members = await db.selectFrom('conversation_members').select(['user_id', 'role']).where('conversation_id', '=', id).orderBy('user_id').execute();
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    avatar: row.avatar,
    createdAt: row.created_at,
    members: members.map((m) => ({ userId: m.user_id, role: m.role })),
    epoch: row.epoch,
    logLength: row.length,
  };
}

/** Sets the fields present in `changes`; an absent field keeps its value, null clears it. */
export async function updateGroup(db: Kysely<Db>, id: string, changes: Partial<NewGroup>, now: number): Promise<void> {
  const set: Partial<NewGroup> & { updated_at: number } = { updated_at: now };
  if (changes.name !== undefined) set.name = changes.name;
  if (changes.description !== undefined) set.description = changes.description;
  if (changes.avatar !== undefined) set.avatar = changes.avatar;
  await db.updateTable('groups').set(set).where('id', '=', id).execute();
}

/**
 * Deletes the group and, by cascade, its members, log, heads, epoch holders and key envelopes;
 * keeps a tombstone of the id. The relay's copy of the encrypted history is the host's to purge.
 * Answers who were members when it went.
 */
export async function disbandGroup(db: Kysely<Db>, id: string, now: number): Promise<string[]> {
  return inTransaction(db, async (trx) => {
    const members = await trx.selectFrom('conversation_members').select('user_id').where('conversation_id', '=', id).execute();
    await trx.deleteFrom('conversations').where('id', '=', id).where('kind', '=', 'group').execute();
    await trx.insertInto('group_tombstones').values({ id, disbanded_at: now }).onConflict((oc) => oc.column('id').doNothing()).execute();
    return members.map((m) => m.user_id);
  });
}
