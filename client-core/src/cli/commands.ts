// The mekong-chat commands, on top of the public client API.
import type { Conversation, MekongClient } from '../index';
import { type Parsed, UsageError } from './args';
import { type Out, printMessages } from './format';
import { group, listGroups, readAll, readGroup, sendToGroup } from './group-commands';
import { catchUp, findUser, requireSession } from './lookup';
import { blocks, friend, messageRequests, search } from './social-commands';

export type { Out } from './format';

function need(p: Parsed, n: number, what: string): string[] {
  if (p.args.length < n) throw new UsageError(`${p.command} needs ${what}; run mekong-chat ${p.command} --help`);
  return p.args;
}

export async function run(client: MekongClient, p: Parsed, out: Out): Promise<void> {
  switch (p.command) {
    case 'register': {
      const [username] = need(p, 1, 'USERNAME');
      if (!p.password) throw new UsageError('register needs --password PW');
      const s = await client.register({ username: username!, password: p.password, displayName: p.name ?? username! });
      out(`registered ${s.username} (user ${s.userId}, device ${s.deviceId})`);
      return;
    }
    case 'login': {
      const [username] = need(p, 1, 'USERNAME');
      if (!p.password) throw new UsageError('login needs --password PW');
      if (client.session) {
        if (client.session.username === username!.toLowerCase()) {
          out(`already logged in as ${client.session.username}`);
          return;
        }
        throw new UsageError(`this home belongs to ${client.session.username}; use another --home`);
      }
      const s = await client.login({ username: username!, password: p.password });
      out(`logged in as ${s.username} (device ${s.deviceId})`);
      return;
    }
    case 'send': {
      requireSession(client, p);
      if (p.group !== undefined) return sendToGroup(client, p, p.group, out);
      const [username, ...words] = need(p, 2, 'USERNAME TEXT (or --group GROUP TEXT)');
      const conv = await client.openDirect(username!);
      const m = await conv.send(words.join(' '));
      await conv.synced(p.timeoutMs);
      out(`sent ${m.id}`);
      conv.close();
      return;
    }
    case 'read': {
      requireSession(client, p);
      if (p.group !== undefined) return readGroup(client, p, p.group, out);
      const [username] = need(p, 1, 'USERNAME (or --group GROUP)');
      const conv = await findConversation(client, username!);
      printMessages(conv ? await readAll(conv, p.timeoutMs) : [], p.json, out);
      conv?.close();
      return;
    }
    case 'safety-number': {
      requireSession(client, p);
      const [username] = need(p, 1, 'USERNAME');
      const s = await client.safetyNumber(username!);
      if (p.json) out(JSON.stringify(s));
      else {
        out(s.number);
        if (s.changed) out(`warning: ${username}'s identity key changed since you first saw it; compare this number in person`);
      }
      return;
    }
    case 'friend':
      requireSession(client, p);
      return friend(client, p, out);
    case 'search':
      requireSession(client, p);
      return search(client, p, out);
    case 'block':
    case 'unblock':
    case 'blocked':
      requireSession(client, p);
      return blocks(client, p, out);
    case 'requests':
      requireSession(client, p);
      return messageRequests(client, p, out);
    case 'group':
      requireSession(client, p);
      return group(client, p, out);
    case 'groups':
      requireSession(client, p);
      return listGroups(client, p, out);
    default:
      throw new UsageError(`unknown command "${p.command}"; run mekong-chat --help for the list (register, login, send, read, friend, group, groups, …)`);
  }
}

async function findConversation(client: MekongClient, username: string): Promise<Conversation | undefined> {
  const peer = await findUser(client, username);
  const find = async () => (await client.conversations()).find((c) => c.kind === 'direct' && c.peer.id === peer.id);
  let hit = await find();
  if (!hit) {
    await catchUp(client);
    hit = await find();
  }
  return hit ? client.open(hit.id) : undefined;
}
