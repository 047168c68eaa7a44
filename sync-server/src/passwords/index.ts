// Password hashing: the port and its Argon2id adapter.
export { type Argon2Limits, createArgon2Hasher, interactiveLimits, minimalLimits } from './argon2';
export type { PasswordHasher } from './port';
export { createPooledArgon2Hasher, type PooledHasher } from './worker-pool';
