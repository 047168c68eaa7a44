// down: one logged update, live or during catch-up. Sequence numbers per conversation start at 1 and have no holes.
import { f } from '../codec/field';
import { defineFrame } from '../codec/frame';
import { MAX_ID_BYTES, MAX_UPDATE_BYTES } from '../limits';

export const UpdateFrame = defineFrame(66, 'update', {
  conv: f.str(MAX_ID_BYTES),
  seq: f.uint(),
  envelope: f.bytes(MAX_UPDATE_BYTES),
});
