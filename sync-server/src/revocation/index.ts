// Cluster-wide revocation from the services' side: publishing what was revoked, and the session-aware
// token check the relays authenticate with.
export { announce, type RevocationPublisher } from './announce';
export { createSessionTokenVerifier } from './verifier';
