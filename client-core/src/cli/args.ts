// Argument parsing for mekong-chat. Usage errors are one line that says what to type instead.
import { parseArgs } from 'node:util';

type Line = [syntax: string, what: string];

/** Help per command, shown by `mekong-chat COMMAND --help` (or `mekong-chat help COMMAND`). */
const HELP: Record<string, Line[]> = {
  register: [['register USERNAME --password PW [--name "Display Name"]', 'create an account; this --home becomes its first device']],
  login: [['login USERNAME --password PW', 'sign in on another device (an empty --home)']],
  send: [
    ['send USERNAME TEXT', 'send TEXT to USERNAME; returns once the relay has it'],
    ['send --group GROUP TEXT', 'send TEXT to a group; returns once the relay has it'],
  ],
  read: [
    ['read USERNAME [--json]', 'the conversation with USERNAME, oldest first'],
    ['read --group GROUP [--json]', "a group's messages, oldest first"],
    ['', '--json: [{ id, from, text, sentAt, status, kind }], from is a username'],
  ],
  'safety-number': [['safety-number USERNAME [--json]', 'the 60 digits to compare with USERNAME in person']],
  friend: [
    ['friend add USER', 'ask USER to be friends (or accept their request)'],
    ['friend accept USER', "accept USER's friend request"],
    ['friend reject USER', "turn down USER's friend request"],
    ['friend cancel USER', 'withdraw your request to USER'],
    ['friend remove USER', 'end a friendship'],
    ['friend list [--json]', 'your friends: [{ username, displayName, since }]'],
    ['friend requests [--json]', 'pending requests: { incoming: [...], outgoing: [...] }'],
  ],
  search: [['search QUERY [--json]', 'people by name or username: [{ username, displayName, relation, exact }]']],
  block: [
    ['block USER', 'USER can no longer reach you'],
    ['unblock USER', 'USER can reach you again'],
    ['blocked [--json]', 'the people you blocked'],
  ],
  requests: [
    ['requests [--json]', 'chats started by people who are not your friends: [{ conversationId, from, displayName }]'],
    ['requests accept USER', "accept USER's message request"],
  ],
  group: [
    ['group create NAME [--members a,b,c]', 'create a group you own; prints its id'],
    ['group add GROUP USER [--role admin]', 'add a member (admins and the owner)'],
    ['group remove GROUP USER', 'remove a member; they get no key for what follows'],
    ['group role GROUP USER ROLE', 'ROLE: member, admin or owner (owner only; "owner" hands over)'],
    ['group leave GROUP', 'leave the group (an owner hands over ownership first)'],
    ['group rename GROUP NAME', 'rename it (admins and the owner)'],
    ['group disband GROUP', 'delete it for everyone (owner only)'],
    ['group info GROUP [--json]', 'name, id, your role and the members'],
    ['', 'GROUP: the id printed by "group create" and "groups", or a name only one of your groups has'],
  ],
  groups: [['groups [--json]', 'your groups: [{ id, name, role, epoch, members: [{ username, displayName, role }] }]']],
};
HELP.unblock = HELP.block!;
HELP.blocked = HELP.block!;

const TOPICS = ['register', 'login', 'send', 'read', 'safety-number', 'friend', 'search', 'block', 'requests', 'group', 'groups'];
const WIDTH = 38;
/** Two columns; a syntax too wide for the first puts its description on the next line. */
const render = (lines: Line[]) =>
  lines
    .map(([syntax, what]) => (syntax.length < WIDTH ? `  ${syntax.padEnd(WIDTH)}${what}` : `  ${syntax}\n  ${''.padEnd(WIDTH)}${what}`).trimEnd())
    .join('\n');

export const USAGE = `usage: mekong-chat --server URL --home DIR COMMAND [--timeout SECONDS]
${TOPICS.map((t) => render(HELP[t]!)).join('\n')}

"mekong-chat COMMAND --help" shows one command. MEKONG_SERVER and MEKONG_HOME stand in for --server and --home.`;

export interface Parsed {
  server: string;
  home: string;
  command: string;
  args: string[];
  password?: string;
  name?: string;
  /** `--members a,b,c`, split and trimmed */
  members?: string[];
  /** `--group GROUP` of send and read */
  group?: string;
  /** `--role ROLE` of group add */
  role?: string;
  json: boolean;
  timeoutMs: number;
}

export class UsageError extends Error {}

/** `--help` was asked for: not an error; main prints the text on stdout and exits 0. */
export class HelpRequest extends Error {}

export function parse(argv: string[]): Parsed {
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        server: { type: 'string' },
        home: { type: 'string' },
        password: { type: 'string' },
        name: { type: 'string' },
        members: { type: 'string' },
        group: { type: 'string' },
        role: { type: 'string' },
        json: { type: 'boolean', default: false },
        timeout: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    throw new UsageError(`${err instanceof Error ? err.message : String(err)}; run mekong-chat --help`);
  }
  if (positionals[0] === 'help') throw new HelpRequest(helpFor(positionals[1]));
  if (values.help) throw new HelpRequest(helpFor(positionals[0]));
  const server = (values.server as string | undefined) ?? process.env.MEKONG_SERVER;
  const home = (values.home as string | undefined) ?? process.env.MEKONG_HOME;
  if (!server) throw new UsageError('missing --server URL (e.g. --server http://localhost:8787)');
  if (!/^https?:\/\/[^/]/.test(server) || !URL.canParse(server)) throw new UsageError(`--server must be an http(s) URL such as http://localhost:8787, not "${server}"`);
  if (!home) throw new UsageError('missing --home DIR: the folder that holds this device’s keys and messages');
  const [command, ...args] = positionals;
  if (!command) throw new UsageError('missing command (register, login, send, read, friend, group, groups, …); run mekong-chat --help');
  const timeout = Number(values.timeout ?? 15);
  const members = typeof values.members === 'string' ? splitList(values.members) : undefined;
  return {
    server,
    home,
    command,
    args,
    json: values.json === true,
    timeoutMs: (Number.isFinite(timeout) && timeout > 0 ? timeout : 15) * 1000,
    ...(typeof values.password === 'string' ? { password: values.password } : {}),
    ...(typeof values.name === 'string' ? { name: values.name } : {}),
    ...(members ? { members } : {}),
    ...(typeof values.group === 'string' ? { group: values.group } : {}),
    ...(typeof values.role === 'string' ? { role: values.role } : {}),
  };
}

/** The help of one command, or all of them. */
export function helpFor(command: string | undefined): string {
  const one = command ? HELP[command] : undefined;
  return one ? `usage: mekong-chat --server URL --home DIR COMMAND\n${render(one)}` : USAGE;
}

/** "a, b,,c" → ["a", "b", "c"] */
function splitList(s: string): string[] {
  return s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x.length > 0);
}
