// Live delivery of bus messages to one connection: skipped for the connection that caused them,
// held while its catch-up runs, and encoded once per message for all its local recipients.
import { CloseCode, type Down, encodeCheckedDown, ErrorCode } from '@mekong/schema';
import type { Connection, Subscription } from './connection';
import type { BusMessage } from './ports';
import { describeError } from './text';

/** Bus message → its encoded down frame, shared by every local recipient (the frame names the conversation, as does the message). */
const encodedFrames = new WeakMap<BusMessage, Uint8Array>();

/** Hands `msg` of the followed `conv` to `conn`, or keeps it for the catch-up under way. */
export function deliverLive(conn: Connection, conv: string, msg: BusMessage): void {
  if (conn.state !== 'open' || conn.isOrigin(msg)) return;
  const sub = conn.subs.get(conv);
  if (!sub) return;
  conn.recheckMembership(conv);
  if (conn.expired()) {
    // nothing more flows to a device whose token ran out, even if it sends nothing
    conn.fatal(ErrorCode.TOKEN_EXPIRED, CloseCode.TOKEN_EXPIRED, 'the token expired; reconnect with a fresh one');
  } else if (msg.kind === 'ephemeral') {
    sendShared(conn, msg, () => ({ type: 'ephemeral', conv, envelope: msg.envelope }));
  } else if (sub.buffer) {
    hold(conn, sub, sub.buffer, { seq: msg.seq, envelope: msg.envelope });
  } else {
    // the lag is observed once per update on this relay, at its first local recipient
    const first = !encodedFrames.has(msg);
    sendShared(conn, msg, () => ({ type: 'update', conv, seq: msg.seq, envelope: msg.envelope }));
    if (first && msg.publishedAt !== undefined) conn.ctx.metrics?.fanoutLag(msg.publishedAt, conn.ctx.now());
  }
}

/** The frame of a bus message is the same for every recipient: it is encoded for the first and reused. */
function sendShared(conn: Connection, msg: BusMessage, frame: () => Down): void {
  if (conn.closed) return;
  let bytes = encodedFrames.get(msg);
  if (!bytes) {
    const down = frame();
    try {
      // conv and envelope come from a checked push (or the log), seq from the log
      bytes = encodeCheckedDown(down);
    } catch (err) {
      conn.logger.error({ err: describeError(err), frame: down.type }, 'could not encode an outgoing frame');
      return;
    }
    encodedFrames.set(msg, bytes);
  }
  conn.sendEncoded(msg.kind, bytes);
}

/** Keeps a live update until the running catch-up has caught up with it. */
function hold(conn: Connection, sub: Subscription, buffer: NonNullable<Subscription['buffer']>, entry: { seq: number; envelope: Uint8Array }): void {
  if (buffer.length < conn.ctx.limits.catchUpPageSize) {
    buffer.push(entry);
    return;
  }
  // everything published is already in the log, so dropping the buffer only costs another read
  sub.buffer = [entry];
  sub.overflowed = true;
}
