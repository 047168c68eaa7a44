// down: the user was given a conversation (a group created with them, a member added, a 1-1
// conversation started with them). A hint to re-read the conversation list now: it names only the
// conversation, grants nothing, and the list the client reads over HTTP decides. Sent only to
// connections that authenticated with protocol JOINED_MIN_PROTOCOL or later.
import { f } from '../codec/field';
import { defineFrame } from '../codec/frame';
import { MAX_ID_BYTES } from '../limits';

export const JoinedFrame = defineFrame(73, 'joined', {
  conv: f.str(MAX_ID_BYTES),
});
