// One measured conversation of the fan-out benchmarks, whatever the system: N member connections of
// the load generator, the first S of them sending. A message is a Y.Map set of a 300-byte string
// under the key `s<sender>-<k>` on the sender's own Y.Doc; each system wraps that Yjs update in its
// own frame (an encrypted envelope for Mekong). Frames are generated before a phase starts, so the
// sending side costs the generator almost nothing while it runs.
//
// Most members only count the message frames they receive. "Sampled" members (every sender plus a
// few others) do what a real client does with each frame, the system's own client work included
// (for Mekong: signature check and decryption, on one frame in `checkEvery`; see Protocol.identify),
// apply the update to a Y.Doc, and note when each message arrived: those are the latency samples.
import * as Y from 'yjs';
import { openMany, type RawSocket, type WireCounters, zeroCounters } from './wire';

/** What differs between the systems under test. */
export interface Protocol {
  readonly name: string;
  /** Frames per second one connection may send, where the server enforces a limit. */
  readonly maxFramesPerSecond?: number;
  /** Member `i`'s connection, authenticated and following the room's conversation or document. */
  connect(i: number, wire: WireCounters): Promise<RawSocket>;
  /** The frame carrying the `k`-th message of member `sender`, whose Yjs update is `update`. */
  frame(sender: number, k: number, update: Uint8Array): Uint8Array;
  /** Whether a received frame carries a message (for members that do not decode). */
  isMessage(frame: Uint8Array): boolean;
  /** The Yjs update a received frame carries after the client's checks, or undefined for other frames. */
  updateOf(frame: Uint8Array): Uint8Array | undefined;
  /**
   * Which message a received frame carries, read from its clear header without the client's checks,
   * or undefined for other frames. Where given, sampled members run updateOf on one frame in
   * `checkEvery` and identify the rest with this, so the generator's one core is not spent on
   * every receiver's cryptography (on real devices each member does its own).
   */
  identify?(frame: Uint8Array): { sender: number; k: number } | undefined;
  readonly checkEvery?: number;
  /** With identify: whether a frame that carries no message is an error (only those are decoded then). */
  isError?(frame: Uint8Array): boolean;
  /** Releases what the protocol set up for the room (nothing for most). */
  close?(): Promise<void>;
}

export interface RoomOptions {
  members: number;
  senders: number;
  /** Non-sending members that decode everything and give latency samples; 8 by default. */
  sampledOthers?: number;
}

const TEXT_BYTES = 300;
const FILLER = 'Tin nhắn thử tải của Mekong qua sông Cửu Long, ba trăm byte mỗi tin. '.normalize('NFC');

function messageText(key: string): string {
  let s = `${key} `;
  while (Buffer.byteLength(s) < TEXT_BYTES) s += FILLER;
  // cut on a character boundary at exactly 300 bytes (pad with ASCII if a multi-byte char straddles it)
  let out = '';
  for (const ch of s) {
    if (Buffer.byteLength(out + ch) > TEXT_BYTES) break;
    out += ch;
  }
  return out.padEnd(out.length + TEXT_BYTES - Buffer.byteLength(out), '.');
}

interface Sender {
  author: Y.Doc;
  last: Uint8Array | undefined;
  pool: Uint8Array[];
  cursor: number;
  sentAt: number[];
  /** Messages of this sender that its probe member has seen. */
  probeSeen: number;
  probe: number;
}

export class Room {
  readonly wire: WireCounters = zeroCounters();
  sockets: RawSocket[] = [];
  readonly senders: Sender[];
  /** Deliveries of someone else's message since the last reset. */
  deliveries = 0;
  /** Send→receipt latencies (ms) at sampled members since the last reset. */
  latencies: number[] = [];
  /** Frames a sampled member could not use (bad signature, unknown device): should stay 0. */
  rejected = 0;
  closedEarly = 0;
  onProbe: (sender: number) => void = () => {};
  private readonly sampled = new Set<number>();

  constructor(
    readonly protocol: Protocol,
    readonly opts: RoomOptions,
  ) {
    const n = opts.members;
    const others = Math.min(opts.sampledOthers ?? 8, n - opts.senders);
    for (let i = 0; i < opts.senders; i++) this.sampled.add(i);
    for (let j = 0; j < others; j++) this.sampled.add(opts.senders + Math.floor((j * (n - opts.senders)) / others));
    const firstOther = n > opts.senders ? opts.senders : -1;
    this.senders = Array.from({ length: opts.senders }, (_, s) => {
      const author = new Y.Doc();
      const sender: Sender = { author, last: undefined, pool: [], cursor: 0, sentAt: [], probeSeen: 0, probe: firstOther >= 0 ? firstOther : (s + 1) % n };
      author.on('update', (u: Uint8Array) => {
        sender.last = u;
      });
      return sender;
    });
  }

