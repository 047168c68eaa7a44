// up: follow a conversation and receive everything after sequence number `after` (0 = from the start).
// Sending it again for an open subscription is how a client fills a detected gap.
import { f } from '../codec/field';
import { defineFrame } from '../codec/frame';
import { MAX_ID_BYTES } from '../limits';

export const SubscribeFrame = defineFrame(2, 'subscribe', {
  conv: f.str(MAX_ID_BYTES),
  after: f.uint(),
});
