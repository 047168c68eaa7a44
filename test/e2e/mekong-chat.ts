// Runs mekong-chat, the command-line client, the way an operator does: a real process against a
// real server that the calling test file starts once and stops at the end.
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { startTestServer, type TestServer } from '../helpers';

const BIN = resolve(__dirname, '../../client-core/bin/mekong-chat.mjs');

export interface ChatResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface MekongChat {
  /** Runs `mekong-chat --server <server> --home <a home of its own per name> ...args`. */
  chat(home: string, ...args: string[]): Promise<ChatResult>;
  /** Runs a command that must succeed with nothing on stderr; its stdout. */
  ok(home: string, ...args: string[]): Promise<string>;
  /** Runs a command that must fail with one line on stderr and nothing on stdout; that line. */
  fails(home: string, ...args: string[]): Promise<string>;
}

/**
 * Starts a server before the tests of the calling file and stops it after them; call at the top
 * level, before the file's own beforeAll (which may then already run commands).
 * @example
 * const { chat, ok } = useMekongChat();
 * it('registers', async () => expect((await chat('lan', 'register', 'lan', '--password', 'pw 123456')).code).toBe(0));
 */
export function useMekongChat(): MekongChat {
  let server: TestServer | undefined;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  const chat = (home: string, ...args: string[]): Promise<ChatResult> => {
    if (!server) throw new Error('the mekong-chat server is not running: call useMekongChat() at the top level of the test file');
    const { url, dir } = server;
    return new Promise((ok) => {
      execFile(process.execPath, [BIN, '--server', url, '--home', join(dir, 'cli', home), ...args], { timeout: 60_000 }, (err, stdout, stderr) =>
        ok({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  };

  return {
    chat,
    async ok(home, ...args) {
      const r = await chat(home, ...args);
      expect(r.stderr, `${home}: ${args.join(' ')}`).toBe('');
      expect(r.code).toBe(0);
      return r.stdout;
    },
    async fails(home, ...args) {
      const r = await chat(home, ...args);
      expect(r.code, `${home}: ${args.join(' ')} should fail`).not.toBe(0);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      return r.stderr;
    },
  };
}
