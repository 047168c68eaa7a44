// subscribe: follow a conversation live and send what the client missed (latest snapshot, then the log tail).
import { ErrorCode, MekongError, type SubscribeUp } from '@mekong/schema';
import type { Connection, Subscription } from './connection';

export async function subscribe(conn: Connection, { conv, after }: SubscribeUp): Promise<void> {
  const max = conn.ctx.limits.maxSubscriptionsPerConnection;
  if (!conn.subs.has(conv) && conn.subs.size >= max) {
    throw new MekongError(ErrorCode.BAD_REQUEST, `unsubscribe from a conversation first; a connection follows at most ${max}`);
  }
  await conn.requireMember(conv);
  if (conn.closed) return;
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
    if (conn.closed || conn.subs.get(conv) !== sub) return;
    await catchUp(conn, conv, sub, after);
  } catch (err) {
    // a subscription left half caught up would buffer forever; the client subscribes again after the error
    if (conn.subs.get(conv) === sub) conn.unfollow(conv);
    throw err;
  }
}

async function catchUp(conn: Connection, conv: string, sub: Subscription, after: number): Promise<void> {
  const { log, limits } = conn.ctx;
  const current = () => !conn.closed && conn.subs.get(conv) === sub;
  let head = await log.head(conv);
  let pos = after;
  const snapshot = await log.latestSnapshot(conv);
  if (!current()) return;
  if (snapshot && snapshot.seq > pos) {
    conn.send({ type: 'snapshot', conv, seq: snapshot.seq, envelope: snapshot.envelope });
    pos = snapshot.seq;
  }
  for (;;) {
    const page = await log.readAfter(conv, pos, limits.catchUpPageSize);
    if (!current()) return;
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
    if (!current()) return;
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
}
