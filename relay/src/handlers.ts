// Frames of an authenticated connection: push, put-snapshot, ephemeral, subscribe, unsubscribe, ping.
import { type EphemeralUp, ErrorCode, isMekongError, MekongError, type PushUp, type PutSnapshotUp, type Up } from '@mekong/schema';
import { subscribe } from './catch-up';
import type { Connection } from './connection';
import { describeError } from './text';

export async function handleFrame(conn: Connection, frame: Exclude<Up, { type: 'auth' }>): Promise<void> {
  switch (frame.type) {
    case 'subscribe':
      return subscribe(conn, frame);
    case 'unsubscribe':
      return conn.unfollow(frame.conv);
    case 'push':
      return push(conn, frame);
    case 'put-snapshot':
      return putSnapshot(conn, frame);
    case 'ephemeral':
      return ephemeral(conn, frame);
    case 'ping':
      return conn.send({ type: 'pong', id: frame.id });
  }
}

/** Persist, then acknowledge, then publish: an ack means the update survives a crash of this relay. */
async function push(conn: Connection, { conv, counter, envelope }: PushUp): Promise<void> {
  if (envelope.byteLength === 0) throw new MekongError(ErrorCode.MALFORMED_FRAME, 'push an encrypted envelope; this one is empty');
  await conn.requireMember(conv);
  const { log, bus } = conn.ctx;
  let stored: { seq: number; duplicate: boolean };
  try {
    stored = await log.append(conv, conn.device ?? '', counter, envelope);
  } catch (err) {
    if (isMekongError(err)) throw err;
    conn.logger.error({ err: describeError(err) }, 'log append failed');
    throw new MekongError(ErrorCode.UNAVAILABLE, 'the update was not stored; send it again later');
  }
  conn.send({ type: 'ack', conv, counter, seq: stored.seq });
  // a resend was fanned out the first time; receivers that missed it fill the gap from the log
  if (stored.duplicate) return;
  try {
    await bus.publish(conv, { kind: 'update', seq: stored.seq, envelope, origin: conn.id });
  } catch (err) {
    // the bus is only a latency hint: the update is durable and subscribers recover it by seq
    conn.logger.warn({ err: describeError(err) }, 'fan-out publish failed');
  }
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
  conn.logger.debug({ conv, seq, stored }, 'snapshot offered');
}

async function ephemeral(conn: Connection, { conv, envelope }: EphemeralUp): Promise<void> {
  await conn.requireMember(conv);
  await conn.ctx.bus.publish(conv, { kind: 'ephemeral', envelope, origin: conn.id });
}
