// Scenario 6, crypto on the client: what one message costs to send (message signature + envelope
// encryption and signature) and to receive (envelope check and decryption + message signature), with
// libsodium-wrappers-sumo (WebAssembly) as client-core uses it; media encryption throughput through
// client-core's encryptMedia/decryptMedia (secretstream, 64 KiB chunks), whole files and streams.
// Node's built-in crypto (OpenSSL, native) is measured beside it as a reference for what native
// primitives would give; it is not what client-core runs. All figures are CPU time of this process,
// not wall time: the machine is shared, and waiting for a core is not the cost of the crypto. Run alone: `npx tsx bench/crypto-media.ts [--quick]`.
import { createCipheriv, generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';
import { canonicalMessage, type Message } from '@mekong/schema';
import {
  cryptoReady,
  generateDeviceKeys,
  generateEpochKey,
  openEnvelope,
  randomId,
  sealEnvelope,
  signMessage,
  toBase64url,
  fromBase64url,
  verifyMessage,
} from '../client-core/src/crypto';
import { ConversationDoc } from '../client-core/src/doc/conversation-doc';
import { asMediaKey, decryptMedia, encryptMedia } from '../client-core/src/media';
import { type BenchOptions, cpuMsSince, median, round } from './client-util';

/** CPU milliseconds of this process so far (see timeEach). */
const now = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };

export interface CryptoMediaResult {
  /** Yjs update of one message, as sent */
  updateBytes: number;
  envelopeBytes: number;
  perMessageUs: {
    /** sign the message, seal the update (encrypt + sign the envelope) */
    encryptAndSign: number;
    /** open the envelope (verify + decrypt), verify the message signature */
    verifyAndDecrypt: number;
    /** the envelope alone, as before */
    envelopeSeal: number;
    envelopeOpen: number;
    /** one Ed25519 operation on ~300 bytes */
    ed25519Sign: number;
    ed25519Verify: number;
  };
  /** the same primitives in Node's native crypto (OpenSSL); reference only */
  nativeReferenceUs: { ed25519Sign: number; ed25519Verify: number; chacha20Poly1305Encrypt300B: number };
  /** receiving messages one by one on one core: messages per second */
  receivePerSecondOneCore: number;
  media: Array<{ bytes: number; mode: 'bytes' | 'stream'; encryptMBps: number; decryptMBps: number }>;
  runs: number;
}

/** CPU microseconds per call (this process's user + system time): on a shared machine, time spent
 * waiting for a core is not counted, which wall time would. */
function timeEach(n: number, fn: (i: number) => void): number {
  const c = process.cpuUsage();
  for (let i = 0; i < n; i++) fn(i);
  return (cpuMsSince(c) * 1000) / n;
}

async function drain(stream: ReadableStream<Uint8Array>): Promise<number> {
  const reader = stream.getReader();
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return total;
    total += value.length;
  }
}

function streamOf(bytes: Uint8Array, chunk = 64 * 1024): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(c) {
      if (at >= bytes.length) return c.close();
      c.enqueue(bytes.subarray(at, at + chunk));
      at += chunk;
    },
  });
}

/**
 * Scenario 6: per-message crypto and media throughput.
 * @example const r = await cryptoMediaBench({ quick: true });
 */
