// down: a conversation this connection follows changed outside its own updates (renamed, a member
// added or removed, a role changed, keys rotated, a 1-1 unblocked). A hint to re-read the
// conversation list now: it names only the conversation and proves nothing; the list read over HTTP
// and the conversation's signed membership log decide. Sent only to connections that authenticated
// with protocol CHANGED_MIN_PROTOCOL or later.
import { f } from '../codec/field';
import { defineFrame } from '../codec/frame';
import { MAX_ID_BYTES } from '../limits';

export const ChangedFrame = defineFrame(74, 'changed', {
  conv: f.str(MAX_ID_BYTES),
});
