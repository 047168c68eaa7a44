// The end state a user would check: every acknowledged message exactly once at every member, with
// the right author and id, nothing else, and every replica of a conversation encoding the same
// document. Reads each member's local storage afresh (a reopened conversation scrolled to the top).
import type { MessageView } from '@mekong/client-core';
import type { Client } from '@mekong/client-core/testing';
import type { ClusterConversation } from './conversations';
import type { SentMessage } from './traffic';

export interface Verdict {
  /** Sends started. */
  sent: number;
  /** send() resolved: stored on the sender's device. */
  stored: number;
  /** Stored messages whose status at the sender is 'sent' (the relay acknowledged them). */
  acknowledged: number;
  /** Acknowledged messages missing at one member or more. */
  lost: number;
  /** Messages present more than once at one member or more. */
  duplicated: number;
  /** Messages at a member that nobody sent to that conversation, or with the wrong author or id. */
  unexpected: number;
  /** Conversations whose members' encoded documents differ. */
  divergent: number;
  /** The first few findings, for the failure message. */
  findings: string[];
  ok: boolean;
}

/** Every message of a conversation at one member: reopened, then scrolled back to the first one. */
export async function fullHistory(conv: ClusterConversation, username: string): Promise<MessageView[]> {
  const member = conv.members.find((m) => m.username === username);
  if (!member) throw new Error(`${username} is not a member of ${conv.label}`);
  const view = await member.client.open(conv.id);
  try {
    while (await view.loadOlder(1000)) {
      /* keep scrolling */
    }
    return view.messages();
  } finally {
    view.close();
  }
}

/** Checks the end state against what was sent; reads every member of every conversation. */
export async function verify(conversations: ClusterConversation[], sent: Map<string, SentMessage>): Promise<Verdict> {
  const findings: string[] = [];
  const note = (s: string) => {
    if (findings.length < 20) findings.push(s);
  };
  const all = [...sent.values()];
  const stored = all.filter((m) => m.id !== undefined);
  const acked = new Set<string>();
  const lost = new Set<string>();
  const duplicated = new Set<string>();
  let unexpected = 0;
  let divergent = 0;

  for (const conv of conversations) {
    const mine = stored.filter((m) => m.conv === conv);
    const byText = new Map(mine.map((m) => [m.text, m]));
    const histories = new Map<string, MessageView[]>();
    for (const member of conv.members) histories.set(member.username, await fullHistory(conv, member.username));
    // acknowledged: as the sender's own device shows it
    for (const m of mine) {
      const own = histories.get(m.from)!.find((v) => v.id === m.id);
      if (own?.status === 'sent') acked.add(m.text);
    }
    for (const [username, history] of histories) {
      const counts = new Map<string, number>();
      for (const v of history) {
        counts.set(v.text, (counts.get(v.text) ?? 0) + 1);
        const m = byText.get(v.text);
        const author = conv.members.find((u) => u.username === m?.from);
        if (!m || v.id !== m.id || v.from.userId !== author?.client.session?.userId) {
          unexpected++;
          note(`${conv.label}@${username}: unexpected message ${v.id} "${v.text.slice(0, 30)}"`);
        }
      }
      for (const m of mine) {
        const n = counts.get(m.text) ?? 0;
        if (n === 0 && acked.has(m.text)) {
          lost.add(m.text);
          note(`${conv.label}@${username}: acknowledged message "${m.text.slice(0, 30)}" is missing`);
        }
        if (n > 1) {
          duplicated.add(m.text);
          note(`${conv.label}@${username}: "${m.text.slice(0, 30)}" is there ${n} times`);
        }
      }
    }
    const states = await Promise.all(conv.members.map(async (u) => ({ u, bytes: await (u.client as unknown as Client).encodedState(conv.id) })));
    const first = states[0]!;
    const differing = states.filter((s) => Buffer.compare(Buffer.from(s.bytes), Buffer.from(first.bytes)) !== 0);
    if (differing.length > 0) {
      divergent++;
      note(`${conv.label}: encoded state of ${differing.map((s) => `${s.u.username} (${s.bytes.length} B)`).join(', ')} differs from ${first.u.username} (${first.bytes.length} B)`);
    }
  }
  for (const m of stored) if (!acked.has(m.text)) note(`${m.conv.label}: "${m.text.slice(0, 30)}" from ${m.from} is not acknowledged`);
  const failedSends = all.filter((m) => m.error);
  for (const m of failedSends.slice(0, 3)) note(`send failed: ${m.error?.message}`);
  const verdict = {
    sent: all.length,
    stored: stored.length,
    acknowledged: acked.size,
    lost: lost.size,
    duplicated: duplicated.size,
    unexpected,
    divergent,
    findings,
  };
  return {
    ...verdict,
    ok: failedSends.length === 0 && verdict.stored === verdict.sent && verdict.acknowledged === verdict.stored && verdict.lost + verdict.duplicated + verdict.unexpected + verdict.divergent === 0,
  };
}
