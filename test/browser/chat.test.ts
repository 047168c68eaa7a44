// Browser scenario: two people chat through the real server in headless Chromium, including a message
// written offline, a reload while offline, and both sides ending with the same history.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMekong } from '@mekong/sync-server';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ARTIFACTS,
  buildWeb,
  chatTexts,
  cuttableNetwork,
  hasChromium,
  launchChromium,
  messageWithText,
  type Network,
  type Person,
  register,
  sendMessage,
} from './helpers';

const alice: Person = { username: 'alice', displayName: 'Alice Nguyễn', password: 'correct horse battery' };
const bob: Person = { username: 'bob', displayName: 'Bảo Trần', password: 'staple battery horse' };
const HELLO = 'Chào Bob! Cuối tuần này đi Cần Thơ không? 🚤';
const REPLY = 'Đi chứ! Mình mang theo bánh xèo nhé.';
const OFFLINE = 'Mình đang ở chỗ không có sóng, lát nữa gửi 📵';
/** More than one window of history (the client opens the newest 50), to exercise loading older. */
const BURST = Array.from({ length: 52 }, (_, i) => `Tin số ${i + 1}`);
const LAST = BURST[BURST.length - 1] ?? '';
const LIVE = 30_000;

interface Side {
  name: string;
  context: BrowserContext;
  page: Page;
  errors: string[];
  console: string[];
  network: Network;
}

if (!hasChromium) console.warn('Skipping the browser scenario: /usr/bin/chromium is not installed (apt-get install chromium).');

