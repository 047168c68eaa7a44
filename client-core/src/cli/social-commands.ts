// mekong-chat commands for people: friend, search, block, unblock, blocked, requests.
import { ErrorCode, MekongError } from '@mekong/schema';
import type { FriendRequestInfo, MekongClient, Relation } from '../index';
import { type Parsed, UsageError } from './args';
import { type Out, person, personJson } from './format';
import { clean, findUser } from './lookup';

const RELATION: Record<Relation, string> = {
  none: '',
  friend: 'friend',
  outgoing: 'you asked to be friends',
  incoming: 'asked to be your friend',
  blocked: 'blocked',
};

/** `friend add|accept|reject|cancel|remove USER`, `friend list`, `friend requests`. */
export async function friend(client: MekongClient, p: Parsed, out: Out): Promise<void> {
  const [sub, username, ...extra] = p.args;
  const needUser = (): string => {
    if (!username || extra.length) throw new UsageError(`friend ${sub} needs one USER; run mekong-chat friend --help`);
    return username;
  };
  switch (sub) {
    case 'add': {
      const user = await findUser(client, needUser());
      const status = await client.social.sendFriendRequest(user.username);
      out(status === 'friends' ? `you and ${person(user)} are now friends` : `friend request sent to ${person(user)}`);
      return;
    }
    case 'accept': {
      const f = await client.social.acceptFriendRequest((await findUser(client, needUser())).username);
      out(`you and ${person(f.user)} are now friends`);
      return;
    }
    case 'reject': {
      const user = await findUser(client, needUser());
      await client.social.rejectFriendRequest(user.username);
      out(`rejected the friend request from ${person(user)}`);
      return;
    }
    case 'cancel': {
      const user = await findUser(client, needUser());
      await client.social.cancelFriendRequest(user.username);
      out(`withdrew your friend request to ${person(user)}`);
      return;
    }
    case 'remove': {
      const user = await findUser(client, needUser());
      await client.social.removeFriend(user.username);
      out(`${person(user)} is no longer your friend`);
      return;
    }
    case 'list': {
      const friends = await client.social.friends();
      if (p.json) out(JSON.stringify(friends.map((f) => ({ ...personJson(f.user), since: f.since }))));
      else if (friends.length === 0) out('no friends yet; add one with: mekong-chat friend add USER');
      else for (const f of friends) out(person(f.user));
      return;
    }
    case 'requests': {
      const { incoming, outgoing } = await client.social.friendRequests();
      const json = (r: FriendRequestInfo) => ({ ...personJson(r.user), createdAt: r.createdAt });
      if (p.json) {
        out(JSON.stringify({ incoming: incoming.map(json), outgoing: outgoing.map(json) }));
        return;
      }
      if (!incoming.length && !outgoing.length) out('no pending friend requests');
      for (const r of incoming) out(`${person(r.user)} asked to be your friend (friend accept ${r.user.username} / friend reject ${r.user.username})`);
      for (const r of outgoing) out(`you asked ${person(r.user)} to be friends (friend cancel ${r.user.username} withdraws it)`);
      return;
    }
    default:
      throw new UsageError(`${sub ? `unknown friend command "${sub}"` : 'friend needs a command'}: add, accept, reject, cancel, remove, list or requests`);
  }
}

/** `search QUERY`: people by name or username. */
export async function search(client: MekongClient, p: Parsed, out: Out): Promise<void> {
  const query = p.args.join(' ').trim();
  if (!query) throw new UsageError('search needs QUERY: part of a name or a username');
  const hits = await client.social.searchUsers(query);
  if (p.json) {
    out(JSON.stringify(hits.map((h) => ({ ...personJson(h.user), relation: h.relation, exact: h.exact }))));
    return;
  }
  if (hits.length === 0) out(`nobody found for "${query}"`);
  for (const h of hits) out(`${person(h.user)}${RELATION[h.relation] ? `  ${RELATION[h.relation]}` : ''}`);
}

/** `block USER`, `unblock USER`, `blocked`. */
export async function blocks(client: MekongClient, p: Parsed, out: Out): Promise<void> {
  if (p.command === 'blocked') {
    const list = await client.social.blocked();
    if (p.json) out(JSON.stringify(list.map(personJson)));
    else if (list.length === 0) out('you have blocked nobody');
    else for (const u of list) out(person(u));
    return;
  }
  if (p.args.length !== 1) throw new UsageError(`${p.command} needs one USER; run mekong-chat ${p.command} --help`);
  const user = await findUser(client, p.args[0]!);
  if (p.command === 'block') {
    await client.social.block(user.username);
    out(`blocked ${person(user)}: they can no longer reach you`);
  } else {
    await client.social.unblock(user.username);
    out(`unblocked ${person(user)}`);
  }
}

/** `requests`: conversations started by people who are not friends; `requests accept USER`. */
export async function messageRequests(client: MekongClient, p: Parsed, out: Out): Promise<void> {
  const [sub, username] = p.args;
  const requests = await client.social.messageRequests();
  if (sub === 'accept') {
    if (!username || p.args.length !== 2) throw new UsageError('requests accept needs one USER; run mekong-chat requests --help');
    const u = clean(username);
    const hit = requests.find((r) => r.from.username === u);
    if (!hit) throw new MekongError(ErrorCode.NOT_FOUND, `There is no message request from @${u}.`);
    await client.social.acceptMessageRequest(hit.conversationId);
    out(`accepted the message request from ${person(hit.from)}`);
    return;
  }
  if (sub) throw new UsageError(`unknown requests command "${sub}": use "requests" or "requests accept USER"`);
  if (p.json) {
    out(JSON.stringify(requests.map((r) => ({ conversationId: r.conversationId, from: r.from.username, displayName: r.from.displayName }))));
    return;
  }
  if (requests.length === 0) out('no message requests');
  for (const r of requests) out(`${person(r.from)} wants to message you (read ${r.from.username}; requests accept ${r.from.username})`);
}
