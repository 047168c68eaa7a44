// Browser scenario: three people in three browsers. Two become friends through the Friends view,
// one creates a group with the other two through the UI, all three chat; the owner removes one
// member, the other two keep chatting, and the removed member's app shows none of what follows.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMekong } from '@mekong/sync-server';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ARTIFACTS,
  type BrowserSide,
  buildWeb,
  chatTexts,
  conversationItem,
  hasChromium,
  launchChromium,
  messageWithText,
  openBrowserSide,
  type Person,
  register,
  sendMessage,
} from './helpers';

const lan: Person = { username: 'lan', displayName: 'Lan Phạm', password: 'lan password 1' };
const minh: Person = { username: 'minh', displayName: 'Minh Trần', password: 'minh password 1' };
const hoa: Person = { username: 'hoa', displayName: 'Hoa Lê', password: 'hoa password 1' };
const GROUP = 'Nhà mình 🏡';
const RENAMED = 'Nhà mình (2 người)';
const HELLO = 'Chào cả nhà!';
const FROM_MINH = 'Minh đây, chào mọi người';
const FROM_HOA = 'Hoa cũng ở đây nè';
const AFTER_LAN = 'Chuyện riêng sau khi Hoa rời nhóm';
const AFTER_MINH = 'Ừ, chỉ hai đứa mình thôi';
const DIRECT = 'Hoa ơi, nhóm mình đổi rồi nhé';
/** Generous: group membership reaches other devices through the client's 5 s poll. */
const LIVE = 30_000;

if (!hasChromium) console.warn('Skipping the group browser scenario: /usr/bin/chromium is not installed (apt-get install chromium).');

/** The member rows of the open group info panel, as "username:role". */
function memberRows(page: Page): Promise<string[]> {
  return page
    .getByTestId('group-member')
    .evaluateAll((els) => els.map((e) => `${e.getAttribute('data-username')}:${e.getAttribute('data-role')}`));
}

