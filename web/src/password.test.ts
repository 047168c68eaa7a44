// The web app's password deriver: the worker's answer (secrets or a typed error) is what sign-in gets,
// one worker serves every sign-in, and where no worker can run, or it dies, the same secrets are
// derived on the page instead.
import { isMekongError } from '@mekong/client-core';
import { cryptoReady, derivePasswordSecrets } from '@mekong/client-core/password';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { workerPasswordDeriver } from './password';
import type { PasswordAnswer, PasswordRequest } from './password-worker';

/** A stand-in for the browser's Worker: it keeps what it is asked and answers when the test says. */
class FakeWorker {
  static made: FakeWorker[] = [];
  static failToStart = false;
  asked: PasswordRequest[] = [];
  onmessage: ((e: { data: PasswordAnswer }) => void) | null = null;
  onerror: (() => void) | null = null;
  terminated = false;
  constructor(
    readonly url: URL,
    readonly options: { type: string; name: string },
  ) {
    if (FakeWorker.failToStart) throw new Error('workers are blocked here');
    FakeWorker.made.push(this);
  }
  postMessage(m: PasswordRequest) {
    this.asked.push(m);
  }
  terminate() {
    this.terminated = true;
  }
  answer(a: PasswordAnswer) {
    this.onmessage?.({ data: a });
  }
}

const codeOf = (p: Promise<unknown>) => p.then(() => 'resolved', (e: unknown) => (isMekongError(e) ? e.code : 'untyped'));

beforeAll(async () => {
  await cryptoReady();
});
afterEach(() => {
  vi.unstubAllGlobals();
  FakeWorker.made = [];
  FakeWorker.failToStart = false;
});

describe('workerPasswordDeriver', () => {
  it('asks one module worker for every derivation and answers with what it sends back', async () => {
    vi.stubGlobal('Worker', FakeWorker);
    const derive = workerPasswordDeriver();
    const first = derive('lan', 'mật khẩu dài');
    const second = derive('minh', 'another password');
    expect(FakeWorker.made).toHaveLength(1);
    const [w] = FakeWorker.made;
    expect(w?.url.pathname).toMatch(/password-worker\.ts$/);
    expect(w?.options).toMatchObject({ type: 'module' });
    expect(w?.asked.map(({ username, password }) => [username, password])).toEqual([
      ['lan', 'mật khẩu dài'],
      ['minh', 'another password'],
    ]);
    const key = new Uint8Array(32).fill(7);
    // answers may come in any order; each goes to its own request
    w?.answer({ id: w.asked[1]!.id, loginSecret: 'secret-minh', backupKey: key });
    w?.answer({ id: w.asked[0]!.id, loginSecret: 'secret-lan', backupKey: key });
    expect(await first).toEqual({ loginSecret: 'secret-lan', backupKey: key });
    expect(await second).toEqual({ loginSecret: 'secret-minh', backupKey: key });
  });

  it('turns an error the worker reports into a typed error, INTERNAL for a code it does not know', async () => {
    vi.stubGlobal('Worker', FakeWorker);
    const derive = workerPasswordDeriver();
    const bad = derive('lan', 'x');
    const odd = derive('lan', 'y');
    const w = FakeWorker.made[0]!;
    w.answer({ id: w.asked[0]!.id, error: { code: 'BAD_REQUEST', message: 'A password is required.' } });
    w.answer({ id: w.asked[1]!.id, error: { code: 'NOT_A_CODE', message: 'something broke' } });
    expect(await codeOf(bad)).toBe('BAD_REQUEST');
    expect(await codeOf(odd)).toBe('INTERNAL');
  });

  it('derives on the page when there is no worker, when one cannot start, and after one died', async () => {
    const expected = await derivePasswordSecrets('lan', 'mật khẩu dài');

    vi.stubGlobal('Worker', undefined);
    expect(await workerPasswordDeriver()('lan', 'mật khẩu dài')).toEqual(expected);

    vi.stubGlobal('Worker', FakeWorker);
    FakeWorker.failToStart = true;
    expect(await workerPasswordDeriver()('lan', 'mật khẩu dài')).toEqual(expected);

    FakeWorker.failToStart = false;
    const derive = workerPasswordDeriver();
    const pending = derive('lan', 'mật khẩu dài');
    const w = FakeWorker.made[0]!;
    w.onerror?.(); // its script failed to load: what it was asked is derived here
    expect(await pending).toEqual(expected);
    expect(w.terminated).toBe(true);
    // and so is what follows, without another worker
    expect(await derive('lan', 'mật khẩu dài')).toEqual(expected);
    expect(FakeWorker.made).toHaveLength(1);
  });
});
