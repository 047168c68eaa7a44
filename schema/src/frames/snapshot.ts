// down: the latest snapshot, sent first in a catch-up when the client is behind it; covers seq 1..`seq`.
import { f } from '../codec/field';
import { defineFrame } from '../codec/frame';
import { MAX_ID_BYTES, MAX_SNAPSHOT_BYTES } from '../limits';

export const SnapshotFrame = defineFrame(67, 'snapshot', {
  conv: f.str(MAX_ID_BYTES),
  seq: f.uint(),
  envelope: f.bytes(MAX_SNAPSHOT_BYTES),
});
