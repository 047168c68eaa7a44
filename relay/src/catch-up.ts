// subscribe: follow a conversation live and send what the client missed (latest snapshot, then the log tail).
import { ErrorCode, MekongError, type SubscribeUp } from '@mekong/schema';
import type { Connection, Subscription } from './connection';

export async function subscribe(conn: Connection, { conv, after }: SubscribeUp): Promise<void> {
  const started = conn.ctx.metrics ? performance.now() : 0;
  const max = conn.ctx.limits.maxSubscriptionsPerConnection;
  if (!conn.subs.has(conv) && conn.subs.size >= max) {
    throw new MekongError(ErrorCode.BAD_REQUEST, `unsubscribe from a conversation first; a connection follows at most ${max}`);
  }
  await conn.requireMember(conv);
  if (conn.closed || conn.draining) return;
  let sub = conn.subs.get(conv);
  if (!sub) {
    sub = { buffer: undefined, overflowed: false };
    conn.subs.set(conv, sub);
  }
  sub.buffer = [];
  sub.overflowed = false;
  try {
    // follow live BEFORE reading the log, and read only once the bus confirms it is live: an update
    // committed during the read then arrives either way
    await conn.ctx.hub.add(conv, conn);
    if (conn.closed || conn.draining || conn.subs.get(conv) !== sub) return;
    const synced = await catchUp(conn, conv, sub, after);
    if (synced) conn.ctx.metrics?.catchUpSeconds.observe((performance.now() - started) / 1000);
  } catch (err) {
    // a subscription left half caught up would buffer forever; the client subscribes again after the error
    if (conn.subs.get(conv) === sub) conn.unfollow(conv);
    throw err;
  }
}

/** Sends what the client missed, then `synced`; false when the connection moved on first (closed, draining, unsubscribed). */
async function catchUp(conn: Connection, conv: string, sub: Subscription, after: number): Promise<boolean> {
  const { log, limits } = conn.ctx;
  // a draining relay stops here: the client subscribes again on the relay it reconnects to
  const current = () => !conn.closed && !conn.draining && conn.subs.get(conv) === sub;
  let head = await log.head(conv);
  let pos = after;
  const snapshot = await log.latestSnapshot(conv);
  if (!current()) return false;
  if (snapshot && snapshot.seq > pos) {
    conn.send({ type: 'snapshot', conv, seq: snapshot.seq, envelope: snapshot.envelope });
    pos = snapshot.seq;
  }
  for (;;) {
    const page = await log.readAfter(conv, pos, limits.catchUpPageSize);
    if (!current()) return false;
    for (const entry of page) {
      conn.send({ type: 'update', conv, seq: entry.seq, envelope: entry.envelope });
      pos = entry.seq;
    }
    if (page.length < limits.catchUpPageSize) {
      if (!sub.overflowed) break;
      sub.overflowed = false; // live updates were dropped while reading; they are in the log now
      continue;
    }
    await conn.drained();
    if (!current()) return false;
  }
  // From here on nothing awaits, so no update can slip between the last read and going live.
  const buffered = (sub.buffer ?? []).sort((a, b) => a.seq - b.seq);
  sub.buffer = undefined;
  for (const entry of buffered) {
    if (entry.seq <= pos) continue; // already sent from the log
    conn.send({ type: 'update', conv, seq: entry.seq, envelope: entry.envelope });
    pos = entry.seq;
  }
  head = Math.max(head, pos > after ? pos : 0);
  // live updates the client now has are not sent again; a client claiming more than the log holds
  // still gets what comes after the real head
  conn.ctx.hub.caughtUp(conv, conn, Math.min(pos, head));
  conn.send({ type: 'synced', conv, head });
  return true;
}
