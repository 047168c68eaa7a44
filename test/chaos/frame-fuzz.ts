// Malformed frames of every up-frame type, on a real relay socket: truncated, oversized, wrong field
// types, huge varints and lengths, invalid UTF-8, unknown tags, trailing bytes, text frames, and
// well-formed frames with hostile values. The bar: typed error frames or a clean close, an answer
// to the ping that follows (no hang), and a relay that keeps serving.
import { type Down, decodeDown, encodeUp, isErrorCode, PROTOCOL_VERSION, UP_FRAMES, type Up } from '@mekong/schema';
import fc from 'fast-check';
import WebSocket from 'ws';

export type UpType = Up['type'];

/** The up-frame types of the protocol, as the schema defines them. */
export const UP_TYPES = UP_FRAMES.map((d) => d.type) as UpType[];

function varuint(n: number | bigint): number[] {
  let v = BigInt(n);
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return out;
}

function strBytes(s: string): number[] {
  const b = new TextEncoder().encode(s);
  return [...varuint(b.length), ...b];
}

/** A field as written on the wire, by its descriptor (uint, str(n), bytes(n)). */
type FieldKind = { kind: 'uint' } | { kind: 'str'; max: number } | { kind: 'bytes'; max: number };

function fieldKinds(type: UpType): Array<{ name: string; field: FieldKind }> {
  const def = UP_FRAMES.find((d) => d.type === type)!;
  return Object.entries(def.fields).map(([name, f]) => {
    const m = /^(uint|str|bytes)(?:\((\d+)\))?$/.exec(f.descriptor);
    if (!m) throw new Error(`frame-fuzz: no generator for field descriptor ${f.descriptor} of ${type}.${name}`);
    return { name, field: m[1] === 'uint' ? { kind: 'uint' } : { kind: m[1] as 'str' | 'bytes', max: Number(m[2]) } };
  });
}

function tagOf(type: UpType): number {
  return UP_FRAMES.find((d) => d.type === type)!.tag;
}

export interface FrameContext {
  /** A conversation the fuzzing user belongs to (pushes there are legitimate appends). */
  conv: string;
  token: string;
}

/** A valid frame of `type`, as a value. */
export function validFrame(type: UpType, ctx: FrameContext): Up {
  const envelope = new Uint8Array([1, 2, 3, 4]);
  switch (type) {
    case 'auth':
      return { type, protocol: PROTOCOL_VERSION, token: ctx.token };
    case 'subscribe':
      return { type, conv: ctx.conv, after: 0 };
    case 'unsubscribe':
      return { type, conv: ctx.conv };
    case 'push':
      return { type, conv: ctx.conv, counter: 1, envelope };
    case 'put-snapshot':
      return { type, conv: ctx.conv, seq: 1, envelope };
    case 'ephemeral':
      return { type, conv: ctx.conv, envelope };
    case 'ping':
      return { type, id: 1 };
  }
}

export interface FrameInput {
  bytes: Uint8Array;
  /** Sent as a text frame rather than a binary one. */
  text?: boolean;
  what: string;
}

const INVALID_UTF8 = [[0xff], [0xc3, 0x28], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xc0, 0xaf], [0x80, 0x80]];

/** Field value bytes of a valid field, for building frames by hand. */
function validField(field: FieldKind, ctx: FrameContext, name: string): number[] {
  if (field.kind === 'uint') return varuint(name === 'protocol' ? PROTOCOL_VERSION : 1);
  if (field.kind === 'str') return strBytes(name === 'token' ? ctx.token : ctx.conv);
  return [...varuint(4), 1, 2, 3, 4];
}

