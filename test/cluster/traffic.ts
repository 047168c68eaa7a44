// Message traffic for a cluster run: a seeded schedule of sends at a fixed total rate from many
// senders at once, and a tracker that notes when each message is acknowledged (its status turns
// 'sent' at the sender) and when it first shows up at each other member.
import type { MessageView } from '@mekong/client-core';
import type { ClusterConversation } from './conversations';
import type { Random } from './random';

/** One message the scenario sent. */
export interface SentMessage {
  text: string;
  conv: ClusterConversation;
  from: string;
  /** performance.now() just before send() */
  at: number;
  /** The id send() returned, once it has. */
  id?: string;
  /** Set when send() itself failed (the message was never stored). */
  error?: Error;
}

export class Tracker {
  readonly sent = new Map<string, SentMessage>();
  /** text → performance.now() when the sender saw it acknowledged */
  readonly acked = new Map<string, number>();
  /** `${username}\n${text}` → performance.now() of first sight at a member other than the sender */
  readonly delivered = new Map<string, number>();
  private readonly offs: Array<() => void> = [];

  constructor(readonly conversations: ClusterConversation[]) {
    for (const conv of conversations) {
      for (const [username, view] of conv.views) {
        const seen = new Set<string>();
        const ackSeen = new Set<string>();
        this.offs.push(view.subscribe((messages) => this.observe(username, messages, seen, ackSeen)));
      }
    }
  }

  /** Messages expected at `username`: everything sent to a conversation it is in by someone else. */
  expectedDeliveries(): number {
    let n = 0;
    for (const m of this.sent.values()) if (!m.error) n += m.conv.members.length - 1;
    return n;
  }

  /** Every stored message acknowledged and at every member. */
  quiet(): boolean {
    const stored = [...this.sent.values()].filter((m) => !m.error && m.id !== undefined);
    return stored.length === [...this.sent.values()].filter((m) => !m.error).length && this.acked.size >= stored.length && this.delivered.size >= this.expectedDeliveries();
  }

  /** Send→deliver latencies in ms, one per (message, recipient). */
  latencies(): number[] {
    const out: number[] = [];
    for (const [key, at] of this.delivered) {
      const m = this.sent.get(key.slice(key.indexOf('\n') + 1));
      if (m) out.push(at - m.at);
    }
    return out;
  }

  stop(): void {
    for (const off of this.offs.splice(0)) off();
  }

  private observe(username: string, messages: MessageView[], seen: Set<string>, ackSeen: Set<string>): void {
    const now = performance.now();
    for (const m of messages) {
      if (m.mine) {
        if (m.status === 'sent' && !ackSeen.has(m.id)) {
          ackSeen.add(m.id);
          if (!this.acked.has(m.text)) this.acked.set(m.text, now);
        }
      } else if (!seen.has(m.id)) {
        seen.add(m.id);
        const key = `${username}\n${m.text}`;
        if (!this.delivered.has(key)) this.delivered.set(key, now);
      }
    }
  }
}

export interface BurstOptions {
  messages: number;
  /** Total sends per second over all senders. */
  ratePerSecond: number;
  random: Random;
}

/** A burst in progress: how far it got, and a promise for its end (every send() settled). */
export interface Burst {
  sent(): number;
  /** Resolves once `n` sends have been started. */
  reached(n: number): Promise<void>;
  done: Promise<void>;
}

const FILLER = 'Chào bạn, hẹn gặp lại ở Cần Thơ nhé! Mekong đồng bằng sông nước. ';

/**
 * Sends `messages` messages at `ratePerSecond`: each one from a seeded member of a seeded
 * conversation, with a unique text of seeded length, without waiting for earlier sends.
 */
export function startBurst(tracker: Tracker, opts: BurstOptions): Burst {
  const convs = tracker.conversations;
  let started = 0;
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const settle: Array<Promise<unknown>> = [];
  const begin = performance.now();
  const run = async () => {
    while (started < opts.messages) {
      const due = begin + (started * 1000) / opts.ratePerSecond;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      while (started < opts.messages && begin + (started * 1000) / opts.ratePerSecond <= performance.now()) {
        const conv = opts.random.pick(convs);
        const from = opts.random.pick(conv.members);
        const n = started + 1;
        const text = `${conv.label} ${from.username} #${n} ${FILLER.repeat(1 + opts.random.int(3)).slice(0, 1 + opts.random.int(160))}`;
        const m: SentMessage = { text, conv, from: from.username, at: performance.now() };
        tracker.sent.set(text, m);
        settle.push(
          conv.views.get(from.username)!.send(text).then(
            (v) => {
              m.id = v.id;
            },
            (err: unknown) => {
              m.error = err instanceof Error ? err : new Error(String(err));
            },
          ),
        );
        started = n;
        const due = waiters.filter((x) => x.n <= started);
        for (const w of due) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
        // let whoever waited for this point (a fault) act now, not after a backlog of sends
        if (due.length > 0) await new Promise((r) => setImmediate(r));
      }
    }
    await Promise.all(settle);
  };
  return {
    sent: () => started,
    reached: (n) => (n <= started ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }))),
    done: run(),
  };
}

/** The p-th fraction (0..1) of `xs`, or NaN when empty. */
export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}
