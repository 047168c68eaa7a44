// Accounts for the capacity benchmark, set up over raw HTTP against a Mekong API process: each user
// registers, adds one device (so its access token names the device, as a real client's does), and
// users pair up in 1-1 conversations, which their connections then follow.
import { cryptoReady } from '@mekong/client-core/testing';
import { postJson, registerAccount } from '../accounts';
import type { Target } from './control';

/**
 * `count` users (an even number) named `<prefix>_<n>`, each with a device token and the 1-1
 * conversation it shares with its partner (users 0+1, 2+3, ...).
 */
export async function createTargets(base: string, prefix: string, count: number, concurrency = 16, progress?: (done: number) => void): Promise<Target[]> {
  await cryptoReady();
  const pairs = Math.ceil(count / 2);
  const out: Target[] = new Array(pairs * 2);
  let next = 0;
  let done = 0;
  const worker = async () => {
    for (;;) {
      const p = next++;
      if (p >= pairs) return;
      const names = [`${prefix}_${2 * p}`, `${prefix}_${2 * p + 1}`] as const;
      const a = await registerAccount(base, names[0]);
      const b = await registerAccount(base, names[1]);
      const direct = await postJson<{ conversation: { id: string } }>(base, '/api/conversations/direct', { peerUserId: b.userId }, a.accessToken);
      out[2 * p] = { id: names[0], token: a.accessToken, refresh: a.refreshToken, conv: direct.conversation.id };
      out[2 * p + 1] = { id: names[1], token: b.accessToken, refresh: b.refreshToken, conv: direct.conversation.id };
      done += 2;
      if (done % 500 === 0) progress?.(done);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return out.slice(0, count);
}

/**
 * Fresh access tokens for `targets` (rotating their refresh tokens), in place: access tokens live
 * 15 minutes, less than setting up 100,000 connections can take on a busy machine.
 */
export async function refreshTargets(base: string, targets: Target[], concurrency = 32): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (;;) {
      const t = targets[next++];
      if (!t) return;
      if (!t.refresh) throw new Error(`${t.id} has no refresh token`);
      const pair = await postJson<{ accessToken: string; refreshToken: string }>(base, '/api/users/refresh', { refreshToken: t.refresh });
      t.token = pair.accessToken;
      t.refresh = pair.refreshToken;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}
