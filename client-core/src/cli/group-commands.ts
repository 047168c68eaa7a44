// mekong-chat commands for groups: groups, group create|add|remove|role|leave|rename|disband|info,
// and the group side of send and read. GROUP is an id, or a name only one of the user's groups has.
import { ErrorCode, MekongError } from '@mekong/schema';
import type { Conversation, GroupInfo, GroupRole, MekongClient, MessageView } from '../index';
import { type Parsed, UsageError } from './args';
import { groupJson, groupLine, type Out, person, printGroup, printMessages } from './format';
import { catchUp, findUser, groupSummaries, resolveGroup, withNames } from './lookup';

const ROLES: readonly GroupRole[] = ['member', 'admin', 'owner'];
const RANK: Record<GroupRole, number> = { member: 0, admin: 1, owner: 2 };

/**
 * The same rules the signed log enforces (which still has the last word), checked first so the
 * refusal names the group and the person.
 */
function refuse(message: string): never {
  throw new MekongError(ErrorCode.FORBIDDEN, message);
}

/** `groups`: every group this user is in, with members by username. */
export async function listGroups(client: MekongClient, p: Parsed, out: Out): Promise<void> {
  await catchUp(client);
  const groups = await withNames(client, () => groupSummaries(client), (gs) => gs.flatMap((g) => g.group.members));
  if (p.json) {
    out(JSON.stringify(groups.map((g) => groupJson(g.group, g.unverifiedMembers))));
    return;
  }
  if (groups.length === 0) out('no groups yet; create one with: mekong-chat group create NAME --members a,b');
  for (const g of groups) out(groupLine(g.group));
}

/** `group SUBCOMMAND ...` */
export async function group(client: MekongClient, p: Parsed, out: Out): Promise<void> {
  const [sub, ...rest] = p.args;
  switch (sub) {
    case 'create':
      return create(client, p, rest, out);
    case 'add': {
      const [ref, username] = exactly(rest, 2, 'add GROUP USER');
      const role = p.role ?? 'member';
      if (role !== 'member' && role !== 'admin') throw new UsageError(`--role for group add is member or admin, not "${role}"`);
      const g = await resolveGroup(client, ref);
      const user = await findUser(client, username);
      if (g.group.members.some((m) => m.id === user.id)) throw new MekongError(ErrorCode.CONFLICT, `${person(user)} is already in “${g.group.name}”.`);
      if (RANK[g.group.role] < RANK.admin) refuse(`Only admins and the owner add members to “${g.group.name}”; you are a member.`);
      if (role === 'admin' && g.group.role !== 'owner') refuse(`Only the owner of “${g.group.name}” adds admins.`);
      // be online and caught up first: adding posts a note and a snapshot of the history for the newcomer
      const conv = await client.open(g.id);
      try {
        await conv.synced(p.timeoutMs);
        await client.addMember(g.id, user.username, role);
        await conv.synced(p.timeoutMs);
      } finally {
        conv.close();
      }
      return changed(client, g.id, p, out, `added ${person(user)} to “${g.group.name}”${role === 'admin' ? ' as admin' : ''}`);
    }
    case 'remove': {
      const [ref, username] = exactly(rest, 2, 'remove GROUP USER');
      const g = await resolveGroup(client, ref);
      const user = await findUser(client, username);
      if (!g.group.members.some((m) => m.id === user.id)) throw new MekongError(ErrorCode.NOT_FOUND, `${person(user)} is not in “${g.group.name}”.`);
      if (user.id === client.session!.userId) throw new UsageError('to leave a group yourself, use: mekong-chat group leave GROUP');
      const target = g.group.members.find((m) => m.id === user.id)!;
      if (RANK[g.group.role] < RANK.admin) refuse(`Only admins and the owner remove members from “${g.group.name}”; you are a member.`);
      if (RANK[g.group.role] <= RANK[target.role]) refuse(`You are ${g.group.role} of “${g.group.name}” and cannot remove its ${target.role} ${person(user)}.`);
      await client.removeMember(g.id, user.username);
      return changed(client, g.id, p, out, `removed ${person(user)} from “${g.group.name}”; they get no key for what is sent from now on`);
    }
    case 'role': {
      const [ref, username, roleArg] = exactly(rest, 3, 'role GROUP USER ROLE');
      const role = roleArg.toLowerCase() as GroupRole;
      if (!ROLES.includes(role)) throw new UsageError(`unknown role "${roleArg}": use member, admin or owner`);
      const g = await resolveGroup(client, ref);
      const user = await findUser(client, username);
      const member = g.group.members.find((m) => m.id === user.id);
      if (!member) throw new MekongError(ErrorCode.NOT_FOUND, `${person(user)} is not in “${g.group.name}”.`);
      if (g.group.role !== 'owner') refuse(`Only the owner of “${g.group.name}” changes roles.`);
      if (user.id === client.session!.userId) throw new UsageError('the owner hands over ownership by making someone else owner: group role GROUP USER owner');
      if (member.role === role) throw new MekongError(ErrorCode.CONFLICT, `${person(user)} is already ${role} of “${g.group.name}”.`);
      await client.setRole(g.id, user.username, role);
      const note = role === 'owner' ? `${person(user)} now owns “${g.group.name}”; you are an admin` : `${person(user)} is now ${role} of “${g.group.name}”`;
      return changed(client, g.id, p, out, note);
    }
    case 'leave': {
      const [ref] = exactly(rest, 1, 'leave GROUP');
      const g = await resolveGroup(client, ref);
      if (g.group.role === 'owner' && g.group.members.length > 1) {
        throw new MekongError(
          ErrorCode.FORBIDDEN,
          `You own “${g.group.name}”: make someone else owner first (group role GROUP USER owner), or disband it.`,
        );
      }
      await client.leaveGroup(g.id);
      if (p.json) out(JSON.stringify({ id: g.id, name: g.group.name, left: true }));
      else out(`left “${g.group.name}”`);
      return;
    }
    case 'rename': {
      const [ref, ...words] = rest;
      const name = words.join(' ').trim();
      if (!ref || !name) throw new UsageError('group rename needs GROUP NAME; run mekong-chat group --help');
      const g = await resolveGroup(client, ref);
      await client.updateGroup(g.id, { name });
      return changed(client, g.id, p, out, `renamed “${g.group.name}” to “${name}”`);
    }
    case 'disband': {
      const [ref] = exactly(rest, 1, 'disband GROUP');
      const g = await resolveGroup(client, ref);
      if (g.group.role !== 'owner') throw new MekongError(ErrorCode.FORBIDDEN, `Only the owner can disband “${g.group.name}”.`);
      await client.disbandGroup(g.id);
      if (p.json) out(JSON.stringify({ id: g.id, name: g.group.name, disbanded: true }));
      else out(`disbanded “${g.group.name}”`);
      return;
    }
    case 'info': {
      const [ref] = exactly(rest, 1, 'info GROUP');
      const g = await resolveGroup(client, ref);
      const named = await namedGroup(client, g.id);
      if (p.json) out(JSON.stringify(groupJson(named.group, named.unverifiedMembers)));
      else printGroup(named.group, out, named.unverifiedMembers);
      return;
    }
    default:
      throw new UsageError(
        `${sub ? `unknown group command "${sub}"` : 'group needs a command'}: create, add, remove, role, leave, rename, disband or info; run mekong-chat group --help`,
      );
  }
}

