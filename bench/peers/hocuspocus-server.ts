// Child process for the fan-out benchmarks: a Hocuspocus 3 server on 127.0.0.1:$PORT with no
// persistence and no authentication hook (documents in memory). With REDIS_PORT set it loads
// @hocuspocus/extension-redis (host 127.0.0.1, key prefix REDIS_PREFIX) so several instances share
// documents, as a Hocuspocus cluster does.
import { Redis } from '@hocuspocus/extension-redis';
import { Server } from '@hocuspocus/server';

const env = process.env;
const extensions = env.REDIS_PORT ? [new Redis({ host: '127.0.0.1', port: Number(env.REDIS_PORT), prefix: env.REDIS_PREFIX ?? 'hocuspocus-bench' })] : [];
const server = new Server({ port: Number(env.PORT ?? 0), address: '127.0.0.1', quiet: true, stopOnSignals: false, extensions });
await server.listen();
process.stdout.write(`ready ${server.address.port}\n`);
const stop = async () => {
  await server.destroy().catch(() => undefined);
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
