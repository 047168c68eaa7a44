// down: the relay ended a subscription (for example, membership was revoked); `code` says why.
import { f } from '../codec/field';
import { defineFrame } from '../codec/frame';
import { MAX_ID_BYTES } from '../limits';

export const UnsubscribedFrame = defineFrame(72, 'unsubscribed', {
  conv: f.str(MAX_ID_BYTES),
  code: f.str(64),
});
