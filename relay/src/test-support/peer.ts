// A test client speaking the protocol over any socket-like transport: send frames, await the relay's answers.
import { type Down, decodeDown, encodeUp, PROTOCOL_VERSION, type Up } from '@mekong/schema';

export interface Transport {
  send(bytes: Uint8Array): void;
  onMessage(cb: (bytes: Uint8Array) => void): unknown;
  onClose(cb: (code: number, reason: string) => void): unknown;
  close(): void;
}

type Of<T extends Down['type']> = Extract<Down, { type: T }>;

export class Peer {
  /** Every frame received, in order. */
  readonly frames: Down[] = [];
  closeInfo: { code: number; reason: string } | undefined;
  private readonly taken = new Set<Down>();
  private readonly wakers = new Set<() => void>();
  private pings = 0;

  constructor(
    readonly transport: Transport,
    readonly name = 'peer',
  ) {
    transport.onMessage((bytes) => {
      this.frames.push(decodeDown(bytes));
      this.wake();
    });
    transport.onClose((code, reason) => {
      this.closeInfo = { code, reason };
      this.wake();
    });
  }

  send(frame: Up): void {
    this.transport.send(encodeUp(frame));
  }

  sendRaw(bytes: Uint8Array): void {
    this.transport.send(bytes);
  }

  /** All received frames of one type. */
  all<T extends Down['type']>(type: T): Of<T>[] {
    return this.frames.filter((f): f is Of<T> => f.type === type);
  }

  /** The first frame of `type` matching `match` not returned before; waits for it. */
  next<T extends Down['type']>(type: T, match: (f: Of<T>) => boolean = () => true, timeoutMs = 3000): Promise<Of<T>> {
    return this.until(() => this.all(type).find((f) => !this.taken.has(f) && match(f)), timeoutMs, `${this.name}: no ${type} frame`).then((f) => {
      this.taken.add(f);
      return f;
    });
  }

  /** Resolves with the close code once the relay closed the socket. */
  closed(timeoutMs = 3000): Promise<{ code: number; reason: string }> {
    return this.until(() => this.closeInfo, timeoutMs, `${this.name}: socket not closed`);
  }

  /** Round trip a ping: the relay handles a connection's frames in order, so everything sent before is done. */
  async settle(): Promise<void> {
    const id = ++this.pings;
    this.send({ type: 'ping', id });
    await this.next('pong', (p) => p.id === id);
    await new Promise((r) => setImmediate(r));
  }

  async auth(token: string, protocol = PROTOCOL_VERSION): Promise<Of<'welcome'>> {
    this.send({ type: 'auth', protocol, token });
    return this.next('welcome');
  }

  private until<R>(get: () => R | undefined, timeoutMs: number, what: string): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const check = () => {
        const value = get();
        if (value === undefined) return false;
        clearTimeout(timer);
        this.wakers.delete(waker);
        resolve(value);
        return true;
      };
      const waker = () => void check();
      const timer = setTimeout(() => {
        this.wakers.delete(waker);
        reject(new Error(`${what} within ${timeoutMs} ms; got ${this.frames.map((f) => f.type).join(',') || 'nothing'}`));
      }, timeoutMs);
      if (!check()) this.wakers.add(waker);
    });
  }

  private wake(): void {
    for (const w of [...this.wakers]) w();
  }
}
