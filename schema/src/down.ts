// Frames a relay sends to a client.
import { frameUnion } from './codec/union';
import type { FrameOf } from './codec/frame';
import { AckFrame } from './frames/ack';
import { ChangedFrame } from './frames/changed';
import { EphemeralDownFrame } from './frames/ephemeral-down';
import { ErrorFrame } from './frames/error';
import { JoinedFrame } from './frames/joined';
import { PongFrame } from './frames/pong';
import { SnapshotFrame } from './frames/snapshot';
import { SyncedFrame } from './frames/synced';
import { UnsubscribedFrame } from './frames/unsubscribed';
import { UpdateFrame } from './frames/update';
import { WelcomeFrame } from './frames/welcome';
import { MAX_FRAME_BYTES } from './limits';

export const DOWN_FRAMES = [
  WelcomeFrame,
  AckFrame,
  UpdateFrame,
  SnapshotFrame,
  SyncedFrame,
  EphemeralDownFrame,
  ErrorFrame,
  PongFrame,
  UnsubscribedFrame,
  JoinedFrame,
  ChangedFrame,
] as const;

export type WelcomeDown = FrameOf<typeof WelcomeFrame>;
export type AckDown = FrameOf<typeof AckFrame>;
export type UpdateDown = FrameOf<typeof UpdateFrame>;
export type SnapshotDown = FrameOf<typeof SnapshotFrame>;
export type SyncedDown = FrameOf<typeof SyncedFrame>;
export type EphemeralDown = FrameOf<typeof EphemeralDownFrame>;
export type ErrorDown = FrameOf<typeof ErrorFrame>;
export type PongDown = FrameOf<typeof PongFrame>;
export type UnsubscribedDown = FrameOf<typeof UnsubscribedFrame>;
export type JoinedDown = FrameOf<typeof JoinedFrame>;
export type ChangedDown = FrameOf<typeof ChangedFrame>;
export type Down =
  | WelcomeDown
  | AckDown
  | UpdateDown
  | SnapshotDown
  | SyncedDown
  | EphemeralDown
  | ErrorDown
  | PongDown
  | UnsubscribedDown
  | JoinedDown
  | ChangedDown;

const codec = frameUnion<Down>([...DOWN_FRAMES], MAX_FRAME_BYTES);

/** Encode a relay→client frame. */
export const encodeDown = (frame: Down): Uint8Array => codec.encode(frame);
/**
 * Encode a relay→client frame whose values were all checked already (the relay's acks and updates:
 * conv, counter and envelope from a decoded push, seq from the log), skipping the schema check.
 */
export const encodeCheckedDown = (frame: Down): Uint8Array => codec.encodeChecked(frame);
/** Decode a relay→client frame. Throws MALFORMED_FRAME or FRAME_TOO_LARGE, never anything else. */
export const decodeDown = (bytes: Uint8Array): Down => codec.decode(bytes);
export const DOWN_DESCRIPTORS = codec.descriptors;
