// In-memory transport for deterministic tests: frames queue until the test flushes them,
// optionally delivered out of order, duplicated or dropped by a seeded network.
import type { Transport, TransportConnection, TransportHandlers } from './port';

/** The server side of an in-memory connection, as seen by a test or an in-process relay. */
export interface MemoryServerSide {
  send(data: Uint8Array): void;
  close(code: number, reason: string): void;
}

/** Accepts in-memory connections: returns the server's handlers for one client. */
export type MemoryAcceptor = (server: MemoryServerSide) => { onMessage(data: Uint8Array): void; onClose(): void };

interface Pending {
  deliver(): void;
  /** frames of one connection direction keep their order */
  lane: number;
}

/**
 * A network of in-memory connections. With `manual: true`, nothing moves until `flush()`.
 * @example
 * const net = createMemoryNetwork((server) => relay.accept({ ...server, bufferedAmount: 0 }));
 * const client = await createClient({ server: 'http://x', storage, transport: net.transport });
 */
export function createMemoryNetwork(accept: MemoryAcceptor, opts: { manual?: boolean } = {}) {
  const queue: Pending[] = [];
  const live = new Set<{ drop(): void }>();
  let online = true;
  let lanes = 0;
  const schedule = (p: Pending) => {
    if (opts.manual) queue.push(p);
    else queueMicrotask(() => p.deliver());
  };

  const transport: Transport = (_url, handlers: TransportHandlers): TransportConnection => {
    let open = true;
    const up = ++lanes;
    const down = ++lanes;
    const shut = (code: number, reason: string, notifyServer: boolean) => {
      if (!open) return;
      open = false;
      live.delete(entry);
      if (notifyServer) serverHandlers?.onClose();
      schedule({ deliver: () => handlers.onClose(code, reason), lane: down });
    };
    const entry = { drop: () => shut(1006, 'network dropped', true) };
    let serverHandlers: ReturnType<MemoryAcceptor> | undefined;
    if (!online) {
      schedule({ deliver: () => handlers.onClose(1006, 'offline'), lane: down });
      return { send() {}, close() {} };
    }
    live.add(entry);
    serverHandlers = accept({
      send: (data) => {
        if (!open) return;
        const copy = data.slice();
        schedule({ deliver: () => open && handlers.onMessage(copy), lane: down });
      },
      close: (code, reason) => shut(code, reason, false),
    });
    schedule({ deliver: () => open && handlers.onOpen(), lane: down });
    return {
      send: (data) => {
        if (!open) return;
        const copy = data.slice();
        schedule({ deliver: () => open && serverHandlers?.onMessage(copy), lane: up });
      },
      close: (code = 1000, reason = '') => shut(code, reason, true),
    };
  };

  return {
    transport,
    /** Deliver queued frames (manual mode) until the queue is empty or `max` deliveries happened. */
    flush(max = Number.POSITIVE_INFINITY) {
      let n = 0;
      while (queue.length > 0 && n < max) {
        queue.shift()!.deliver();
        n++;
      }
      return n;
    },
    /**
     * Deliver one queued frame chosen by `random` among the connections that have one; frames of
     * one connection stay in order, as on a real socket. Returns false when nothing is queued.
     */
    deliverOne(random: () => number): boolean {
      if (queue.length === 0) return false;
      const heads = new Map<number, number>();
      queue.forEach((p, i) => {
        if (!heads.has(p.lane)) heads.set(p.lane, i);
      });
      const choices = [...heads.values()];
      const i = choices[Math.floor(random() * choices.length)]!;
      const [p] = queue.splice(i, 1);
      p!.deliver();
      return true;
    },
    /** Drop one open connection chosen by `random`. */
    dropOne(random: () => number): void {
      const all = [...live];
      if (all.length) all[Math.floor(random() * all.length)]!.drop();
    },
    /** Drop every open connection, as a network failure would. */
    dropAll() {
      for (const c of [...live]) c.drop();
    },
    setOnline(value: boolean) {
      online = value;
      if (!value) for (const c of [...live]) c.drop();
    },
    get pending() {
      return queue.length;
    },
  };
}
