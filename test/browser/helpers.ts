// Helpers of the browser scenario: build the web app, start Chromium, and drive the UI by data-testid.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page, type WebSocketRoute } from 'playwright-core';
import { build } from 'vite';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM_PATH);

/** Root of the web app, found from this file so the test runs from any working directory. */
export const WEB_ROOT = fileURLToPath(new URL('../../web', import.meta.url));
export const ARTIFACTS = fileURLToPath(new URL('./artifacts', import.meta.url));

/**
 * Production build of web/ into `outDir`, so the test serves exactly what `npm start` serves
 * (service worker included) without touching web/dist, which a running server may be using.
 * Vitest sets NODE_ENV=test, which would make Vite build a development bundle with
 * import.meta.env.PROD false (and so no service worker): force production for the build only.
 */
export async function buildWeb(outDir: string): Promise<void> {
  const previous = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ root: WEB_ROOT, mode: 'production', logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  } finally {
    process.env.NODE_ENV = previous;
  }
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface Person {
  username: string;
  displayName: string;
  password: string;
}

/** Fills the register tab and waits for the signed-in screen. */
export async function register(page: Page, who: Person): Promise<void> {
  await page.getByTestId('auth-tab-register').click();
  await page.getByTestId('auth-username').fill(who.username);
  await page.getByTestId('auth-displayname').fill(who.displayName);
  await page.getByTestId('auth-password').fill(who.password);
  await page.getByTestId('auth-submit').click();
  await page.getByTestId('new-chat-input').waitFor({ state: 'visible', timeout: 30_000 });
}

/** Types into the composer and presses Enter, as a person would. */
export async function sendMessage(page: Page, text: string): Promise<void> {
  const input = page.getByTestId('composer-input');
  await input.fill(text);
  await input.press('Enter');
  // the composer empties itself once the message is handed to the client
  await page.waitForFunction(() => document.querySelector<HTMLTextAreaElement>('[data-testid="composer-input"]')?.value === '');
}

/** The texts of the messages in the open chat, top to bottom. */
export function chatTexts(page: Page): Promise<string[]> {
  return page.getByTestId('message-text').allInnerTexts();
}

/** The last message in the open chat with exactly this text. */
export function messageWithText(page: Page, text: string) {
  return page.getByTestId('message').filter({ has: page.getByTestId('message-text').getByText(text, { exact: true }) });
}

export interface Network {
  goOffline(): Promise<void>;
  goOnline(): Promise<void>;
}

/**
 * Lets a test pull the plug on one browser context. `context.setOffline(true)` fails new requests
 * and makes navigator.onLine false, but Chromium keeps an already open WebSocket working, which no
 * real network outage does. So every /sync socket of the context runs through a proxy route that
 * is closed when the network goes, and new sockets are refused until it comes back.
 * Must be called before the context's pages connect.
 */
export async function cuttableNetwork(context: BrowserContext): Promise<Network> {
  let offline = false;
  const open = new Set<{ page: WebSocketRoute; server: WebSocketRoute }>();
  await context.routeWebSocket(/\/sync(\?|$)/, async (page) => {
    if (offline) return page.close({ code: 1001, reason: 'network unreachable' });
    const link = { page, server: page.connectToServer() };
    open.add(link);
    page.onClose(() => open.delete(link));
  });
  return {
    async goOffline() {
      offline = true;
      await context.setOffline(true);
      for (const link of [...open]) {
        open.delete(link);
        await link.server.close().catch(() => {});
        await link.page.close({ code: 1001, reason: 'network unreachable' }).catch(() => {});
      }
    },
    async goOnline() {
      offline = false;
      await context.setOffline(false);
    },
  };
}

/** One person's browser context and page, with what the page logged, for failure reports. */
export interface BrowserSide {
  name: string;
  context: BrowserContext;
  page: Page;
  errors: string[];
  console: string[];
}

/** A fresh context (its own IndexedDB) in `locale`, with one page opened on `url`. */
export async function openBrowserSide(browser: Browser, url: string, name: string, locale: string): Promise<BrowserSide> {
  const context = await browser.newContext({ locale, viewport: { width: 1280, height: 760 } });
  const page = await context.newPage();
  const side: BrowserSide = { name, context, page, errors: [], console: [] };
  page.on('pageerror', (err) => side.errors.push(err.message));
  page.on('console', (m) => side.console.push(`${m.type()}: ${m.text()}`));
  await page.goto(url);
  return side;
}

/** The conversation list entry of one conversation (in the chats or the message requests). */
export function conversationItem(page: Page, conversationId: string) {
  return page.locator(`[data-testid="conversation-item"][data-conversation-id="${conversationId}"]`);
}
