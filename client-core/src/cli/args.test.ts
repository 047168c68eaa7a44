import { afterEach, describe, expect, it, vi } from 'vitest';
import { HelpRequest, helpFor, parse, USAGE, UsageError } from './args';

const base = ['--server', 'http://localhost:8787', '--home', './lan'];

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('mekong-chat arguments', () => {
  it('reads group options: --members split on commas, --group, --role', () => {
    const p = parse([...base, 'group', 'create', 'Nhà', 'mình', '--members', ' minh, hoa,,tuấn ', '--json']);
    expect(p).toMatchObject({ command: 'group', args: ['create', 'Nhà', 'mình'], members: ['minh', 'hoa', 'tuấn'], json: true });
    expect(parse([...base, 'send', '--group', 'abc_DEF-123', 'chào', 'cả', 'nhà'])).toMatchObject({ command: 'send', group: 'abc_DEF-123', args: ['chào', 'cả', 'nhà'] });
    expect(parse([...base, 'group', 'add', 'g', 'minh', '--role', 'admin']).role).toBe('admin');
    expect(parse([...base, 'groups']).members).toBeUndefined();
  });

  it('answers --help with the help of that command, or of all of them', () => {
    const help = (argv: string[]) => {
      try {
        parse(argv);
      } catch (err) {
        if (err instanceof HelpRequest) return err.message;
        throw err;
      }
      throw new Error('no help');
    };
    const group = help(['group', '--help']);
    expect(group).toBe(helpFor('group'));
    for (const sub of ['create', 'add', 'remove', 'role', 'leave', 'rename', 'disband', 'info']) expect(group).toContain(`group ${sub} `);
    expect(group).not.toContain('friend add');
    expect(help(['help', 'friend'])).toContain('friend requests [--json]');
    expect(help(['--help'])).toBe(USAGE);
    for (const c of ['send --group GROUP TEXT', 'read --group GROUP', 'groups [--json]', 'friend list', 'search QUERY', 'block USER', 'requests [--json]', 'safety-number']) {
      expect(USAGE).toContain(c);
    }
  });

  it('refuses what it cannot run, saying what to type', () => {
    vi.stubEnv('MEKONG_SERVER', '');
    expect(() => parse(['--home', './lan', 'groups'])).toThrow(/missing --server/);
    expect(() => parse(['--server', 'localhost', '--home', './lan', 'groups'])).toThrow(UsageError);
    expect(() => parse([...base])).toThrow(/missing command/);
    expect(() => parse([...base, 'groups', '--colour'])).toThrow(/--colour/);
  });
});
