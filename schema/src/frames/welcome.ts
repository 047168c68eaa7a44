// down: the connection is authenticated (also the answer to a token refresh).
import { f } from '../codec/field';
import { defineFrame } from '../codec/frame';
import { MAX_ID_BYTES } from '../limits';

export const WelcomeFrame = defineFrame(64, 'welcome', {
  protocol: f.uint(),
  user: f.str(MAX_ID_BYTES),
  device: f.str(MAX_ID_BYTES),
  /** Token expiry, ms since the epoch; refresh before it. */
  expiresAt: f.uint(),
});