/** Malformed frames of `type`: `count` of them, seeded. */
export function frameInputs(type: UpType, ctx: FrameContext, count: number, seed: number): FrameInput[] {
  const tag = tagOf(type);
  const fields = fieldKinds(type);
  const valid = encodeUp(validFrame(type, ctx));
  const build = (i: number, replacement: number[], truncateAfter = false) => {
    const parts: number[][] = [[tag]];
    fields.forEach(({ name, field }, j) => {
      if (j === i) parts.push(replacement);
      else if (!(truncateAfter && j > i)) parts.push(validField(field, ctx, name));
    });
    return Uint8Array.from(parts.flat());
  };
  const fieldIndex = fc.nat({ max: Math.max(0, fields.length - 1) });
  const hugeNumber = fc.constantFrom<number | bigint>(2 ** 53 - 1, 2 ** 53, 2n ** 64n, 2n ** 70n, 2 ** 32, 2 ** 31 - 1, 0);
  const broken: fc.Arbitrary<FrameInput> = fc.oneof(
    fc.nat().map((n) => ({ what: 'truncated', bytes: valid.subarray(0, n % valid.length) })),
    fc.uint8Array({ minLength: 1, maxLength: 64 }).map((tail) => ({ what: 'trailing bytes', bytes: new Uint8Array([...valid, ...tail]) })),
    fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })).map(([at, v]) => {
      const copy = valid.slice();
      copy[at % copy.length] = v;
      return { what: 'one byte changed', bytes: copy };
    }),
    fc.uint8Array({ maxLength: 300 }).map((body) => ({ what: 'random body', bytes: new Uint8Array([tag, ...body]) })),
    fc.tuple(fieldIndex, hugeNumber).map(([i, n]) => {
      const f = fields[i]!;
      // a uint field: the number itself; a str/bytes field: a length it cannot have
      return { what: `huge ${f.field.kind === 'uint' ? 'varint' : 'length'} in ${f.name}`, bytes: build(i, [...varuint(n), 0x61, 0x61]) };
    }),
    fc.tuple(fieldIndex, fc.integer({ min: 10, max: 40 })).map(([i, n]) => ({ what: `unterminated varint in ${fields[i]!.name}`, bytes: build(i, new Array(n).fill(0xff), true) })),
    fc.tuple(fieldIndex, fc.constantFrom(...INVALID_UTF8), fc.string({ maxLength: 20 })).map(([i, bad, pre]) => {
      const b = [...new TextEncoder().encode(pre), ...bad];
      return { what: `invalid UTF-8 in ${fields[i]!.name}`, bytes: build(i, [...varuint(b.length), ...b]) };
    }),
    fc.tuple(fieldIndex, fc.string({ minLength: 1, maxLength: 30 })).map(([i, s]) => ({ what: `a string where ${fields[i]!.name} belongs`, bytes: build(i, strBytes(s)) })),
    fc.tuple(fieldIndex, fc.uint8Array({ minLength: 1, maxLength: 40 })).map(([i, b]) => ({ what: `raw bytes where ${fields[i]!.name} belongs`, bytes: build(i, [...varuint(b.length), ...b]) })),
    fieldIndex.map((i) => {
      const f = fields[i]!;
      const over = f.field.kind === 'uint' ? 2 ** 53 : Math.min(f.field.max + 1, 300_000);
      const fill: number[] = f.field.kind === 'uint' ? [] : new Array(over).fill(0x61);
      return { what: `${f.name} over its limit`, bytes: build(i, f.field.kind === 'uint' ? varuint(over) : varuint(over).concat(fill)) };
    }),
    fc.integer({ min: 0, max: 255 }).filter((t) => !UP_FRAMES.some((d) => d.tag === t)).map((t) => ({ what: `unknown tag ${t}`, bytes: new Uint8Array([t, ...valid.subarray(1)]) })),
    fc.constant({ what: 'empty frame', bytes: new Uint8Array(0) }),
    fc.constant({ what: 'text frame', bytes: valid, text: true }),
    fc.constant({ what: 'tag only', bytes: new Uint8Array([tag]) }),
    hostileValues(type, ctx),
  );
  const oversized: FrameInput = { what: 'frame over the relay limit', bytes: bigFrame(tag) };
  const sampled = fc.sample(broken, { numRuns: Math.max(0, count - 1), seed });
  return [oversized, ...sampled].slice(0, count);
}

function bigFrame(tag: number): Uint8Array {
  const out = new Uint8Array(9 * 1024 * 1024);
  out[0] = tag;
  out.fill(0x7f, 1);
  return out;
}

/** Frames that decode but carry values no honest client sends. */
function hostileValues(type: UpType, ctx: FrameContext): fc.Arbitrary<FrameInput> {
  const conv = fc.oneof(
    fc.constantFrom('', '../../etc/passwd', 'not-my-conversation', '\u0000', 'c'.repeat(128), '__proto__', ctx.conv.toUpperCase()),
    fc.string({ maxLength: 40 }),
  );
  const big = fc.constantFrom(0, 1, 2 ** 31, 2 ** 32, Number.MAX_SAFE_INTEGER);
  const env = fc.uint8Array({ maxLength: 64 });
  const frame: fc.Arbitrary<Up> = (() => {
    switch (type) {
      case 'auth':
        return fc.record({ type: fc.constant('auth' as const), protocol: big, token: fc.oneof(fc.string({ maxLength: 200 }), fc.constantFrom(`${ctx.token}x`, ctx.token.split('.').reverse().join('.'), 'a.b.c')) });
      case 'subscribe':
        return fc.record({ type: fc.constant('subscribe' as const), conv, after: big });
      case 'unsubscribe':
        return fc.record({ type: fc.constant('unsubscribe' as const), conv });
      case 'push':
        return fc.record({ type: fc.constant('push' as const), conv, counter: big, envelope: env });
      case 'put-snapshot':
        return fc.record({ type: fc.constant('put-snapshot' as const), conv: fc.oneof(conv, fc.constant(ctx.conv)), seq: big, envelope: env });
      case 'ephemeral':
        return fc.record({ type: fc.constant('ephemeral' as const), conv, envelope: env });
      case 'ping':
        return fc.record({ type: fc.constant('ping' as const), id: big });
    }
  })();
  return frame.map((f) => ({ what: `hostile values ${JSON.stringify(f, (_, v) => (v instanceof Uint8Array ? `<${v.length} bytes>` : v)).slice(0, 80)}`, bytes: encodeUp(f) }));
}

