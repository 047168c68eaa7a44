// In-memory LogStore: the reference behaviour of the port, for tests and throwaway relays.
import { ErrorCode, MekongError } from '@mekong/schema';
import type { LogStore } from '../ports';

interface ConvLog {
  entries: Uint8Array[]; // entries[i] has seq i + 1
  byCounter: Map<string, number>; // dedup key → seq
  snapshot?: { seq: number; envelope: Uint8Array };
}

/** A LogStore that lives in this process and forgets everything when it ends. Stores copies of the bytes it is given. */
export function createMemoryLogStore(): LogStore {
  const convs = new Map<string, ConvLog>();
  let closed = false;

  // reads never create a record, so probing unknown conversations costs no memory
  const find = (conv: string): ConvLog | undefined => {
    if (closed) throw new MekongError(ErrorCode.UNAVAILABLE, 'the log store is closed; create a new one');
    return convs.get(conv);
  };

  return {
    async append(conv, device, counter, envelope) {
      let log = find(conv);
      if (!log) {
        log = { entries: [], byCounter: new Map() };
        convs.set(conv, log);
      }
      // the counter is digits only, so the last newline separates it from any device id
      const key = `${device}\n${counter}`;
      const existing = log.byCounter.get(key);
      if (existing !== undefined) return { seq: existing, duplicate: true };
      log.entries.push(envelope.slice());
      const seq = log.entries.length;
      log.byCounter.set(key, seq);
      return { seq, duplicate: false };
    },
    async readAfter(conv, after, limit) {
      const entries = find(conv)?.entries ?? [];
      const start = Math.max(0, after);
      return entries.slice(start, start + limit).map((envelope, i) => ({ seq: start + i + 1, envelope: envelope.slice() }));
    },
    async head(conv) {
      return find(conv)?.entries.length ?? 0;
    },
    async putSnapshot(conv, seq, _device, envelope) {
      const log = find(conv);
      if (!log || seq > log.entries.length || seq <= (log.snapshot?.seq ?? 0)) return false;
      log.snapshot = { seq, envelope: envelope.slice() };
      return true;
    },
    async latestSnapshot(conv) {
      const snap = find(conv)?.snapshot;
      return snap && { seq: snap.seq, envelope: snap.envelope.slice() };
    },
    async close() {
      closed = true;
      convs.clear();
    },
  };
}
