// What waking a server process costs on this machine. At a light, steady rate the server core
// sleeps between messages, and every message wakes each process that handles it; on a virtual
// machine that wake-up is far from free and is charged to the process as CPU time. This measures
// the floor: a process that only echoes 300-byte frames over loopback TCP, pinned to the server
// core, fed at a fixed rate from the generator's core. Its CPU per frame is what any server process
// pays per message at that rate before doing any work of its own; the scale-out report uses it to
// say how much of the cost of a third relay is the machine's and how much the relay's.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { canPin, SERVER_CORE } from './servers';

export interface WakeCost {
  ratePerSecond: number;
  frames: number;
  /** CPU time of the echo process (all threads) per frame, in microseconds. */
  cpuMicrosPerFrame: number;
  /** Times its main thread was woken (voluntary context switches) per frame. */
  wakeupsPerFrame: number;
}

const ECHO = `
const net = require('node:net');
const server = net.createServer((s) => s.on('data', (d) => s.write(d)));
server.listen(0, '127.0.0.1', () => process.stdout.write('ready ' + server.address().port + '\\n'));
`;

/** Nanoseconds on a CPU, summed over the threads of `pid` (schedstat: exact, unlike the 10 ms ticks of stat). */
export function cpuNanos(pid: number): number {
  let total = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return total;
}

/** Voluntary context switches of the main thread of `pid`: how often it slept and was woken. */
export function wakeups(pid: number): number {
  try {
    return Number(/^voluntary_ctxt_switches:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Sends `ratePerSecond` 300-byte frames a second for `seconds` to a fresh echo process.
 * @example const w = await measureWakeCost(60, 4); // w.cpuMicrosPerFrame ≈ 400 on a small VM
 */
export async function measureWakeCost(ratePerSecond: number, seconds: number): Promise<WakeCost> {
  const node = [process.execPath, '-e', ECHO];
  const child = canPin() ? spawn('taskset', ['-c', String(SERVER_CORE), ...node], { stdio: ['ignore', 'pipe', 'inherit'] }) : spawn(node[0]!, node.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /ready (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.once('exit', (code) => reject(new Error(`the echo process exited with ${code}`)));
    });
    const pid = child.pid!;
    const sock = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => sock.once('connect', resolve).once('error', reject));
    let echoed = 0;
    sock.on('data', (d) => {
      echoed += d.byteLength;
    });
    const frame = Buffer.alloc(300, 7);
    const send = async (count: number) => {
      const start = performance.now();
      for (let i = 0; i < count; i++) {
        const due = start + (i * 1000) / ratePerSecond;
        if (due > performance.now()) await sleep(due - performance.now());
        sock.write(frame);
      }
    };
    await send(Math.ceil(ratePerSecond / 2)); // half a second of warm-up
    await sleep(100);
    const frames = Math.max(1, Math.round(ratePerSecond * seconds));
    const expected = echoed + frames * frame.byteLength;
    const cpu0 = cpuNanos(pid);
    const wake0 = wakeups(pid);
    await send(frames);
    const deadline = performance.now() + 5000;
    while (echoed < expected && performance.now() < deadline) await sleep(5);
    const cpu = cpuNanos(pid) - cpu0;
    const woken = wakeups(pid) - wake0;
    sock.destroy();
    return { ratePerSecond, frames, cpuMicrosPerFrame: cpu / 1000 / frames, wakeupsPerFrame: woken / frames };
  } finally {
    child.kill('SIGKILL');
  }
}

if (process.argv[1]?.endsWith('wake-cost.ts')) {
  for (const rate of [60, 300, 1000]) process.stdout.write(`${JSON.stringify(await measureWakeCost(rate, 4))}\n`);
}
