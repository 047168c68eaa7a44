// down: catch-up for a subscription is complete up to `head`; later updates arrive live.
import { f } from '../codec/field';
import { defineFrame } from '../codec/frame';
import { MAX_ID_BYTES } from '../limits';

export const SyncedFrame = defineFrame(68, 'synced', {
  conv: f.str(MAX_ID_BYTES),
  head: f.uint(),
});
