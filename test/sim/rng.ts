// The simulations' seeded PRNG is the relay test kit's, so a seed means the same data everywhere.
export { rng } from '@mekong/relay/rng';
