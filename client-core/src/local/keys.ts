// Key layout of everything a device keeps behind the storage port. ASCII keys, ordered by design:
// padded numbers sort numerically, so "latest N" is one reverse range scan.

const pad = (n: number, width = 15) => String(n).padStart(width, '0');

export const K = {
  session: 'meta/session',
  deviceKeys: 'meta/device-keys',
  keystore: 'meta/keystore',
  identities: (userId: string) => `ident/${userId}`,
  convPrefix: 'conv/',
  convInfo: (conv: string) => `conv/${conv}/info`,
  convState: (conv: string) => `conv/${conv}/state`,
  /** the pins this device has verified for a conversation (sync/pins.ts) */
  convPins: (conv: string) => `conv/${conv}/pins`,
  docBase: (conv: string) => `doc/${conv}/base`,
  docUpdatesPrefix: (conv: string) => `doc/${conv}/u/`,
  docUpdate: (conv: string, n: number) => `doc/${conv}/u/${pad(n)}`,
  outboxPrefix: (conv: string) => `out/${conv}/`,
  outbox: (conv: string, counter: number) => `out/${conv}/${pad(counter)}`,
  msgPrefix: (conv: string) => `msg/${conv}/`,
  msg: (conv: string, sentAt: number, id: string) => `msg/${conv}/${pad(sentAt)}.${id}`,
  epochKey: (conv: string, epoch: number) => `epoch/${conv}/${pad(epoch, 8)}`,
  epochPrefix: (conv: string) => `epoch/${conv}/`,
  sealedFor: (conv: string, epoch: number) => `sealed/${conv}/${pad(epoch, 8)}`,
};

/** Parse the counter at the end of an outbox key. */
export const outboxCounter = (key: string): number => Number(key.slice(key.lastIndexOf('/') + 1));
