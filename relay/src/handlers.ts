// Frames of an authenticated connection: push, put-snapshot, ephemeral, subscribe, unsubscribe, ping.
import { type EphemeralUp, ErrorCode, isMekongError, MekongError, type PushUp, type PutSnapshotUp, type Up } from '@mekong/schema';
import { subscribe } from './catch-up';
import type { Connection } from './connection';
import { armFanout, die, pushFault } from './fault';
import { describeError } from './text';

export async function handleFrame(conn: Connection, frame: Exclude<Up, { type: 'auth' }>): Promise<void> {
  switch (frame.type) {
    case 'subscribe':
      return subscribe(conn, frame);
    case 'unsubscribe':
      return conn.unfollow(frame.conv);
    case 'push':
      return (await startPush(conn, frame))();
    case 'put-snapshot':
      return putSnapshot(conn, frame);
    case 'ephemeral':
      return ephemeral(conn, frame);
    case 'ping':
      return conn.send({ type: 'pong', id: frame.id });
  }
}

/**
 * Persist, then acknowledge, then publish: an ack means the update survives a crash of this relay.
 * Runs in two steps so a connection's pushes can be stored together: the checks and the start of
 * the append happen in frame order, one frame at a time; the returned step, which the connection
 * runs in frame order too, waits for the append and answers.
 */
export async function startPush(conn: Connection, { conv, counter, envelope }: PushUp): Promise<() => Promise<void>> {
  if (envelope.byteLength === 0) throw new MekongError(ErrorCode.MALFORMED_FRAME, 'push an encrypted envelope; this one is empty');
  await conn.requireMember(conv);
  const { log, bus, metrics } = conn.ctx;
  const fault = pushFault?.(); // test-only (MEKONG_FAULT); undefined in production
  if (fault === 'before-commit') die(`before the log append of ${conv} counter ${counter}`);
  const started = metrics ? performance.now() : 0;
  const appended = log.append(conv, conn.device ?? '', counter, envelope);
  appended.catch(() => undefined); // answered by the step below, in frame order
  return async () => {
    let stored: { seq: number; duplicate: boolean };
    try {
      stored = await appended;
      metrics?.appendSeconds.observe((performance.now() - started) / 1000);
    } catch (err) {
      if (isMekongError(err)) throw err;
      conn.logger.error({ err: describeError(err) }, 'log append failed');
      throw new MekongError(ErrorCode.UNAVAILABLE, 'the update was not stored; send it again later');
    }
    if (fault === 'after-commit') die(`after committing ${conv} seq ${stored.seq}, before its ack`);
    if (fault === 'mid-fanout') armFanout(conv, stored.seq);
    conn.sendAck(conv, counter, stored.seq);
    // a resend (stored.duplicate) is published again: the relay that first stored it may have died
    // before publishing, and a conversation with no later traffic shows its followers no gap to fill;
    // receivers drop a seq they already have. Not awaited: publishes leave in order all the same, and
    // the bus is only a latency hint (the update is durable; subscribers recover it by seq).
    const publishedAt = metrics ? conn.ctx.now() : undefined; // travels with the update so receiving relays can report the lag
    bus
      .publish(conv, { kind: 'update', seq: stored.seq, envelope, origin: conn.id, ...(publishedAt !== undefined ? { publishedAt } : {}) })
      .catch((err) => conn.logger.warn({ err: describeError(err) }, 'fan-out publish failed'));
  };
}

async function putSnapshot(conn: Connection, { conv, seq, envelope }: PutSnapshotUp): Promise<void> {
  if (envelope.byteLength === 0) throw new MekongError(ErrorCode.MALFORMED_FRAME, 'send an encrypted snapshot; this one is empty');
  await conn.requireMember(conv);
  const { log } = conn.ctx;
  const head = await log.head(conv);
  if (seq < 1 || seq > head) {
    throw new MekongError(ErrorCode.BAD_REQUEST, `a snapshot must cover 1..${head}, the updates this relay has logged`);
  }
  // false means a snapshot at or beyond `seq` is already stored; the client's work is simply not needed
  const stored = await log.putSnapshot(conv, seq, conn.device ?? '', envelope);
  conn.debug({ conv, seq, stored }, 'snapshot offered');
}

async function ephemeral(conn: Connection, { conv, envelope }: EphemeralUp): Promise<void> {
  await conn.requireMember(conv);
  await conn.ctx.bus.publish(conv, { kind: 'ephemeral', envelope, origin: conn.id });
}
