// The two Yjs peers as the load generator speaks them, over raw WebSockets (their providers are too
// heavy to run a thousand of in one process). Both servers keep the document in memory, apply every
// update and broadcast it to every connection of the document, the sender's included.
// - y-websocket 1.x: one document per URL path; frames are y-protocols messages
//   [messageSync=0][messageYjsUpdate=2][update].
// - Hocuspocus 3: one socket may carry several documents, so every frame starts with the document
//   name; a connection is attached only after an Auth frame, and the sender gets a SyncStatus frame
//   back for each update it sends.
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import type { Protocol } from './room';
import { RawSocket, type WireCounters } from './wire';

const SYNC = 0;
const SYNC_STEP1 = 0;
const SYNC_UPDATE = 2;
const HOCUS_AUTH = 2;
const HOCUS_AUTH_TOKEN = 0;
const EMPTY_STATE_VECTOR = new Uint8Array([0]);

function firstFrame(sock: RawSocket, accept: (f: Uint8Array) => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${what} within ${timeoutMs} ms`)), timeoutMs);
    sock.onFrame = (f) => {
      if (!accept(f)) return;
      clearTimeout(timer);
      resolve();
    };
  });
}

/** Member `i` connects to `urls[i % urls.length]` (ws://host:port). */
export function yWebsocketProtocol(urls: string[], doc: string): Protocol {
  return {
    name: 'y-websocket',
    async connect(i: number, wire: WireCounters) {
      const sock = await RawSocket.open(`${urls[i % urls.length]}/${doc}`, wire);
      // the server greets every connection with its sync step 1 once the connection is attached
      await firstFrame(sock, (f) => f[0] === SYNC, 'sync step 1');
      return sock;
    },
    frame(_sender, _k, update) {
      const e = encoding.createEncoder();
      encoding.writeVarUint(e, SYNC);
      encoding.writeVarUint(e, SYNC_UPDATE);
      encoding.writeVarUint8Array(e, update);
      return encoding.toUint8Array(e);
    },
    isMessage: (f) => f[0] === SYNC && f[1] === SYNC_UPDATE,
    updateOf(f) {
      if (f[0] !== SYNC || f[1] !== SYNC_UPDATE) return undefined;
      return decoding.readVarUint8Array(decoding.createDecoder(f.subarray(2)));
    },
  };
}

/** Member `i` connects to `urls[i % urls.length]`; every instance serves the same document `doc`. */
export function hocuspocusProtocol(urls: string[], doc: string): Protocol {
  const e = encoding.createEncoder();
  encoding.writeVarString(e, doc);
  const prefix = encoding.toUint8Array(e);
  const p = prefix.length;
  const message = (write: (e: encoding.Encoder) => void) => {
    const enc = encoding.createEncoder();
    encoding.writeUint8Array(enc, prefix);
    write(enc);
    return encoding.toUint8Array(enc);
  };
  const ours = (f: Uint8Array) => f.length > p && f[0] === prefix[0] && f[p - 1] === prefix[p - 1];
  return {
    name: 'hocuspocus',
    async connect(i: number, wire: WireCounters) {
      const sock = await RawSocket.open(urls[i % urls.length]!, wire);
      const attached = firstFrame(sock, (f) => ours(f) && f[p] === SYNC, 'sync answer');
      sock.send(
        message((m) => {
          encoding.writeVarUint(m, HOCUS_AUTH);
          encoding.writeVarUint(m, HOCUS_AUTH_TOKEN);
          encoding.writeVarString(m, 'bench');
        }),
      );
      // queued until the connection is attached, so its answer says the member now receives broadcasts
      sock.send(
        message((m) => {
          encoding.writeVarUint(m, SYNC);
          encoding.writeVarUint(m, SYNC_STEP1);
          encoding.writeVarUint8Array(m, EMPTY_STATE_VECTOR);
        }),
      );
      await attached;
      return sock;
    },
    frame(_sender, _k, update) {
      return message((m) => {
        encoding.writeVarUint(m, SYNC);
        encoding.writeVarUint(m, SYNC_UPDATE);
        encoding.writeVarUint8Array(m, update);
      });
    },
    isMessage: (f) => ours(f) && f[p] === SYNC && f[p + 1] === SYNC_UPDATE,
    updateOf(f) {
      if (!ours(f) || f[p] !== SYNC || f[p + 1] !== SYNC_UPDATE) return undefined;
      return decoding.readVarUint8Array(decoding.createDecoder(f.subarray(p + 2)));
    },
  };
}