describe.skipIf(!hasChromium)('web app in Chromium (needs /usr/bin/chromium)', () => {
  let dir: string;
  let server: Awaited<ReturnType<typeof startMekong>>;
  let browser: Browser;
  let a: Side;
  let b: Side;
  // the steps build on each other: after a failure the rest would only time out one by one
  let failed = false;

  async function openSide(name: string, locale: string): Promise<Side> {
    const context = await browser.newContext({ locale, viewport: { width: 1100, height: 720 } });
    const network = await cuttableNetwork(context);
    const page = await context.newPage();
    const side: Side = { name, context, page, errors: [], console: [], network };
    page.on('pageerror', (err) => side.errors.push(err.message));
    page.on('console', (m) => side.console.push(`${m.type()}: ${m.text()}`));
    await page.goto(server.url);
    return side;
  }

  beforeEach(({ skip, onTestFailed }) => {
    if (failed) skip('an earlier step failed');
    onTestFailed(async () => {
      failed = true;
      mkdirSync(ARTIFACTS, { recursive: true });
      for (const side of [a, b]) {
        if (!side) continue;
        await side.page.screenshot({ path: join(ARTIFACTS, `failure-${side.name}.png`) }).catch(() => {});
        console.error(`${side.name}'s page errors and console:\n${[...side.errors, ...side.console].join('\n')}`);
      }
    });
  });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mekong-browser-'));
    const webDist = join(dir, 'web');
    await buildWeb(webDist);
    server = await startMekong({ port: 0, dataDir: join(dir, 'data'), webDist, logLevel: 'warn' });
    browser = await launchChromium();
    // Alice's browser speaks English, Bob's Vietnamese: both languages are exercised end to end.
    a = await openSide('alice', 'en-US');
    b = await openSide('bob', 'vi-VN');
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('registers both people, each in their browser language', async () => {
    expect(await a.page.getByTestId('auth-tab-register').textContent()).toBe('Create account');
    expect(await b.page.getByTestId('auth-tab-register').textContent()).toBe('Tạo tài khoản');
    await register(a.page, alice);
    await register(b.page, bob);
    expect(await a.page.getByTestId('me-name').textContent()).toBe(alice.displayName);
    expect(await b.page.getByTestId('me-name').textContent()).toBe(bob.displayName);
  });

  it('says clearly when a username does not exist', async () => {
    await a.page.getByTestId('new-chat-input').fill('nobody_here');
    await a.page.getByTestId('new-chat-submit').click();
    const error = a.page.getByTestId('new-chat-error');
    await error.waitFor({ timeout: LIVE });
    expect(await error.textContent()).toBe('No user is called “nobody_here”. Check the spelling.');
  });

  it('delivers a message live, and the reply back', async () => {
    await a.page.getByTestId('new-chat-input').fill('bob');
    await a.page.getByTestId('new-chat-submit').click();
    await a.page.getByTestId('chat-peer-name').getByText(bob.displayName).waitFor({ timeout: LIVE });
    await sendMessage(a.page, HELLO);
    const sent = messageWithText(a.page, HELLO);
    expect(await sent.getAttribute('data-mine')).toBe('true');
    await expect.poll(() => sent.getAttribute('data-status'), { timeout: LIVE }).toBe('sent');

    // Bob has no chat open: the conversation shows up in his list with an unread badge
    const item = b.page.getByTestId('conversation-item');
    await item.getByText(HELLO).waitFor({ timeout: LIVE });
    expect(await item.getByTestId('unread-badge').getAttribute('data-count')).toBe('1');
    expect(await b.page.title()).toBe('(1) Mekong');
    expect(await item.textContent()).toContain(alice.displayName);
    await item.click();
    const received = messageWithText(b.page, HELLO);
    await received.waitFor();
    expect(await received.getAttribute('data-mine')).toBe('false');
    await expect.poll(() => item.getByTestId('unread-badge').count()).toBe(0);
    expect(await b.page.title()).toBe('Mekong');

    await sendMessage(b.page, REPLY);
    await messageWithText(a.page, REPLY).waitFor({ timeout: LIVE });
    expect(await messageWithText(a.page, REPLY).getAttribute('data-mine')).toBe('false');
  });

  it('keeps a message written offline pending, and shows the history after an offline reload', async () => {
    // the offline reload needs the shell worker in control of Bob's page first
    await b.page.waitForFunction(() => navigator.serviceWorker?.controller !== null, null, { timeout: LIVE });
    await b.network.goOffline();
    const banner = b.page.getByTestId('status-banner');
    await banner.waitFor({ timeout: LIVE });
    expect(await banner.getAttribute('data-status')).toBe('offline');
    expect(await banner.textContent()).toBe('Mất kết nối — tin nhắn sẽ được gửi khi có mạng trở lại');

    await sendMessage(b.page, OFFLINE);
    const pending = messageWithText(b.page, OFFLINE);
    expect(await pending.getAttribute('data-status')).toBe('pending');
    expect(await pending.getByTestId('message-pending').count()).toBe(1);

    // reload without network: the worker serves the app, IndexedDB the session, history and outbox
    const reload = await b.page.reload();
    expect(reload?.fromServiceWorker()).toBe(true);
    await messageWithText(b.page, OFFLINE).waitFor({ timeout: LIVE });
    expect(await chatTexts(b.page)).toEqual([HELLO, REPLY, OFFLINE]);
    expect(await messageWithText(b.page, OFFLINE).getAttribute('data-status')).toBe('pending');
    await b.page.getByTestId('status-banner').waitFor({ timeout: LIVE });

    // Alice cannot have it yet
    expect(await chatTexts(a.page)).toEqual([HELLO, REPLY]);
  });

  it('sends the pending message once back online', async () => {
    await b.network.goOnline();
    await expect
      .poll(() => messageWithText(b.page, OFFLINE).getAttribute('data-status'), { timeout: LIVE })
      .toBe('sent');
    await b.page.getByTestId('status-banner').waitFor({ state: 'detached', timeout: LIVE });
    await messageWithText(a.page, OFFLINE).waitFor({ timeout: LIVE });
  });

  it('ends with the same conversation, in the same order, on both sides', async () => {
    const expected = [HELLO, REPLY, OFFLINE];
    expect(await chatTexts(a.page)).toEqual(expected);
    expect(await chatTexts(b.page)).toEqual(expected);
    const mine = (p: Page) => p.getByTestId('message').evaluateAll((els) => els.map((e) => e.getAttribute('data-mine')));
    expect(await mine(a.page)).toEqual(['true', 'false', 'false']);
    expect(await mine(b.page)).toEqual(['false', 'true', 'true']);

    mkdirSync(ARTIFACTS, { recursive: true });
    await a.page.screenshot({ path: join(ARTIFACTS, 'alice-chat.png') });
    await b.page.screenshot({ path: join(ARTIFACTS, 'bob-chat.png') });
    expect(a.errors).toEqual([]);
    expect(b.errors).toEqual([]);
  });

  it('loads older messages when scrolled to the top, keeping the reader in place', async () => {
    for (const text of BURST) await sendMessage(a.page, text);
    await messageWithText(b.page, LAST).waitFor({ timeout: LIVE });
    const all = [HELLO, REPLY, OFFLINE, ...BURST];

    // a fresh page opens only the newest window of the history
    await b.page.reload();
    await messageWithText(b.page, LAST).waitFor({ timeout: LIVE });
    const first = await chatTexts(b.page);
    expect(first.length).toBeLessThan(all.length);
    expect(first).toEqual(all.slice(all.length - first.length));

    const list = b.page.getByTestId('message-list');
    const oldestShown = messageWithText(b.page, first[0] ?? '');
    await list.evaluate((el) => {
      el.scrollTop = 0;
    });
    await b.page.getByTestId('history-start').waitFor({ timeout: LIVE });
    expect(await chatTexts(b.page)).toEqual(all);
    // the message that was on top before the older page arrived is still on screen
    const box = await oldestShown.boundingBox();
    const view = await list.boundingBox();
    expect(box && view && box.y >= view.y && box.y + box.height <= view.y + view.height).toBe(true);
    expect(b.errors).toEqual([]);
  });

  it('remembers the chosen language across a reload', async () => {
    await a.page.getByTestId('lang-switch').selectOption('vi');
    expect(await a.page.getByTestId('logout').getAttribute('aria-label')).toBe('Đăng xuất');
    await a.page.reload();
    await a.page.getByTestId('logout').waitFor({ timeout: LIVE });
    expect(await a.page.getByTestId('logout').getAttribute('aria-label')).toBe('Đăng xuất');
    expect(await a.page.evaluate(() => document.documentElement.lang)).toBe('vi');
  });

  it('logs out, refuses a wrong password, and logs back in to the same conversation', async () => {
    await a.page.getByTestId('logout').click();
    await a.page.getByTestId('auth-tab-login').waitFor({ timeout: LIVE });
    await a.page.getByTestId('auth-tab-login').click();
    await a.page.getByTestId('auth-username').fill(alice.username);
    await a.page.getByTestId('auth-password').fill('not the password');
    await a.page.getByTestId('auth-submit').click();
    const error = a.page.getByTestId('auth-error');
    await error.waitFor({ timeout: LIVE });
    expect(await error.textContent()).toBe('Sai tên người dùng hoặc mật khẩu.');

    // Argon2id runs in a worker: the page keeps answering while the password is derived
    await a.page.evaluate(() => {
      const w = window as unknown as { longestTask: number };
      w.longestTask = 0;
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) w.longestTask = Math.max(w.longestTask, e.duration);
      }).observe({ type: 'longtask' });
    });
    await a.page.getByTestId('auth-password').fill(alice.password);
    await a.page.getByTestId('auth-submit').click();
    await a.page.getByTestId('new-chat-input').waitFor({ timeout: LIVE });
    const longest = await a.page.evaluate(() => (window as unknown as { longestTask: number }).longestTask);
    const workers = a.page.workers().map((w) => w.url());
    console.log(`sign-in: longest main-thread task ${longest.toFixed(0)} ms (one at 100 ms or more when Argon2id ran on the page); workers ${workers.join(', ')}`);
    expect(workers.filter((url) => /password-worker/.test(url))).toHaveLength(1);
    const item = a.page.getByTestId('conversation-item');
    await item.getByText(bob.displayName).waitFor({ timeout: LIVE });
    await item.click();
    // the conversation and its history are back; the newest message is on screen
    await messageWithText(a.page, LAST).waitFor({ timeout: LIVE });
    expect(await messageWithText(a.page, LAST).getAttribute('data-mine')).toBe('true');
    expect(a.errors).toEqual([]);
  });
});
