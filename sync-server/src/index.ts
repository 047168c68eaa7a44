// @mekong/sync-server: Hono services (accounts, directory, conversations, key envelopes) plus the
// one-process runner that also embeds the relay and serves the web app.
export { startMekong, type RunningMekong, type StartOptions } from './main';
export { createServices, type Services, type ServicesOptions } from './services';
export { isPostgresUrl, migrateToLatest, openDatabase } from './db';
export type { Db } from './db';
