// @mekong/client-core: the embeddable Mekong client for browsers and Node. Everything a chat app,
// a bot or a test needs: accounts, end-to-end encrypted conversations kept locally, background sync.
import { cryptoReady } from './crypto';
import { Client, type ClientOptions } from './client/client';
import type { MekongClient } from './client/types';

export type { ClientOptions } from './client/client';
export type {
  ConnectionStatus,
  Conversation,
  ConversationSummary,
  FriendInfo,
  FriendRequestInfo,
  GroupInfo,
  GroupRole,
  MekongClient,
  Relation,
  MessageView,
  PresenceInfo,
  Session,
  UserProfile,
} from './client/types';
export { ErrorCode, isMekongError, MekongError } from '@mekong/schema';
export { createIndexedDbStorage, createMemoryStorage } from './storage';
export type { StoragePort, StorageOp, RangeOptions } from './storage';
export type { Transport, TransportConnection, TransportHandlers } from './transport/port';
export { webSocketTransport } from './transport/websocket';
export { safetyNumber } from './crypto';
export {
  asMediaKey,
  decryptMedia,
  deleteMedia,
  downloadMedia,
  downloadMediaStream,
  type EncryptedMedia,
  type EncryptedMediaStream,
  encryptedMediaSize,
  encryptMedia,
  type MediaApi,
  type MediaKey,
  type MediaRefLike,
  type UploadedMedia,
  uploadMedia,
} from './media';

/**
 * Create a client. A session saved in `storage` is restored and starts syncing at once, so a
 * returning user is logged in and sees their conversations even offline.
 * @example
 * const client = await createClient({ server: location.origin, storage: await createIndexedDbStorage('mekong') });
 * if (!client.session) await client.register({ username: 'lan', password: 'correct horse', displayName: 'Lan' });
 * const chat = await client.openDirect('minh');
 * chat.subscribe((messages) => render(messages));
 * await chat.send('Chào Minh!');
 * await chat.markRead();
 * await client.close();
 */
export async function createClient(opts: ClientOptions): Promise<MekongClient> {
  await cryptoReady();
  const client = new Client(opts);
  await client.restore();
  return client;
}
