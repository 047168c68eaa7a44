// down: an ephemeral message from another device of a conversation.
import { f } from '../codec/field';
import { defineFrame } from '../codec/frame';
import { MAX_EPHEMERAL_BYTES, MAX_ID_BYTES } from '../limits';

export const EphemeralDownFrame = defineFrame(69, 'ephemeral', {
  conv: f.str(MAX_ID_BYTES),
  envelope: f.bytes(MAX_EPHEMERAL_BYTES),
});
