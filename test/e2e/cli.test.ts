// mekong-chat, the command-line client, exactly as an operator would use it.
import { describe, expect, it } from 'vitest';
import { useMekongChat } from './mekong-chat';

const { chat } = useMekongChat();

describe('mekong-chat', () => {
  it('registers, sends, reads as JSON, and restores the full history on a new device', async () => {
    expect((await chat('alice', 'register', 'alice', '--password', 'alice password 1')).code).toBe(0);
    expect((await chat('bob', 'register', 'bob', '--password', 'bob password 12')).code).toBe(0);
    const sent = await chat('alice', 'send', 'bob', 'Chào', 'Bob!');
    expect(sent.stderr).toBe('');
    expect(sent.code).toBe(0);
    expect((await chat('bob', 'send', 'alice', 'hi Alice')).code).toBe(0);

    const read = await chat('bob', 'read', 'alice', '--json');
    expect(read.code).toBe(0);
    const messages = JSON.parse(read.stdout) as Array<{ id: string; from: string; text: string; sentAt: number }>;
    expect(messages.map((m) => [m.from, m.text])).toEqual([
      ['alice', 'Chào Bob!'],
      ['bob', 'hi Alice'],
    ]);
    for (const m of messages) {
      expect(m.id).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(typeof m.sentAt).toBe('number');
    }

    // a second device for bob: log in on an empty home, read everything sent before it existed
    const login = await chat('bob-laptop', 'login', 'bob', '--password', 'bob password 12');
    expect(login.code).toBe(0);
    const fromNewDevice = await chat('bob-laptop', 'read', 'alice', '--json');
    expect(fromNewDevice.code).toBe(0);
    expect((JSON.parse(fromNewDevice.stdout) as Array<{ text: string }>).map((m) => m.text)).toEqual(['Chào Bob!', 'hi Alice']);

    // safety numbers: the same 60 digits on both sides, including bob's second device
    const fromAlice = (await chat('alice', 'safety-number', 'bob')).stdout.trim();
    const fromBob = (await chat('bob-laptop', 'safety-number', 'alice')).stdout.trim();
    expect(fromAlice).toMatch(/^(\d{5} ){11}\d{5}$/);
    expect(fromBob).toBe(fromAlice);

    const text = await chat('alice', 'read', 'bob');
    expect(text.stdout).toMatch(/alice: Chào Bob!\n.*bob: hi Alice\n$/);
  });

  it('fails with one line that says what to do', async () => {
    const wrong = await chat('eve', 'login', 'bob', '--password', 'not the password');
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr.trim().split('\n')).toHaveLength(1);
    expect(wrong.stderr).toMatch(/password/i);

    const noSession = await chat('nobody', 'send', 'bob', 'hello');
    expect(noSession.code).not.toBe(0);
    expect(noSession.stderr).toMatch(/login/);

    const unknownUser = await chat('alice', 'send', 'no_such_user', 'hello');
    expect(unknownUser.code).not.toBe(0);
    expect(unknownUser.stderr.trim().split('\n')).toHaveLength(1);

    const usage = await chat('alice', 'frobnicate');
    expect(usage.code).not.toBe(0);
    expect(usage.stderr).toMatch(/unknown command/);
  });
});
