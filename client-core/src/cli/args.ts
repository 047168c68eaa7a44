// Argument parsing for mekong-chat. Usage errors are one line that says what to type instead.
import { parseArgs } from 'node:util';

export const USAGE = `usage: mekong-chat --server URL --home DIR <command>
  register USERNAME --password PW [--name "Display Name"]
  login USERNAME --password PW
  send USERNAME TEXT
  read USERNAME [--json]
  safety-number USERNAME [--json]`;

export interface Parsed {
  server: string;
  home: string;
  command: string;
  args: string[];
  password?: string;
  name?: string;
  json: boolean;
  timeoutMs: number;
}

export class UsageError extends Error {}

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
        json: { type: 'boolean', default: false },
        timeout: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    throw new UsageError(`${err instanceof Error ? err.message : String(err)}; run mekong-chat --help`);
  }
  if (values.help) throw new UsageError(USAGE);
  const server = (values.server as string | undefined) ?? process.env.MEKONG_SERVER;
  const home = (values.home as string | undefined) ?? process.env.MEKONG_HOME;
  if (!server) throw new UsageError('missing --server URL (e.g. --server http://localhost:8787)');
  if (!home) throw new UsageError('missing --home DIR: the folder that holds this device’s keys and messages');
  const [command, ...args] = positionals;
  if (!command) throw new UsageError('missing command: register, login, send or read; run mekong-chat --help');
  const timeout = Number(values.timeout ?? 15);
  return {
    server,
    home,
    command,
    args,
    json: values.json === true,
    timeoutMs: (Number.isFinite(timeout) && timeout > 0 ? timeout : 15) * 1000,
    ...(typeof values.password === 'string' ? { password: values.password } : {}),
    ...(typeof values.name === 'string' ? { name: values.name } : {}),
  };
}
