// Presence and typing: ephemeral signals between member devices, and who is online.
export { EphemeralChannel, type EphemeralChannelDeps } from './channel';
export { fetchPresence } from './lookup';
