// up: authenticate the connection (first frame) or refresh the token on an open socket.
import { f } from '../codec/field';
import { defineFrame } from '../codec/frame';
import { MAX_TOKEN_BYTES } from '../limits';

export const AuthFrame = defineFrame(1, 'auth', {
  protocol: f.uint(),
  token: f.str(MAX_TOKEN_BYTES),
});