export async function cryptoMediaBench(opts: BenchOptions): Promise<CryptoMediaResult> {
  const log = opts.log ?? (() => {});
  await cryptoReady();
  const runs = opts.quick ? 3 : 5;
  const n = opts.quick ? 300 : 3000;
  const conv = randomId(16);
  const dev = generateDeviceKeys();
  const key = generateEpochKey();
  const author = { user: randomId(12), device: randomId(12) };

  // n distinct messages, each as the Yjs update a client would seal
  const doc = new ConversationDoc();
  const unsigned = Array.from({ length: n }, (_, i): Omit<Message, 'sig'> => ({
    id: randomId(12),
    author,
    kind: 'text',
    body: `tin nhắn số ${i}: hôm nay mình gặp nhau lúc bảy giờ nhé, nhớ mang theo tài liệu`,
    sentAt: 1_760_000_000_000 + i,
  }));
  const canon = unsigned.map((m) => canonicalMessage(conv, m));

  const sendUs: number[] = [];
  const recvUs: number[] = [];
  const sealUs: number[] = [];
  const openUs: number[] = [];
  const signUs: number[] = [];
  const verifyUs: number[] = [];
  let updateBytes = 0;
  let envelopeBytes = 0;
  for (let run = 0; run < runs; run++) {
    const envs: Uint8Array[] = new Array(n);
    const updates: Uint8Array[] = new Array(n);
    // the Yjs update of each message is made beforehand; timed is what sendText adds: sign the message, seal the update
    for (let i = 0; i < n; i++) updates[i] = doc.putMessage({ ...unsigned[i]!, sig: toBase64url(signMessage(dev.signSecretKey, canon[i]!)) });
    sendUs.push(
      timeEach(n, (i) => {
        toBase64url(signMessage(dev.signSecretKey, canon[i]!));
        envs[i] = sealEnvelope({ kind: 'update', conv, epoch: 1, device: author.device, counter: run * n + i + 1 }, updates[i]!, key, dev.signSecretKey);
      }),
    );
    updateBytes = updates[0]!.length;
    envelopeBytes = envs[0]!.length;
    const sigs = unsigned.map((_, i) => fromBase64url(toBase64url(signMessage(dev.signSecretKey, canon[i]!))));
    recvUs.push(
      timeEach(n, (i) => {
        openEnvelope(envs[i]!, { kind: 'update', conv, signPublicKey: dev.signPublicKey, epochKey: key });
        verifyMessage(dev.signPublicKey, canon[i]!, sigs[i]!);
      }),
    );
    sealUs.push(timeEach(n, (i) => sealEnvelope({ kind: 'update', conv, epoch: 1, device: author.device, counter: i + 1 }, updates[i]!, key, dev.signSecretKey)));
    openUs.push(timeEach(n, (i) => openEnvelope(envs[i]!, { kind: 'update', conv, signPublicKey: dev.signPublicKey, epochKey: key })));
    signUs.push(timeEach(n, (i) => signMessage(dev.signSecretKey, canon[i]!)));
    verifyUs.push(timeEach(n, (i) => verifyMessage(dev.signPublicKey, canon[i]!, sigs[i]!)));
  }

  // native reference
  const kp = generateKeyPairSync('ed25519');
  const nSign: number[] = [];
  const nVerify: number[] = [];
  const nAead: number[] = [];
  const aeadKey = randomBytes(32);
  const body = randomBytes(300);
  for (let run = 0; run < runs; run++) {
    const sigs: Buffer[] = [];
    nSign.push(timeEach(n, (i) => sigs.push(sign(null, canon[i]!, kp.privateKey))));
    nVerify.push(
      timeEach(n, (i) => {
        if (!verify(null, canon[i]!, kp.publicKey, sigs[i]!)) throw new Error('native verify failed');
      }),
    );
    nAead.push(
      timeEach(n, () => {
        const c = createCipheriv('chacha20-poly1305', aeadKey, randomBytes(12), { authTagLength: 16 });
        c.update(body);
        c.final();
        c.getAuthTag();
      }),
    );
  }

  const perMessageUs = {
    encryptAndSign: round(median(sendUs), 1),
    verifyAndDecrypt: round(median(recvUs), 1),
    envelopeSeal: round(median(sealUs), 1),
    envelopeOpen: round(median(openUs), 1),
    ed25519Sign: round(median(signUs), 1),
    ed25519Verify: round(median(verifyUs), 1),
  };
  log(`  per message: encrypt+sign ${perMessageUs.encryptAndSign} µs, verify+decrypt ${perMessageUs.verifyAndDecrypt} µs (Ed25519 verify ${perMessageUs.ed25519Verify} µs; native ${round(median(nVerify), 1)} µs)`);

  // media
  const sizes = opts.quick ? [1 << 20] : [256 * 1024, 1 << 20, 16 << 20];
  const media: CryptoMediaResult['media'] = [];
  for (const size of sizes) {
    const plain = new Uint8Array(randomBytes(size));
    for (const mode of ['bytes', 'stream'] as const) {
      const enc: number[] = [];
      const dec: number[] = [];
      for (let run = 0; run < runs; run++) {
        if (mode === 'bytes') {
          let t = now();
          const { key: k, ciphertext } = encryptMedia(plain);
          enc.push(now() - t);
          t = now();
          const back = decryptMedia(ciphertext, k);
          dec.push(now() - t);
          if (back.length !== size) throw new Error('media round trip lost bytes');
        } else {
          let t = now();
          const e = encryptMedia(streamOf(plain));
          const parts: Uint8Array[] = [];
          const reader = e.ciphertext.getReader();
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            parts.push(value);
          }
          enc.push(now() - t);
          t = now();
          const total = await drain(decryptMedia(streamOf(new Uint8Array(Buffer.concat(parts))), asMediaKey(e.key)));
          dec.push(now() - t);
          if (total !== size) throw new Error('media stream round trip lost bytes');
        }
      }
      const mbps = (ms: number) => round(size / 1e6 / (ms / 1000), 0);
      media.push({ bytes: size, mode, encryptMBps: mbps(median(enc)), decryptMBps: mbps(median(dec)) });
    }
  }
  for (const m of media) log(`  media ${(m.bytes / 1024).toFixed(0)} KiB ${m.mode}: encrypt ${m.encryptMBps} MB/s, decrypt ${m.decryptMBps} MB/s`);
  doc.destroy();
  return {
    updateBytes,
    envelopeBytes,
    perMessageUs,
    nativeReferenceUs: { ed25519Sign: round(median(nSign), 1), ed25519Verify: round(median(nVerify), 1), chacha20Poly1305Encrypt300B: round(median(nAead), 1) },
    receivePerSecondOneCore: Math.round(1e6 / perMessageUs.verifyAndDecrypt),
    media,
    runs,
  };
}

if (process.argv[1]?.endsWith('crypto-media.ts')) {
  const r = await cryptoMediaBench({ quick: process.argv.includes('--quick'), log: (s) => process.stdout.write(`${s}\n`) });
  process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
}