  get members(): number {
    return this.opts.members;
  }

  /** Connects every member (50 at a time). */
  async connect(): Promise<void> {
    this.sockets = await openMany(this.opts.members, async (i) => {
      const sock = await this.protocol.connect(i, this.wire);
      this.listen(i, sock);
      return sock;
    });
  }

  private listen(i: number, sock: RawSocket): void {
    sock.onClose = () => {
      this.closedEarly++;
    };
    if (!this.sampled.has(i)) {
      sock.onFrame = (f) => {
        if (this.protocol.isMessage(f)) this.deliveries++;
      };
      return;
    }
    const { identify, checkEvery = 1 } = this.protocol;
    if (identify) {
      // messages are told apart by their header; one in `checkEvery` also gets the client's checks
      // (a skipped Yjs update would hold every later one of its author back, so none is applied)
      let received = 0;
      sock.onFrame = (f) => {
        const id = identify(f);
        if (!id) {
          if (this.protocol.isError?.(f) ?? true) this.protocol.updateOf(f); // the protocol notes errors
          return;
        }
        this.seen(i, `s${id.sender}-${id.k}`, performance.now());
        if (received++ % checkEvery !== 0) return;
        try {
          if (!this.protocol.updateOf(f)) this.rejected++;
        } catch {
          this.rejected++;
        }
      };
      return;
    }
    const doc = new Y.Doc();
    const map = doc.getMap<string>('m');
    map.observe((event) => {
      const now = performance.now();
      for (const key of event.keysChanged) this.seen(i, key, now);
    });
    sock.onFrame = (f) => {
      let update: Uint8Array | undefined;
      try {
        update = this.protocol.updateOf(f);
      } catch {
        this.rejected++;
        return;
      }
      if (update) Y.applyUpdate(doc, update);
    };
  }

  private seen(recipient: number, key: string, at: number): void {
    const dash = key.indexOf('-');
    const sender = Number(key.slice(1, dash));
    if (sender === recipient) return; // the server echoed the member's own message back
    this.deliveries++;
    const s = this.senders[sender];
    if (!s) return;
    const sentAt = s.sentAt[Number(key.slice(dash + 1))];
    if (sentAt !== undefined) this.latencies.push(at - sentAt);
    if (s.probe === recipient) {
      s.probeSeen++;
      this.onProbe(sender);
    }
  }

  /** Makes sure each sender has `count` frames ready beyond its cursor. */
  prepare(count: number): void {
    for (let s = 0; s < this.senders.length; s++) {
      while (this.senders[s]!.pool.length < this.senders[s]!.cursor + count) this.generate(s);
    }
  }

  private generate(s: number): void {
    const sender = this.senders[s]!;
    const k = sender.pool.length;
    const key = `s${s}-${k}`;
    sender.author.getMap<string>('m').set(key, messageText(key));
    sender.pool.push(this.protocol.frame(s, k, sender.last!));
  }

  /** Sends sender `s`'s next message; generates it on the spot if the pool ran dry. */
  send(s: number): void {
    const sender = this.senders[s]!;
    if (sender.cursor >= sender.pool.length) this.generate(s);
    const k = sender.cursor++;
    sender.sentAt[k] = performance.now();
    this.sockets[s]!.send(sender.pool[k]!);
  }

  /** Messages sent by `s` that its probe has not seen yet (what a previous phase left behind aside). */
  inFlight(s: number): number {
    const sender = this.senders[s]!;
    return sender.cursor - sender.probeSeen - (this.residual[s] ?? 0);
  }

  private residual: number[] = [];
  private cursorAtReset: number[] = [];

  /** Zeroes the counters at the start of a phase. */
  reset(): void {
    this.deliveries = 0;
    this.latencies = [];
    this.rejected = 0;
    Object.assign(this.wire, zeroCounters());
    this.residual = this.senders.map((s) => s.cursor - s.probeSeen);
    this.cursorAtReset = this.senders.map((s) => s.cursor);
  }

  /** Messages sent since `reset()`. */
  sentSinceReset(): number {
    return this.senders.reduce((n, s, i) => n + s.cursor - (this.cursorAtReset[i] ?? 0), 0);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.close();
    await this.protocol.close?.();
  }
}
