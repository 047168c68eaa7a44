// up: liveness probe; the relay answers with pong carrying the same id.
import { f } from '../codec/field';
import { defineFrame } from '../codec/frame';

export const PingFrame = defineFrame(7, 'ping', { id: f.uint() });
