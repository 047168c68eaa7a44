// Cluster-wide revocation from the services' side: publishing what was revoked (and, on the same bus,
// hints that someone was given a conversation), and the session-aware token check the relays
// authenticate with.
export { announce, hintChanged, hintJoins, type RevocationPublisher } from './announce';
export { createSessionTokenVerifier } from './verifier';
