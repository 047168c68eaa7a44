// up: stop following a conversation.
import { f } from '../codec/field';
import { defineFrame } from '../codec/frame';
import { MAX_ID_BYTES } from '../limits';

export const UnsubscribeFrame = defineFrame(3, 'unsubscribe', {
  conv: f.str(MAX_ID_BYTES),
});
