// A returning user's cold open: the session is restored and the newest page of a conversation is
// read from this device alone, with no stored membership entry verified again and no network call
// before the page is there; syncing starts right after.
import { ErrorCode, MekongError, type Message } from '@mekong/schema';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { certifyDevice, cryptoReady, encodeDeviceCertificate, generateDeviceKeys, generateIdentity, toBase64url } from '../crypto';
import type { ApiClient } from '../http/api';
import { createClient } from '../index';
import { encodeSecrets, type DeviceSecrets } from '../keys/secrets';
import { toBytes } from '../local/json';
import { K } from '../local/keys';
import { logCrypto } from '../membership/log';
import { MembershipTracker } from '../membership/tracker';
import { createMemoryStorage, type StoragePort } from '../storage';
import { entryFromMessage, putEntryOp } from '../sync/entries';
import type { Transport } from '../transport/port';

const GROUP = 'group-cold-open';

async function returningDevice(): Promise<StoragePort> {
  await cryptoReady();
  const identity = generateIdentity();
  const device = generateDeviceKeys();
  const cert = certifyDevice(identity, { userId: 'lan', deviceId: 'lan-d1', signPublicKey: device.signPublicKey, boxPublicKey: device.boxPublicKey, issuedAt: 1 });
  const me: DeviceSecrets = { userId: 'lan', deviceId: 'lan-d1', identity, device, backupKey: new Uint8Array(32) as never, certificate: toBase64url(encodeDeviceCertificate(cert)) };
  const storage = createMemoryStorage();
  const session = { userId: 'lan', username: 'lan', displayName: 'Lan', deviceId: 'lan-d1' };
  await storage.batch([
    { type: 'put', key: K.deviceKeys, value: encodeSecrets(me) },
    { type: 'put', key: K.session, value: toBytes({ session, tokens: { accessToken: 'a', refreshToken: 'r', accessExpiresAt: Date.now() + 3_600_000 } }) },
    { type: 'put', key: K.convInfo(GROUP), value: toBytes({ id: GROUP, kind: 'group', members: ['lan'], name: 'Nhà mình' }) },
  ]);
  // the log this device verified and stored when the group was made
  await new MembershipTracker({} as ApiClient, storage, me, () => 1000).create(
    GROUP,
    { op: 'create', kind: 'group', members: [{ user: 'lan', identityKey: toBase64url(identity.publicKey), role: 'owner' }], epoch: 1 },
    async () => {},
  );
  const history: Message[] = Array.from({ length: 120 }, (_, i) => ({ id: `m${i}`, author: { user: 'lan', device: 'lan-d1' }, kind: 'text', body: `tin ${i}`, sentAt: 10_000 + i, sig: 'x' }));
  await storage.batch(history.map((m) => putEntryOp(GROUP, entryFromMessage(m, 'sent'))));
  return storage;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('cold open of a returning device', () => {
  it('shows the newest page from local storage before any network call, then starts syncing', async () => {
    const storage = await returningDevice();
    const network: string[] = [];
    const transport: Transport = (url, handlers) => {
      network.push(`connect ${new URL(url).pathname}`);
      queueMicrotask(() => handlers.onClose(1006, 'no relay here'));
      return { send: () => {}, close: () => {} };
    };
    const fetchStub = (async (input: string | URL | Request) => {
      network.push(`fetch ${String(input)}`);
      throw new MekongError(ErrorCode.UNAVAILABLE, 'offline');
    }) as typeof fetch;
    const verify = vi.spyOn(logCrypto, 'verifyEntry');

    const client = await createClient({ server: 'http://127.0.0.1:9', storage, transport, fetch: fetchStub, pollIntervalMs: 3_600_000, reconnect: { minMs: 3_600_000, maxMs: 3_600_000 } });
    const chat = await client.open(GROUP);
    const page = chat.messages();
    expect(page).toHaveLength(50);
    expect(page.at(-1)?.text).toBe('tin 119');
    expect(network).toEqual([]);
    expect(verify).not.toHaveBeenCalled();
    expect((await client.groups()).map((g) => [g.name, g.role, g.epoch])).toEqual([['Nhà mình', 'owner', 1]]);

    await new Promise((r) => setTimeout(r, 20));
    expect(network).toContain('connect /sync');
    chat.close();
    await client.close();
  });

  it('starts no sync at all when closed at once', async () => {
    const storage = await returningDevice();
    let connects = 0;
    const transport: Transport = (_url, handlers) => {
      connects++;
      queueMicrotask(() => handlers.onClose(1006, 'no relay here'));
      return { send: () => {}, close: () => {} };
    };
    const client = await createClient({ server: 'http://127.0.0.1:9', storage, transport, fetch: (async () => Promise.reject(new Error('offline'))) as typeof fetch });
    await client.close();
    await new Promise((r) => setTimeout(r, 20));
    expect(connects).toBe(0);
  });
});
