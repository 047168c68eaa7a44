// Test-only fault injection: `MEKONG_FAULT=<point>:<n>` makes this process SIGKILL itself at one
// exact point of the n-th push it handles, so the chaos suite can crash a real relay where a crash
// hurts most. Read once when the relay module loads; unset (always, outside tests) every probe is a
// skipped `undefined` check.
import { writeSync } from 'node:fs';

/** Where a push can be cut short: before its log append, after the commit but before the ack, or halfway through the local fan-out. */
export type FaultPoint = 'before-commit' | 'after-commit' | 'mid-fanout';

export interface Fault {
  point: FaultPoint;
  /** 1-based index of the push (since this process started) at which the fault strikes. */
  push: number;
}

/** Parses `before-commit:37`; undefined for an unset value, and an error for a malformed one (a typo must not silently test nothing). */
export function parseFault(raw: string | undefined): Fault | undefined {
  if (raw === undefined || raw === '') return undefined;
  const m = /^(before-commit|after-commit|mid-fanout):([1-9][0-9]*)$/.exec(raw);
  if (!m) throw new Error(`MEKONG_FAULT must look like before-commit:37, after-commit:37 or mid-fanout:37, not "${raw}"`);
  return { point: m[1] as FaultPoint, push: Number(m[2]) };
}

const fault = parseFault(process.env.MEKONG_FAULT);
let pushes = 0;

/** The update whose local fan-out kills the process after its first delivery (set by the armed push). */
export let fanoutFault: { conv: string; seq: number } | undefined;

/** Writes the reason where the operator's log goes (synchronously: nothing after SIGKILL is flushed), then dies. */
export function die(what: string): never {
  writeSync(2, `MEKONG_FAULT: SIGKILL ${what}\n`);
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable: SIGKILL did not end the process');
}

/** Counts a push; returns the fault to act on when this is the armed one, else undefined. */
export const pushFault: (() => FaultPoint | undefined) | undefined = fault
  ? () => (++pushes === fault.push ? fault.point : undefined)
  : undefined;

/** Arms the mid-fan-out kill for one committed update. */
export function armFanout(conv: string, seq: number): void {
  fanoutFault = { conv, seq };
}
