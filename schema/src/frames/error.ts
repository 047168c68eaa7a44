// down: a typed error. `conv`/`counter` point at the frame that caused it when there is one.
import { f } from '../codec/field';
import { defineFrame } from '../codec/frame';
import { MAX_ERROR_MESSAGE_BYTES, MAX_ID_BYTES } from '../limits';

export const ErrorFrame = defineFrame(70, 'error', {
  code: f.str(64),
  message: f.str(MAX_ERROR_MESSAGE_BYTES),
  conv: f.optional(f.str(MAX_ID_BYTES)),
  counter: f.optional(f.uint()),
});