describe.skipIf(!hasChromium)('groups in the web app (needs /usr/bin/chromium)', () => {
  let dir: string;
  let server: Awaited<ReturnType<typeof startMekong>>;
  let browser: Browser;
  let a: BrowserSide; // Lan, English, creates and owns the group
  let b: BrowserSide; // Minh, Vietnamese, Lan's friend
  let c: BrowserSide; // Hoa, English, added by username and later removed
  let groupId = '';
  let failed = false;

  beforeEach(({ skip, onTestFailed }) => {
    if (failed) skip('an earlier step failed');
    onTestFailed(async () => {
      failed = true;
      mkdirSync(ARTIFACTS, { recursive: true });
      for (const side of [a, b, c]) {
        if (!side) continue;
        await side.page.screenshot({ path: join(ARTIFACTS, `groups-failure-${side.name}.png`) }).catch(() => {});
        console.error(`${side.name}'s page errors and console:\n${[...side.errors, ...side.console].join('\n')}`);
      }
    });
  });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mekong-browser-groups-'));
    const webDist = join(dir, 'web');
    await buildWeb(webDist);
    server = await startMekong({ port: 0, dataDir: join(dir, 'data'), webDist, logLevel: 'warn' });
    browser = await launchChromium();
    a = await openBrowserSide(browser, server.url, 'lan', 'en-US');
    b = await openBrowserSide(browser, server.url, 'minh', 'vi-VN');
    c = await openBrowserSide(browser, server.url, 'hoa', 'en-US');
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('registers three people', async () => {
    await Promise.all([register(a.page, lan), register(b.page, minh), register(c.page, hoa)]);
    expect(await a.page.getByTestId('me-name').textContent()).toBe(lan.displayName);
    expect(await b.page.getByTestId('me-name').textContent()).toBe(minh.displayName);
    expect(await c.page.getByTestId('me-name').textContent()).toBe(hoa.displayName);
  });

  it('makes Lan and Minh friends through search and an accepted request', async () => {
    await a.page.getByTestId('nav-friends').click();
    await a.page.getByTestId('friends-search-input').fill('minh');
    await a.page.getByTestId('friends-search-submit').click();
    const hit = a.page.locator('[data-testid="search-result"][data-username="minh"]');
    await hit.waitFor({ timeout: LIVE });
    await hit.getByTestId('add-friend').click();
    await a.page.locator('[data-testid="friend-request-outgoing"][data-username="minh"]').waitFor({ timeout: LIVE });

    await b.page.getByTestId('nav-friends').click();
    const request = b.page.locator('[data-testid="friend-request-incoming"][data-username="lan"]');
    await request.waitFor({ timeout: LIVE });
    expect(await b.page.getByTestId('friend-requests-badge').getAttribute('data-count')).toBe('1');
    await request.getByTestId('accept-request').click();
    await b.page.locator('[data-testid="friend"][data-username="lan"]').waitFor({ timeout: LIVE });
    await b.page.getByTestId('friend-requests-badge').waitFor({ state: 'detached' });
    await b.page.getByTestId('nav-chats').click();
    await a.page.getByTestId('nav-chats').click();
  });

  it('creates a group from a friend and a typed username', async () => {
    await a.page.getByTestId('new-group-open').click();
    const dialog = a.page.getByTestId('new-group-dialog');
    await dialog.waitFor();
    // nothing is created without a name
    await a.page.getByTestId('new-group-create').click();
    expect(await a.page.getByTestId('new-group-error').textContent()).toBe('Give the group a name.');
    await a.page.getByTestId('new-group-name').fill(GROUP);
    const friend = a.page.locator('[data-testid="new-group-friend"][data-username="minh"]');
    await friend.waitFor({ timeout: LIVE });
    await friend.locator('input[type="checkbox"]').check();
    // a typo is caught before the group exists
    await a.page.getByTestId('new-group-username').fill('hoa_typo');
    await a.page.getByTestId('new-group-username-add').click();
    expect(await a.page.getByTestId('new-group-username-error').textContent()).toBe('No user is called “hoa_typo”. Check the spelling.');
    await a.page.getByTestId('new-group-username').fill('@Hoa');
    await a.page.getByTestId('new-group-username-add').click();
    await a.page.locator('[data-testid="new-group-chosen"][data-username="hoa"]').waitFor();
    await a.page.getByTestId('new-group-create').click();

    await dialog.waitFor({ state: 'detached', timeout: LIVE });
    const chat = a.page.getByTestId('chat');
    await a.page.getByTestId('chat-peer-name').getByText(GROUP).waitFor({ timeout: LIVE });
    groupId = (await chat.getAttribute('data-conversation-id')) ?? '';
    expect(groupId).not.toBe('');
    expect(await chat.getAttribute('data-kind')).toBe('group');
    await expect.poll(() => a.page.getByTestId('chat-subtitle').textContent(), { timeout: LIVE }).toContain('Members: 3');
    const item = conversationItem(a.page, groupId);
    expect(await item.getAttribute('data-kind')).toBe('group');
    expect(await item.getByTestId('conversation-members').getAttribute('data-count')).toBe('3');
  });

  it('lets all three chat and see each other’s messages, with who wrote them', async () => {
    await sendMessage(a.page, HELLO);
    for (const side of [b, c]) {
      const item = conversationItem(side.page, groupId);
      await item.waitFor({ timeout: LIVE });
      await item.getByText(HELLO).waitFor({ timeout: LIVE });
      await item.click();
      await messageWithText(side.page, HELLO).waitFor({ timeout: LIVE });
      expect(await side.page.getByTestId('chat-peer-name').textContent()).toBe(GROUP);
    }
    // Minh's app is in Vietnamese
    expect(await b.page.getByTestId('chat-subtitle').textContent()).toContain('Thành viên: 3');
    expect(await messageWithText(b.page, HELLO).getByTestId('message-author').textContent()).toBe(lan.displayName);

    await sendMessage(b.page, FROM_MINH);
    await sendMessage(c.page, FROM_HOA);
    for (const side of [a, b, c]) {
      await messageWithText(side.page, FROM_MINH).waitFor({ timeout: LIVE });
      await messageWithText(side.page, FROM_HOA).waitFor({ timeout: LIVE });
      expect((await chatTexts(side.page)).sort()).toEqual([HELLO, FROM_MINH, FROM_HOA].sort());
    }
    expect(await messageWithText(a.page, FROM_HOA).getByTestId('message-author').textContent()).toBe(hoa.displayName);
    expect(await messageWithText(c.page, FROM_MINH).getByTestId('message-author').textContent()).toBe(minh.displayName);
  });

  it('shows members and roles, and offers a plain member no way to remove anyone', async () => {
    await a.page.getByTestId('chat-info-toggle').click();
    await a.page.getByTestId('group-info').waitFor();
    await expect.poll(() => memberRows(a.page), { timeout: LIVE }).toEqual(['lan:owner', 'hoa:member', 'minh:member']);
    expect(await a.page.getByTestId('group-member-remove').count()).toBe(2);

    await c.page.getByTestId('chat-info-toggle').click();
    await c.page.getByTestId('group-info').waitFor();
    await expect.poll(() => memberRows(c.page), { timeout: LIVE }).toHaveLength(3);
    expect(await c.page.getByTestId('group-member-remove').count()).toBe(0);
    expect(await c.page.getByTestId('group-add-input').count()).toBe(0);
    expect(await c.page.getByTestId('group-disband').count()).toBe(0);
    await c.page.getByTestId('chat-info-close').click();
  });

  it('lets the owner remove Hoa after confirming', async () => {
    const row = a.page.locator('[data-testid="group-member"][data-username="hoa"]');
    await row.getByTestId('group-member-remove').click();
    const confirm = a.page.getByTestId('confirm-dialog');
    await confirm.waitFor();
    // cancelling changes nothing
    await a.page.getByTestId('confirm-cancel').click();
    await confirm.waitFor({ state: 'detached' });
    expect(await memberRows(a.page)).toHaveLength(3);

    await row.getByTestId('group-member-remove').click();
    await a.page.getByTestId('confirm-ok').click();
    await confirm.waitFor({ state: 'detached', timeout: LIVE });
    await expect.poll(() => memberRows(a.page), { timeout: LIVE }).toEqual(['lan:owner', 'minh:member']);
    await expect.poll(() => a.page.getByTestId('chat-subtitle').textContent(), { timeout: LIVE }).toContain('Members: 2');
    expect(await a.page.getByTestId('group-error').count()).toBe(0);
    mkdirSync(ARTIFACTS, { recursive: true });
    await a.page.screenshot({ path: join(ARTIFACTS, 'groups-lan-info.png') });
  });

  it('lets the remaining two keep chatting', async () => {
    await sendMessage(a.page, AFTER_LAN);
    await messageWithText(b.page, AFTER_LAN).waitFor({ timeout: LIVE });
    await sendMessage(b.page, AFTER_MINH);
    for (const side of [a, b]) {
      await messageWithText(side.page, AFTER_MINH).waitFor({ timeout: LIVE });
      await expect.poll(() => messageWithText(side.page, AFTER_LAN).count()).toBe(1);
    }
    await expect.poll(() => b.page.getByTestId('chat-subtitle').textContent(), { timeout: LIVE }).toContain('Thành viên: 2');
  });

  it('lets the owner make Minh an admin and rename the group; Minh’s app follows', async () => {
    const row = a.page.locator('[data-testid="group-member"][data-username="minh"]');
    await row.getByTestId('group-member-role-select').selectOption('admin');
    await expect.poll(() => memberRows(a.page), { timeout: LIVE }).toEqual(['lan:owner', 'minh:admin']);
    await a.page.getByTestId('group-rename').click();
    await a.page.getByTestId('group-rename-input').fill(RENAMED);
    await a.page.getByTestId('group-rename-save').click();
    await a.page.getByTestId('group-info-name').getByText(RENAMED).waitFor({ timeout: LIVE });

    await b.page.getByTestId('chat-peer-name').getByText(RENAMED).waitFor({ timeout: LIVE });
    await b.page.getByTestId('chat-info-toggle').click();
    await expect.poll(() => memberRows(b.page), { timeout: LIVE }).toEqual(['lan:owner', 'minh:admin']);
    // an admin adds members and renames, but neither disbands nor removes the owner
    await b.page.getByTestId('group-add-input').waitFor({ timeout: LIVE });
    expect(await b.page.getByTestId('group-disband').count()).toBe(0);
    expect(await b.page.getByTestId('group-member-remove').count()).toBe(0);
    expect(await b.page.getByTestId('group-member-role').first().textContent()).toBe('Trưởng nhóm');
  });

  it('shows the removed member none of the later messages, and drops the group from their list', async () => {
    // Hoa's app notices on its next poll: the group leaves the list and the open chat says why
    await conversationItem(c.page, groupId).waitFor({ state: 'detached', timeout: LIVE });
    await c.page.getByTestId('chat-inactive').waitFor({ timeout: LIVE });
    expect(await c.page.getByTestId('composer-input').count()).toBe(0);

    // Something sent to Hoa after the group's last message: once it has reached Hoa's app, the
    // group messages before it have certainly had every chance to arrive as well.
    await a.page.getByTestId('new-chat-input').fill('hoa');
    await a.page.getByTestId('new-chat-submit').click();
    await a.page.getByTestId('chat-peer-name').getByText(hoa.displayName).waitFor({ timeout: LIVE });
    await sendMessage(a.page, DIRECT);
    const requests = c.page.getByTestId('message-requests');
    await requests.getByTestId('conversation-item').getByText(DIRECT).waitFor({ timeout: LIVE });

    const seen = await chatTexts(c.page);
    expect(seen.sort()).toEqual([HELLO, FROM_MINH, FROM_HOA].sort());
    const pageText = (await c.page.locator('body').textContent()) ?? '';
    expect(pageText).not.toContain(AFTER_LAN);
    expect(pageText).not.toContain(AFTER_MINH);
    expect(await conversationItem(c.page, groupId).count()).toBe(0);
    mkdirSync(ARTIFACTS, { recursive: true });
    await c.page.screenshot({ path: join(ARTIFACTS, 'groups-hoa-removed.png') });
  });

  it('keeps a stranger’s chat apart until accepted, and shows both sides the same safety number', async () => {
    const requests = c.page.getByTestId('message-requests');
    await requests.getByTestId('message-request-accept').click();
    await requests.waitFor({ state: 'detached', timeout: LIVE });
    const item = c.page.getByTestId('conversation-item').filter({ hasText: DIRECT });
    await item.click();
    await messageWithText(c.page, DIRECT).waitFor({ timeout: LIVE });

    await c.page.getByTestId('chat-info-toggle').click();
    await a.page.getByTestId('chat-info-toggle').click();
    const digits = async (p: Page) => {
      const el = p.getByTestId('safety-number');
      await el.waitFor({ timeout: LIVE });
      return el.getAttribute('data-digits');
    };
    const hoaSees = await digits(c.page);
    expect(hoaSees).toMatch(/^\d{60}$/);
    expect(await digits(a.page)).toBe(hoaSees);
    // shown in twelve groups of five
    expect(await c.page.getByTestId('safety-number').locator('span').allInnerTexts()).toHaveLength(12);
    expect(await c.page.getByTestId('safety-changed').count()).toBe(0);
    await c.page.getByTestId('safety-verify').click();
    await c.page.getByTestId('safety-verified').waitFor({ timeout: LIVE });

    mkdirSync(ARTIFACTS, { recursive: true });
    for (const side of [a, b, c]) await side.page.screenshot({ path: join(ARTIFACTS, `groups-${side.name}.png`) });
    expect(a.errors).toEqual([]);
    expect(b.errors).toEqual([]);
    expect(c.errors).toEqual([]);
  });
});
