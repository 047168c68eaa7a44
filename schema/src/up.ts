// Frames a client sends to a relay.
import { frameUnion } from './codec/union';
import type { FrameOf } from './codec/frame';
import { AuthFrame } from './frames/auth';
import { EphemeralUpFrame } from './frames/ephemeral-up';
import { PingFrame } from './frames/ping';
import { PushFrame } from './frames/push';
import { PutSnapshotFrame } from './frames/put-snapshot';
import { SubscribeFrame } from './frames/subscribe';
import { UnsubscribeFrame } from './frames/unsubscribe';
import { MAX_FRAME_BYTES } from './limits';

export const UP_FRAMES = [
  AuthFrame,
  SubscribeFrame,
  UnsubscribeFrame,
  PushFrame,
  PutSnapshotFrame,
  EphemeralUpFrame,
  PingFrame,
] as const;

export type AuthUp = FrameOf<typeof AuthFrame>;
export type SubscribeUp = FrameOf<typeof SubscribeFrame>;
export type UnsubscribeUp = FrameOf<typeof UnsubscribeFrame>;
export type PushUp = FrameOf<typeof PushFrame>;
export type PutSnapshotUp = FrameOf<typeof PutSnapshotFrame>;
export type EphemeralUp = FrameOf<typeof EphemeralUpFrame>;
export type PingUp = FrameOf<typeof PingFrame>;
export type Up = AuthUp | SubscribeUp | UnsubscribeUp | PushUp | PutSnapshotUp | EphemeralUp | PingUp;

const codec = frameUnion<Up>([...UP_FRAMES], MAX_FRAME_BYTES);

/** Encode a client→relay frame. Throws MALFORMED_FRAME when the value breaks the schema. */
export const encodeUp = (frame: Up): Uint8Array => codec.encode(frame);
/** Decode a client→relay frame. Throws MALFORMED_FRAME or FRAME_TOO_LARGE, never anything else. */
export const decodeUp = (bytes: Uint8Array): Up => codec.decode(bytes);
export const UP_DESCRIPTORS = codec.descriptors;