/** `send --group GROUP TEXT`: returns once the relay has acknowledged the message. */
export async function sendToGroup(client: MekongClient, p: Parsed, ref: string, out: Out): Promise<void> {
  const text = p.args.join(' ');
  if (!text.trim()) throw new UsageError('send --group GROUP needs TEXT');
  const g = await resolveGroup(client, ref);
  const conv = await client.open(g.id);
  try {
    const m = await conv.send(text);
    await conv.synced(p.timeoutMs);
    out(p.json ? JSON.stringify({ id: m.id, group: g.id }) : `sent ${m.id}`);
  } finally {
    conv.close();
  }
}

/** `read --group GROUP`: catches up with the relay first, then prints the whole history. */
export async function readGroup(client: MekongClient, p: Parsed, ref: string, out: Out): Promise<void> {
  if (p.args.length) throw new UsageError('read --group GROUP takes no other arguments');
  const g = await resolveGroup(client, ref);
  await namedGroup(client, g.id); // member names, so messages show usernames
  const conv = await client.open(g.id);
  try {
    printMessages(await readAll(conv, p.timeoutMs), p.json, out);
  } finally {
    conv.close();
  }
}

/** Every message of a conversation, after catching up with the relay. */
export async function readAll(conv: Conversation, timeoutMs: number): Promise<MessageView[]> {
  await conv.synced(timeoutMs);
  while (await conv.loadOlder(500)) {
    /* page back to the first message */
  }
  return conv.messages();
}

async function create(client: MekongClient, p: Parsed, words: string[], out: Out): Promise<void> {
  const name = words.join(' ').trim();
  if (!name) throw new UsageError('group create needs NAME (and usually --members a,b,c)');
  // look every member up first, so an unknown one is named and nothing is created
  const members = [];
  for (const u of p.members ?? []) members.push(await findUser(client, u));
  const g = await client.createGroup({ name, members: members.map((m) => m.username) });
  const named = await namedGroup(client, g.id);
  if (p.json) {
    out(JSON.stringify(groupJson(named.group)));
    return;
  }
  out(`created “${named.group.name}” with ${named.group.members.map((m) => person(m)).join(', ')}`);
  out(`id: ${g.id}`);
}

/** After a change: one line, or with --json the group as it now is. */
async function changed(client: MekongClient, id: string, p: Parsed, out: Out, line: string): Promise<void> {
  if (!p.json) {
    out(line);
    return;
  }
  const named = await namedGroup(client, id);
  out(JSON.stringify(groupJson(named.group, named.unverifiedMembers)));
}

/** The group as the conversation list has it, with member usernames loaded. */
async function namedGroup(client: MekongClient, id: string): Promise<{ group: GroupInfo; unverifiedMembers?: string[] }> {
  const read = async () => {
    const hit = (await groupSummaries(client)).find((g) => g.id === id);
    if (!hit) throw new MekongError(ErrorCode.NOT_FOUND, 'You are no longer in this group.');
    return hit;
  };
  return withNames(client, read, (g) => g.group.members);
}

function exactly(args: string[], n: 1, what: string): [string];
function exactly(args: string[], n: 2, what: string): [string, string];
function exactly(args: string[], n: 3, what: string): [string, string, string];
function exactly(args: string[], n: number, what: string): string[] {
  if (args.length !== n || args.some((a) => !a.trim())) throw new UsageError(`group ${what}: wrong number of arguments; run mekong-chat group --help`);
  return args;
}
