// up: an encrypted snapshot of the merged document covering the log up to and including `seq`.
import { f } from '../codec/field';
import { defineFrame } from '../codec/frame';
import { MAX_ID_BYTES, MAX_SNAPSHOT_BYTES } from '../limits';

export const PutSnapshotFrame = defineFrame(5, 'put-snapshot', {
  conv: f.str(MAX_ID_BYTES),
  seq: f.uint(),
  envelope: f.bytes(MAX_SNAPSHOT_BYTES),
});
