// Membership logs: entry format and replay rules, shared by clients and servers.
export * from './entry';
export { applyEntry, authorize, type LogCrypto, type MembershipState, replayLog } from './state';
