// down: a push was made durable under sequence number `seq` (sent only after the log commit).
import { f } from '../codec/field';
import { defineFrame } from '../codec/frame';
import { MAX_ID_BYTES } from '../limits';

export const AckFrame = defineFrame(65, 'ack', {
  conv: f.str(MAX_ID_BYTES),
  counter: f.uint(),
  seq: f.uint(),
});
