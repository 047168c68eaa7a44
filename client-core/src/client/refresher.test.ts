import { describe, expect, it } from 'vitest';
import { Refresher } from './refresher';

/** A re-read the test finishes by hand; counts how many started. */
function manualWork() {
  const pending: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  let started = 0;
  const work = () =>
    new Promise<void>((resolve, reject) => {
      started++;
      pending.push({ resolve, reject });
    });
  const flush = () => new Promise((r) => setTimeout(r, 0));
  return {
    work,
    get started() {
      return started;
    },
    /** Finishes the oldest re-read still running, then lets queued work start. */
    async finish(error?: Error) {
      const next = pending.shift();
      if (!next) throw new Error('no re-read is running');
      if (error) next.reject(error);
      else next.resolve();
      await flush();
    },
  };
}

describe('Refresher', () => {
  it('lets plain callers join the re-read in flight', async () => {
    const w = manualWork();
    const list = new Refresher(w.work, () => true);
    const a = list.refresh();
    const b = list.refresh();
    expect(w.started).toBe(1);
    await w.finish();
    await Promise.all([a, b]);
    expect(w.started).toBe(1);
  });

  it('answers a burst of hints with the re-read in flight plus one more that starts after them', async () => {
    const w = manualWork();
    const list = new Refresher(w.work, () => true);
    const poll = list.refresh(); // started before the change: it may have read the old list
    const hints = [list.refresh(true), list.refresh(true), list.refresh(true)];
    let hintsDone = false;
    void Promise.all(hints).then(() => {
      hintsDone = true;
    });
    expect(w.started).toBe(1);
    await w.finish();
    await poll;
    expect(hintsDone).toBe(false); // the hints wait for a re-read of their own
    expect(w.started).toBe(2);
    await w.finish();
    await Promise.all(hints);
    expect(w.started).toBe(2);
  });

  it('starts at once for a hint when nothing is in flight, and queues again for a hint during the queued one', async () => {
    const w = manualWork();
    const list = new Refresher(w.work, () => true);
    const first = list.refresh(true);
    expect(w.started).toBe(1);
    const second = list.refresh(true); // during the first: queued
    await w.finish();
    await first;
    expect(w.started).toBe(2);
    const third = list.refresh(true); // during the second, which may have read the list before it
    await w.finish();
    await second;
    expect(w.started).toBe(3);
    await w.finish();
    await third;
  });

  it('still runs the queued re-read after a failed one, and rejects each caller with its own re-read’s error', async () => {
    const w = manualWork();
    const list = new Refresher(w.work, () => true);
    const failing = list.refresh();
    const hint = list.refresh(true);
    await w.finish(new Error('offline'));
    await expect(failing).rejects.toThrow('offline');
    expect(w.started).toBe(2);
    await w.finish();
    await expect(hint).resolves.toBeUndefined();
  });

  it('drops the queued re-read when the client stopped meanwhile', async () => {
    const w = manualWork();
    let active = true;
    const list = new Refresher(w.work, () => active);
    const running = list.refresh();
    const hint = list.refresh(true);
    active = false;
    await w.finish();
    await running;
    await expect(hint).resolves.toBeUndefined();
    expect(w.started).toBe(1);
  });
});
