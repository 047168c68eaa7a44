// `@mekong/client-core/password`: only what deriving password secrets needs, for a worker that does
// nothing else (the web app's password worker), so that its bundle holds libsodium and little more.
export { derivePasswordSecrets } from './password';
export { cryptoReady } from './sodium';
