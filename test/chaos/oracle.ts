// What every replica must show at the end of a chaos run, built from the operations that
// succeeded, and the comparison that turns what replicas show into Jepsen-style counts.
import type { MessageView } from '@mekong/client-core';

interface Expected {
  author: string;
  text: string;
  recalled: boolean;
  reactions: Map<string, string>;
}

/** Counts in Jepsen's terms, plus state that arrived but is wrong. */
export interface Verdict {
  /** messages whose send resolved */
  attempted: number;
  /** present, once, with the right final state, on every replica */
  ok: number;
  /** missing on at least one replica */
  lost: number;
  /** shown more than once on at least one replica */
  duplicated: number;
  /** shown somewhere but never sent */
  unexpected: number;
  /** at risk when sent (author offline, restarted or cut off before the relay acknowledged) and present everywhere */
  recovered: number;
  /** present but with a stale text, recall or reaction on at least one replica */
  divergent: number;
  /** first few differences, for the failure message */
  examples: string[];
}

export class Oracle {
  private readonly messages = new Map<string, Expected>();
  /** sent while their author could not reach the relay, or unacknowledged when it lost it */
  readonly atRisk = new Set<string>();

  sent(id: string, author: string, text: string): void {
    this.messages.set(id, { author, text, recalled: false, reactions: new Map() });
  }
  edited(id: string, text: string): void {
    this.messages.get(id)!.text = text;
  }
  recalled(id: string): void {
    const m = this.messages.get(id)!;
    m.recalled = true;
    m.text = '';
  }
  reacted(id: string, userId: string, emoji: string | null): void {
    const r = this.messages.get(id)!.reactions;
    if (emoji === null) r.delete(userId);
    else r.set(userId, emoji);
  }

  get size(): number {
    return this.messages.size;
  }
  ids(): string[] {
    return [...this.messages.keys()];
  }
  /** Own messages of `author` that can still be edited or recalled. */
  editable(author: string): string[] {
    return [...this.messages].filter(([, m]) => m.author === author && !m.recalled).map(([id]) => id);
  }

  /** Compare what each replica shows (its whole history) with what it must show. */
  judge(replicas: Map<string, MessageView[]>): Verdict {
    const v: Verdict = { attempted: this.messages.size, ok: 0, lost: 0, duplicated: 0, unexpected: 0, recovered: 0, divergent: 0, examples: [] };
    const note = (s: string) => {
      if (v.examples.length < 8) v.examples.push(s);
    };
    const byReplica = new Map<string, Map<string, MessageView[]>>();
    const unexpected = new Set<string>();
    for (const [name, list] of replicas) {
      const ids = new Map<string, MessageView[]>();
      for (const m of list) {
        ids.set(m.id, [...(ids.get(m.id) ?? []), m]);
        if (!this.messages.has(m.id) && !unexpected.has(m.id)) {
          unexpected.add(m.id);
          note(`${name} shows ${m.id} (“${m.text}”), never sent`);
        }
      }
      byReplica.set(name, ids);
    }
    v.unexpected = unexpected.size;
    for (const [id, want] of this.messages) {
      let lost = false;
      let dup = false;
      let wrong = false;
      for (const [name, ids] of byReplica) {
        const got = ids.get(id) ?? [];
        if (got.length === 0) {
          if (!lost) note(`${name} lacks ${id} by ${want.author} (“${want.text}”)`);
          lost = true;
          continue;
        }
        if (got.length > 1) {
          if (!dup) note(`${name} shows ${id} ${got.length} times`);
          dup = true;
        }
        const m = got[0]!;
        const reactions = JSON.stringify(Object.entries(m.reactions ?? {}).sort());
        const wantReactions = JSON.stringify([...want.reactions].sort());
        if (m.text !== want.text || Boolean(m.recalled) !== want.recalled || reactions !== wantReactions || m.status !== 'sent') {
          if (!wrong) note(`${name} shows ${id} as ${JSON.stringify({ text: m.text, recalled: m.recalled ?? false, reactions, status: m.status })}, expected ${JSON.stringify({ text: want.text, recalled: want.recalled, reactions: wantReactions })}`);
          wrong = true;
        }
      }
      if (lost) v.lost++;
      if (dup) v.duplicated++;
      if (wrong && !lost) v.divergent++;
      if (!lost && !dup && !wrong) {
        v.ok++;
        if (this.atRisk.has(id)) v.recovered++;
      }
    }
    return v;
  }
}
