import { describe, expect, it } from 'vitest';
import { Memberships } from './memberships';
import type { Directory } from './ports';

/** A directory that reads membership when asked and answers when the test releases it, counting the questions. */
function directory(initial: boolean) {
  let member = initial;
  const asked: Array<() => void> = [];
  let questions = 0;
  const dir: Directory = {
    isMember: () => {
      questions++;
      const answer = member; // read now: a late answer may be stale
      return new Promise<boolean>((resolve) => asked.push(() => resolve(answer)));
    },
  } as Directory;
  return {
    dir,
    set: (v: boolean) => {
      member = v;
    },
    answerAll: () => {
      for (const answer of asked.splice(0)) answer();
    },
    get questions() {
      return questions;
    },
    /** Asks `m` and lets the directory answer at once. */
    ask(m: Memberships, conv: string, user: string): Promise<boolean> {
      const p = m.isMember(conv, user);
      for (const answer of asked.splice(0)) answer();
      return p;
    },
  };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('Memberships (one connection)', () => {
  it('trusts a positive answer for the TTL, then asks the directory again', async () => {
    const d = directory(true);
    let now = 1000;
    const m = new Memberships({ directory: d.dir, now: () => now, ttlMs: 60_000 });
    expect(await d.ask(m, 'room', 'bob')).toBe(true);
    now += 59_999;
    expect(await m.isMember('room', 'bob')).toBe(true);
    expect(d.questions).toBe(1);
    now += 1;
    expect(await d.ask(m, 'room', 'bob')).toBe(true);
    expect(d.questions).toBe(2);
  });

  it('never caches a negative answer', async () => {
    const d = directory(false);
    const m = new Memberships({ directory: d.dir, now: () => 0, ttlMs: 60_000 });
    for (let i = 0; i < 2; i++) {
        expect(await d.ask(m, 'room', 'mallory')).toBe(false);
    }
    expect(d.questions).toBe(2);
  });

  it('does not trust an answer the directory gave while a revocation arrived: it asks again', async () => {
    const d = directory(true);
    const m = new Memberships({ directory: d.dir, now: () => 0, ttlMs: 60_000 });
    const p = m.isMember('room', 'bob');
    // bob is removed and the revocation reaches the relay before the stale "yes" does
    d.set(false);
    m.revoked('room');
    d.answerAll();
    await tick();
    d.answerAll();
    expect(await p).toBe(false);
    expect(d.questions).toBe(2);
  });

  it('forgets every cached answer after forgetAll (revocations may have been missed)', async () => {
    const d = directory(true);
    const m = new Memberships({ directory: d.dir, now: () => 0, ttlMs: 60_000 });
    await d.ask(m, 'room', 'bob');
    m.forgetAll();
    d.set(false);
    expect(await d.ask(m, 'room', 'bob')).toBe(false);
  });

  it('rechecks a stale answer once at a time and reports a lost membership', async () => {
    const d = directory(true);
    let now = 0;
    const m = new Memberships({ directory: d.dir, now: () => now, ttlMs: 1000 });
    await d.ask(m, 'room', 'bob');
    const lost: string[] = [];
    const failed: unknown[] = [];
    m.recheck('room', 'bob', () => lost.push('room'), (e) => failed.push(e));
    expect(d.questions).toBe(1); // still fresh: nothing asked
    now = 1000;
    d.set(false);
    m.recheck('room', 'bob', () => lost.push('room'), (e) => failed.push(e));
    m.recheck('room', 'bob', () => lost.push('room'), (e) => failed.push(e));
    expect(d.questions).toBe(2); // one question for two rechecks
    d.answerAll();
    await tick();
    expect(lost).toEqual(['room']);
    expect(failed).toEqual([]);
  });

  it('reports a directory failure during a recheck instead of throwing', async () => {
    const dir = { isMember: () => Promise.reject(new Error('directory down')) } as unknown as Directory;
    const m = new Memberships({ directory: dir, now: () => 0, ttlMs: 1000 });
    const failed: unknown[] = [];
    m.recheck('room', 'bob', () => {}, (e) => failed.push(e));
    await tick();
    expect(failed).toHaveLength(1);
    // and it may ask again later: the question is no longer in flight
    m.recheck('room', 'bob', () => {}, (e) => failed.push(e));
    await tick();
    expect(failed).toHaveLength(2);
  });
});
