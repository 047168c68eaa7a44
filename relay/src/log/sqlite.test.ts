// Opening the embedded log: the durability setting holds on every open, not only the first.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sqliteHandleOf } from './sqlite-batch';
import { openSqliteLogStore, openSqliteRelayDb } from './sqlite';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('openSqliteRelayDb', () => {
  it('syncs every commit (synchronous=FULL) also when the file is already in WAL mode', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mekong-sqlite-'));
    dirs.push(dir);
    const file = join(dir, 'relay.db');
    // first open creates the file and switches it to WAL; an append makes the WAL real
    const first = await openSqliteLogStore(file);
    await first.append('c', 'd', 1, new Uint8Array([1]));
    await first.close();
    // reopened: this SQLite build would default to NORMAL for a WAL file, which loses acked appends on power loss
    const again = openSqliteRelayDb(file);
    const handle = sqliteHandleOf(again)!;
    expect(handle.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(handle.pragma('synchronous', { simple: true })).toBe(2);
    await again.destroy();
  });
});
