// up: one encrypted CRDT update. `counter` is the device's own per-conversation counter: the relay
// deduplicates resends by (conversation, device, counter) and answers a resend with the original seq.
import { f } from '../codec/field';
import { defineFrame } from '../codec/frame';
import { MAX_ID_BYTES, MAX_UPDATE_BYTES } from '../limits';

export const PushFrame = defineFrame(4, 'push', {
  conv: f.str(MAX_ID_BYTES),
  counter: f.uint(),
  envelope: f.bytes(MAX_UPDATE_BYTES),
});
