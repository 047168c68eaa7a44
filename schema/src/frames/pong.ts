// down: answer to ping.
import { f } from '../codec/field';
import { defineFrame } from '../codec/frame';

export const PongFrame = defineFrame(71, 'pong', { id: f.uint() });
