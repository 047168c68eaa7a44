// up: an encrypted ephemeral message (typing, presence); relayed to current subscribers, never stored.
import { f } from '../codec/field';
import { defineFrame } from '../codec/frame';
import { MAX_EPHEMERAL_BYTES, MAX_ID_BYTES } from '../limits';

export const EphemeralUpFrame = defineFrame(6, 'ephemeral', {
  conv: f.str(MAX_ID_BYTES),
  envelope: f.bytes(MAX_EPHEMERAL_BYTES),
});
