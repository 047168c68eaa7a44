// The mekong-chat commands, on top of the public client API.
import type { Conversation, MekongClient, MessageView } from '../index';
import { UsageError, type Parsed } from './args';

export type Out = (line: string) => void;

function need(p: Parsed, n: number, what: string): string[] {
  if (p.args.length < n) throw new UsageError(`${p.command} needs ${what}; run mekong-chat --help`);
  return p.args;
}

function requireSession(client: MekongClient, p: Parsed): void {
  if (!client.session) {
    throw new UsageError(`no account on this device (${p.home}); run: mekong-chat --server ${p.server} --home ${p.home} login USERNAME --password PW`);
  }
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
      const [username, ...words] = need(p, 2, 'USERNAME TEXT');
      const conv = await client.openDirect(username!);
      const m = await conv.send(words.join(' '));
      await conv.synced(p.timeoutMs);
      out(`sent ${m.id}`);
      conv.close();
      return;
    }
    case 'read': {
      requireSession(client, p);
      const [username] = need(p, 1, 'USERNAME');
      const conv = await findConversation(client, username!);
      const messages = conv ? await readAll(conv, p.timeoutMs) : [];
      if (p.json) {
        out(JSON.stringify(messages.map((m) => ({ id: m.id, from: m.from.username ?? m.from.userId, text: m.text, sentAt: m.sentAt, status: m.status }))));
      } else {
        for (const m of messages) out(`[${new Date(m.sentAt).toISOString()}] ${m.from.username ?? m.from.userId}: ${m.text}`);
      }
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
    default:
      throw new UsageError(`unknown command "${p.command}"; use register, login, send, read or safety-number`);
  }
}

async function findConversation(client: MekongClient, username: string): Promise<Conversation | undefined> {
  const peer = await client.findUser(username);
  const find = async () => (await client.conversations()).find((c) => c.peer.id === peer.id);
  let hit = await find();
  if (!hit && 'refreshConversations' in client) {
    await (client as unknown as { refreshConversations(): Promise<void> }).refreshConversations();
    hit = await find();
  }
  return hit ? client.open(hit.id) : undefined;
}

async function readAll(conv: Conversation, timeoutMs: number): Promise<MessageView[]> {
  await conv.synced(timeoutMs);
  while (await conv.loadOlder(500)) {
    /* page back to the first message */
  }
  return conv.messages();
}
