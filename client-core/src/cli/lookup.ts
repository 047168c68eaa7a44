// Finding what a command names: the signed-in user, other users, and groups by id or by name.
import { ErrorCode, isMekongError, MekongError } from '@mekong/schema';
import type { ConversationSummary, GroupInfo, MekongClient, UserProfile } from '../index';
import { type Parsed, UsageError } from './args';

export function requireSession(client: MekongClient, p: Parsed): void {
  if (!client.session) {
    throw new UsageError(`no account on this device (${p.home}); run: mekong-chat --server ${p.server} --home ${p.home} login USERNAME --password PW`);
  }
}

/** Fetch the conversation list from the server, so groups and chats started elsewhere are followed. */
export async function catchUp(client: MekongClient): Promise<void> {
  // refreshConversations is on the client class, not on the MekongClient interface
  const c = client as MekongClient & { refreshConversations?: () => Promise<void> };
  if (typeof c.refreshConversations === 'function') await c.refreshConversations();
}

/** The user named `username`; an unknown name fails naming it (the server only says "no such user"). */
export async function findUser(client: MekongClient, username: string): Promise<UserProfile> {
  try {
    return await client.findUser(username);
  } catch (err) {
    if (isMekongError(err, ErrorCode.NOT_FOUND)) throw new MekongError(ErrorCode.NOT_FOUND, `There is no user @${clean(username)}.`);
    throw err;
  }
}

/** A group this user is in, named by its id or by a name only one of their groups has (case-insensitive). */
export async function resolveGroup(client: MekongClient, ref: string): Promise<ConversationSummary & { group: GroupInfo }> {
  await catchUp(client);
  const groups = await groupSummaries(client);
  const byId = groups.find((g) => g.id === ref);
  if (byId) return byId;
  const key = fold(ref);
  const byName = groups.filter((g) => fold(g.group.name) === key);
  if (byName.length === 1) return byName[0]!;
  if (byName.length > 1) {
    throw new UsageError(`${byName.length} of your groups are named "${ref}"; use the id: ${byName.map((g) => g.id).join(', ')}`);
  }
  throw new MekongError(
    ErrorCode.NOT_FOUND,
    `You are not in a group "${ref}": it does not exist, or you left or were removed; "mekong-chat groups" lists yours.`,
  );
}

/** The groups of the conversation list, as this device verified them, by name. */
export async function groupSummaries(client: MekongClient): Promise<Array<ConversationSummary & { group: GroupInfo }>> {
  const all = await client.conversations();
  return all
    .filter((c): c is ConversationSummary & { group: GroupInfo } => c.kind === 'group' && c.group !== undefined)
    .sort((a, b) => a.group.name.localeCompare(b.group.name) || a.id.localeCompare(b.id));
}

/**
 * Read again until every member has a username. The client loads member profiles in the
 * background and says so through onConversationsChanged; a command prints names, not ids.
 * After `timeoutMs` whatever is known is returned (missing names print as user ids).
 */
export async function withNames<T>(client: MekongClient, read: () => Promise<T>, members: (t: T) => Array<{ username: string }>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (members(value).some((m) => !m.username) && Date.now() < deadline) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, 200);
      const off = client.onConversationsChanged(done);
      function done() {
        clearTimeout(timer);
        off();
        resolve();
      }
    });
    value = await read();
  }
  return value;
}

/** A user name as the server stores it. */
export function clean(username: string): string {
  return username.trim().toLowerCase().replace(/^@/, '');
}

function fold(s: string): string {
  return s.normalize('NFC').trim().toLocaleLowerCase('vi');
}
