// What a faster catch-up would cost, measured rather than guessed: a device applies a snapshot of
// N messages (real signed messages in a real sealed snapshot envelope) into its SQLite store, once
// the way the replica does it today and once with message signatures checked when a message is
// shown instead of when it arrives. Same data, same primitives from client-core, CPU time of this
// process; no network. Part of scenario 4 (see catch-up.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalMessage, type Message } from '@mekong/schema';
import { createSqliteStorage } from '@mekong/client-core/node';
import {
  cryptoReady,
  fromBase64url,
  generateDeviceKeys,
  generateEpochKey,
  openEnvelope,
  randomId,
  sealEnvelope,
  signMessage,
  toBase64url,
  verifyMessage,
} from '../client-core/src/crypto';
import { ConversationDoc } from '../client-core/src/doc/conversation-doc';
import { entryFromMessage, putEntryOp, readEntries, readEntry } from '../client-core/src/sync/entries';
import { cpuMsSince, median, round } from './client-util';

export interface CatchUpDesignResult {
  messages: number;
  snapshotBytes: number;
  /** CPU ms, medians: work both designs share */
  common: { openEnvelope: number; validateAndApply: number; writeIndex: number };
  /** CPU ms per design for the whole apply, and the per-message steps that differ */
  today: { totalMs: number; verifyAllSignatures: number; readPriorEntries: number; parseMessages: number };
  deferred: { totalMs: number; parseMessages: number; verifyShownPage: number };
  runs: number;
}

const cpu = () => process.cpuUsage();

/**
 * Apply a snapshot of `n` messages as today and with signatures checked at display time.
 * @example const r = await catchUpDesignBench(10_000, 3);
 */
export async function catchUpDesignBench(n: number, runs: number): Promise<CatchUpDesignResult> {
  await cryptoReady();
  const conv = randomId(16);
  const alice = { user: randomId(12), device: randomId(12), keys: generateDeviceKeys() };
  const epochKey = generateEpochKey();
  const author = new ConversationDoc();
  for (let i = 0; i < n; i++) {
    const unsigned: Omit<Message, 'sig'> = {
      id: randomId(12),
      author: { user: alice.user, device: alice.device },
      kind: 'text',
      body: `message number ${i} with some ordinary chat text in it, about this long`,
      sentAt: 1_760_000_000_000 + i * 1000,
    };
    author.putMessage({ ...unsigned, sig: toBase64url(signMessage(alice.keys.signSecretKey, canonicalMessage(conv, unsigned))) });
  }
  const snapshot = sealEnvelope({ kind: 'snapshot', conv, epoch: 1, device: alice.device, counter: n }, author.encodeState(), epochKey, alice.keys.signSecretKey);
  author.destroy();

  const dir = mkdtempSync(join(tmpdir(), 'mekong-bench-design-'));
  const rows: Record<string, number[]> = {};
  const add = (k: string, v: number) => {
    rows[k] ??= [];
    rows[k].push(v);
  };
  try {
    for (let run = 0; run < runs; run++) {
      for (const design of ['today', 'deferred'] as const) {
        const storage = createSqliteStorage(join(dir, `${design}-${run}.db`));
        const doc = new ConversationDoc();
        const t0 = cpu();
        let t = cpu();
        const { plaintext } = openEnvelope(snapshot, { kind: 'snapshot', conv, signPublicKey: alice.keys.signPublicKey, epochKey });
        add('openEnvelope', cpuMsSince(t));
        t = cpu();
        const change = doc.applyRemote(plaintext, 'snapshot');
        add('validateAndApply', cpuMsSince(t));
        let parse = 0;
        let verify = 0;
        let prior = 0;
        const entries = [];
        for (const id of new Set(change.messages)) {
          t = cpu();
          const m = doc.message(id);
          parse += cpuMsSince(t);
          if (!m) continue;
          if (design === 'today') {
            t = cpu();
            const { sig, ...unsigned } = m;
            verifyMessage(alice.keys.signPublicKey, canonicalMessage(conv, unsigned), fromBase64url(sig));
            verify += cpuMsSince(t);
            t = cpu();
            await readEntry(storage, conv, m.sentAt, m.id);
            prior += cpuMsSince(t);
          }
          entries.push(entryFromMessage(m, 'sent'));
        }
        t = cpu();
        await storage.batch(entries.map((e) => putEntryOp(conv, e)));
        add('writeIndex', cpuMsSince(t));
        if (design === 'deferred') {
          // the page the user sees: read it back and check its 50 signatures before showing it
          t = cpu();
          const page = await readEntries(storage, conv, 50);
          for (const e of page) {
            const m = doc.message(e.id)!;
            const { sig, ...unsigned } = m;
            verifyMessage(alice.keys.signPublicKey, canonicalMessage(conv, unsigned), fromBase64url(sig));
          }
          add('deferred.verifyShownPage', cpuMsSince(t));
        }
        add(`${design}.total`, cpuMsSince(t0));
        add(`${design}.parse`, parse);
        if (design === 'today') {
          add('today.verify', verify);
          add('today.prior', prior);
        }
        doc.destroy();
        await storage.close();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const m = (k: string) => round(median(rows[k] ?? []), 1);
  return {
    messages: n,
    snapshotBytes: snapshot.length,
    common: { openEnvelope: m('openEnvelope'), validateAndApply: m('validateAndApply'), writeIndex: m('writeIndex') },
    today: { totalMs: m('today.total'), verifyAllSignatures: m('today.verify'), readPriorEntries: m('today.prior'), parseMessages: m('today.parse') },
    deferred: { totalMs: m('deferred.total'), parseMessages: m('deferred.parse'), verifyShownPage: m('deferred.verifyShownPage') },
    runs,
  };
}
