// What checking message signatures when shown saves, measured in process: a device applies a
// snapshot of N messages (real signed messages in a real sealed snapshot envelope) into its SQLite
// store, once with every author signature checked on arrival (how the replica did it before) and
// once the way it does now (client-core's own code: new messages indexed unchecked, the newest page
// checked before it is shown, the rest checked afterwards in the background). Same data, CPU time of
// this process; no network. Part of scenario 4 (see catch-up.ts).
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
import type { DeviceDirectory } from '../client-core/src/keys/directory';
import type { ConvMembers } from '../client-core/src/membership/tracker';
import { AuthorCheck } from '../client-core/src/sync/author-check';
import { entryFromMessage, putEntryOp, readEntries, readEntry } from '../client-core/src/sync/entries';
import { entriesForChange } from '../client-core/src/sync/remote-entries';
import { cpuMsSince, median, round } from './client-util';

export interface CatchUpDesignResult {
  messages: number;
  snapshotBytes: number;
  /** CPU ms, medians: work both designs share */
  common: { openEnvelope: number; validateAndApply: number; writeIndex: number };
  /** CPU ms per design until every message is applied and the newest page can be shown, and the steps that differ */
  today: { totalMs: number; verifyAllSignatures: number; readPriorEntries: number; parseMessages: number };
  /** client-core now: `indexEntries` = entriesForChange (parse, look up prior entries, build unchecked entries); `backgroundChecks` runs after the catch-up */
  deferred: { totalMs: number; indexEntries: number; verifyShownPage: number; backgroundChecks: number };
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

  // the author's device as the directory would return it, after verifying its certificate
  const members = { ever: [alice.user] } as unknown as ConvMembers;
  const directory = { device: async () => ({ deviceId: alice.device, userId: alice.user, signPublicKey: alice.keys.signPublicKey, boxPublicKey: alice.keys.boxPublicKey }) } as unknown as DeviceDirectory;
  const check = new AuthorCheck({ conv, members: () => members, directory });
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
        if (design === 'today') {
          let parse = 0;
          let verify = 0;
          let prior = 0;
          const entries = [];
          for (const id of new Set(change.messages)) {
            t = cpu();
            const m = doc.message(id);
            parse += cpuMsSince(t);
            if (!m) continue;
            t = cpu();
            const { sig, ...unsigned } = m;
            verifyMessage(alice.keys.signPublicKey, canonicalMessage(conv, unsigned), fromBase64url(sig));
            verify += cpuMsSince(t);
            t = cpu();
            await readEntry(storage, conv, m.sentAt, m.id);
            prior += cpuMsSince(t);
            entries.push(entryFromMessage(m, 'sent'));
          }
          t = cpu();
          await storage.batch(entries.map((e) => putEntryOp(conv, e)));
          add('writeIndex', cpuMsSince(t));
          add('today.parse', parse);
          add('today.verify', verify);
          add('today.prior', prior);
          add('today.total', cpuMsSince(t0));
        } else {
          t = cpu();
          const { entries } = await entriesForChange({ conv, storage, check, report: () => {} }, doc, change, true);
          add('deferred.index', cpuMsSince(t));
          t = cpu();
          await storage.batch(entries.map((e) => putEntryOp(conv, e)));
          add('writeIndex', cpuMsSince(t));
          // the page the user sees: read back and checked before it is shown
          t = cpu();
          for (const e of await readEntries(storage, conv, 50)) if ((await check.entry(e)).kind !== 'ok') throw new Error('a signature did not verify');
          add('deferred.verifyShownPage', cpuMsSince(t));
          add('deferred.total', cpuMsSince(t0));
          // afterwards, in the background: every other entry checked and stored checked
          t = cpu();
          const stored = await readEntries(storage, conv, n);
          const checked = [];
          for (const e of stored) {
            const o = await check.entry(e);
            if (o.kind === 'ok') checked.push(o.shown);
          }
          await storage.batch(checked.map((e) => putEntryOp(conv, e)));
          add('deferred.background', cpuMsSince(t));
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
    deferred: { totalMs: m('deferred.total'), indexEntries: m('deferred.index'), verifyShownPage: m('deferred.verifyShownPage'), backgroundChecks: m('deferred.background') },
    runs,
  };
}
