// mekong-chat entry: parse, run one command, exit non-zero with a one-line hint on any error.
import { isMekongError } from '@mekong/schema';
import { createNodeClient } from '../node';
import { HelpRequest, parse, UsageError } from './args';
import { run } from './commands';

const HINTS: Record<string, string> = {
  UNAVAILABLE: 'check --server and that the server is running',
  INVALID_CREDENTIALS: 'check the username and password',
  USERNAME_TAKEN: 'pick another username, or log in',
  NOT_FOUND: 'check the spelling of the name',
  TIMEOUT: 'the message is kept on this device; run the command again when the relay is reachable',
  RATE_LIMITED: 'wait a minute and try again',
};

async function main(): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(process.argv.slice(2));
  } catch (err) {
    if (err instanceof HelpRequest) {
      process.stdout.write(`${err.message}\n`);
      return 0;
    }
    process.stderr.write(`mekong-chat: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  const client = await createNodeClient({ server: parsed.server, home: parsed.home });
  try {
    await run(client, parsed, (line) => process.stdout.write(`${line}\n`));
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`mekong-chat: ${err.message}\n`);
      return 2;
    }
    if (isMekongError(err)) {
      const hint = HINTS[err.code];
      process.stderr.write(`mekong-chat: ${err.message}${hint ? ` (${hint})` : ''} [${err.code}]\n`);
      return 1;
    }
    process.stderr.write(`mekong-chat: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    await client.close().catch(() => {});
  }
}

process.exitCode = await main();
// The client is closed and its data written; an idle HTTP keep-alive socket would hold the
// process open for another second or so. Exit once nothing else is left to do.
setTimeout(() => process.exit(), 50).unref();
