// A hostile in-memory network for the chaos fuzz: every frame waits in a queue until the driver
// delivers it, and a seeded random source decides which frame moves next and whether it is
// dropped, delivered twice or overtaken by a later frame of the same connection. Each device has
// its own link, which the driver can cut (going offline) and restore.
import type { Transport, TransportConnection, TransportHandlers } from '@mekong/client-core';
import type { MemoryAcceptor } from '@mekong/client-core/testing';

/** Probabilities per delivered frame. Auth and welcome are never touched (they open a session). */
export interface Faults {
  drop: number;
  duplicate: number;
  /** the frame behind the head of a connection direction overtakes it */
  reorder: number;
}

export const NO_FAULTS: Faults = { drop: 0, duplicate: 0, reorder: 0 };

/** Frame tags (first byte) that open a session: auth (up) and welcome (down). */
const SESSION_TAGS = new Set([1, 64]);
const TAG_NAMES: Record<number, string> = { 2: 'subscribe', 4: 'push', 5: 'put-snapshot', 65: 'ack', 66: 'update', 67: 'snapshot', 68: 'synced' };

interface Frame {
  deliver(): void;
  tag: number;
}

/** What the network did, for the report. */
export interface NetworkStats {
  delivered: number;
  dropped: Record<string, number>;
  duplicated: number;
  reordered: number;
  disconnects: number;
}

/**
 * @example
 * const net = createFaultyNetwork(sim.accept, rng(seed), { drop: 0.01, duplicate: 0.02, reorder: 0.05 });
 * const client = await sim.client(net.transportFor('alice'));
 * while (net.deliverOne()) {}
 */
export function createFaultyNetwork(accept: MemoryAcceptor, random: () => number, initial: Faults) {
  let faults = initial;
  /** one FIFO per connection direction ("lane"); frames of a lane keep their order unless reordered */
  const lanes = new Map<number, Frame[]>();
  let laneIds = 0;
  let queued = 0;
  const links = new Map<string, { online: boolean; live: Set<{ cut(): void }> }>();
  const stats: NetworkStats = { delivered: 0, dropped: {}, duplicated: 0, reordered: 0, disconnects: 0 };

  const enqueue = (lane: number, frame: Frame) => {
    let q = lanes.get(lane);
    if (!q) {
      q = [];
      lanes.set(lane, q);
    }
    q.push(frame);
    queued++;
  };
  const dropLane = (lane: number) => {
    queued -= lanes.get(lane)?.length ?? 0;
    lanes.delete(lane);
  };
  const link = (name: string) => {
    let l = links.get(name);
    if (!l) {
      l = { online: true, live: new Set() };
      links.set(name, l);
    }
    return l;
  };

  const transportFor = (name: string): Transport => {
    return (_url: string, handlers: TransportHandlers): TransportConnection => {
      const l = link(name);
      const up = ++laneIds;
      const down = ++laneIds;
      const closeLane = ++laneIds;
      let open = true;
      let server: ReturnType<MemoryAcceptor> | undefined;
      const shut = (code: number, reason: string, notifyServer: boolean) => {
        if (!open) return;
        open = false;
        l.live.delete(conn);
        // whatever was in flight on this connection is lost with it
        dropLane(up);
        dropLane(down);
        if (notifyServer) server?.onClose();
        enqueue(closeLane, { deliver: () => handlers.onClose(code, reason), tag: -1 });
      };
      const conn = { cut: () => shut(1006, 'network dropped', true) };
      if (!l.online) {
        enqueue(closeLane, { deliver: () => handlers.onClose(1006, 'offline'), tag: -1 });
        return { send() {}, close() {} };
      }
      l.live.add(conn);
      server = accept({
        send: (data) => {
          if (!open) return;
          const copy = data.slice();
          enqueue(down, { deliver: () => open && handlers.onMessage(copy), tag: copy[0] ?? 0 });
        },
        close: (code, reason) => shut(code, reason, false),
      });
      enqueue(down, { deliver: () => open && handlers.onOpen(), tag: 64 });
      return {
        send: (data) => {
          if (!open) return;
          const copy = data.slice();
          enqueue(up, { deliver: () => open && server?.onMessage(copy), tag: copy[0] ?? 0 });
        },
        close: (code = 1000, reason = '') => shut(code, reason, true),
      };
    };
  };

  /** Move one frame, chosen at random among the connections that have one; false when nothing is queued. */
  const deliverOne = (): boolean => {
    if (queued === 0) return false;
    const keys = [...lanes.keys()];
    const lane = keys[Math.floor(random() * keys.length)]!;
    const q = lanes.get(lane)!;
    let at = 0;
    const faultable = (f: Frame | undefined) => f !== undefined && f.tag >= 0 && !SESSION_TAGS.has(f.tag);
    if (q.length > 1 && faultable(q[0]) && faultable(q[1]) && random() < faults.reorder) {
      at = 1;
      stats.reordered++;
    }
    const [frame] = q.splice(at, 1);
    queued--;
    if (q.length === 0) lanes.delete(lane);
    if (faultable(frame) && random() < faults.drop) {
      const name = TAG_NAMES[frame!.tag] ?? `tag ${frame!.tag}`;
      stats.dropped[name] = (stats.dropped[name] ?? 0) + 1;
      return true;
    }
    if (faultable(frame) && random() < faults.duplicate) {
      enqueue(lane, frame!);
      stats.duplicated++;
    }
    stats.delivered++;
    frame!.deliver();
    return true;
  };

  return {
    transportFor,
    deliverOne,
    /** Deliver until nothing is queued (or `max` frames moved). */
    flush(max = Number.POSITIVE_INFINITY): number {
      let n = 0;
      while (n < max && deliverOne()) n++;
      return n;
    },
    /** Cut every open connection of one device; it reconnects by itself if its link is up. */
    disconnect(name: string): void {
      for (const c of [...link(name).live]) {
        stats.disconnects++;
        c.cut();
      }
    },
    /** Take a device's link down (cutting its connections) or bring it back. */
    setOnline(name: string, online: boolean): void {
      link(name).online = online;
      if (!online) this.disconnect(name);
    },
    isOnline: (name: string) => link(name).online,
    setFaults(f: Faults): void {
      faults = f;
    },
    get pending(): number {
      return queued;
    },
    stats,
  };
}