/** Close codes a relay may end a connection with; 1005/1006 mean it vanished without a close frame. */
export function cleanClose(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 4000 && code <= 4999);
}

export interface Sock {
  ws: WebSocket;
  frames: Down[];
  problems: string[];
  closeCode: number | undefined;
  closed: Promise<number>;
}

/** Opens a socket to `url` (ws://.../sync); every frame it receives must decode. */
export function openSock(url: string): Promise<Sock> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { maxPayload: 16 * 1024 * 1024 });
    const s: Sock = { ws, frames: [], problems: [], closeCode: undefined, closed: undefined as unknown as Promise<number> };
    s.closed = new Promise<number>((ok) =>
      ws.on('close', (code) => {
        s.closeCode = code;
        ok(code);
      }),
    );
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) {
        s.problems.push('the relay sent a text frame');
        return;
      }
      try {
        const f = decodeDown(new Uint8Array(data));
        if (f.type === 'error' && !isErrorCode(f.code)) s.problems.push(`untyped error code ${String(f.code)}`);
        s.frames.push(f);
      } catch (err) {
        s.problems.push(`undecodable frame from the relay: ${(err as Error).message}`);
      }
    });
    ws.once('open', () => resolve(s));
    ws.once('error', (err) => reject(err));
  });
}

let pingIds = 1_000_000;

/** Sends a ping and waits for its pong or the close; 'hang' after `timeoutMs`. */
export async function probe(s: Sock, timeoutMs = 5000): Promise<'pong' | 'closed' | 'hang'> {
  if (s.closeCode !== undefined) return 'closed';
  const id = ++pingIds;
  try {
    s.ws.send(encodeUp({ type: 'ping', id }));
  } catch {
    return 'closed';
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (s.frames.some((f) => f.type === 'pong' && f.id === id)) return 'pong';
    if (s.closeCode !== undefined) return 'closed';
    if (Date.now() > deadline) return 'hang';
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Opens a socket and authenticates it; throws when the relay does not welcome it. */
export async function authedSock(url: string, token: string): Promise<Sock> {
  const s = await openSock(url);
  s.ws.send(encodeUp({ type: 'auth', protocol: PROTOCOL_VERSION, token }));
  const deadline = Date.now() + 5000;
  while (!s.frames.some((f) => f.type === 'welcome')) {
    if (s.closeCode !== undefined || Date.now() > deadline) throw new Error(`no welcome: ${JSON.stringify(s.frames)} close ${s.closeCode}`);
    await new Promise((r) => setTimeout(r, 2));
  }
  return s;
}

export interface FrameFuzzResult {
  inputs: number;
  errorFrames: number;
  closes: number;
  failures: string[];
}

/**
 * Sends `inputs` one at a time, each followed by a ping, on an authenticated socket (reopened
 * whenever the relay closed it) or, for `authed` false, each on a fresh unauthenticated socket.
 */
export async function fuzzFrames(url: string, token: () => Promise<string>, inputs: FrameInput[], authed: boolean): Promise<FrameFuzzResult> {
  const result: FrameFuzzResult = { inputs: 0, errorFrames: 0, closes: 0, failures: [] };
  let sock: Sock | undefined;
  for (const input of inputs) {
    if (!sock || sock.closeCode !== undefined) {
      if (sock) sock.ws.terminate();
      sock = authed ? await authedSock(url, await token()) : await openSock(url);
    }
    const s = sock;
    const before = s.frames.length;
    s.ws.send(input.bytes, { binary: !input.text });
    const outcome = await probe(s);
    result.inputs++;
    const answers = s.frames.slice(before);
    result.errorFrames += answers.filter((f) => f.type === 'error').length;
    if (outcome === 'closed') {
      await Promise.race([s.closed, new Promise((r) => setTimeout(r, 1000))]);
      result.closes++;
      if (!cleanClose(s.closeCode ?? 0)) result.failures.push(`${input.what}: closed without a proper close frame (code ${s.closeCode})`);
    }
    if (outcome === 'hang') result.failures.push(`${input.what}: no pong and no close within 5 s`);
    for (const p of s.problems.splice(0)) result.failures.push(`${input.what}: ${p}`);
    if (!authed) {
      s.ws.terminate();
      sock = undefined;
    }
  }
  sock?.ws.terminate();
  return result;
}
