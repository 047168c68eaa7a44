// The SQLite file layout: values in a rowid table beside a key index, and files written with the
// earlier WITHOUT ROWID table moved over on open with every row intact.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bytes, text } from './contract-util';
import { createSqliteStorage } from './sqlite';

const tableSql = (path: string): string => {
  const raw = new Database(path, { readonly: true });
  try {
    return (raw.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'kv'").get() as { sql: string }).sql;
  } finally {
    raw.close();
  }
};

describe('sqlite file layout', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mekong-sqlite-layout-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps values out of the key index, so a large value next to a range is never read to compare keys', async () => {
    const path = join(dir, 'new.sqlite');
    const storage = createSqliteStorage(path);
    await storage.put('conv/a/info', bytes('info'));
    await storage.put('doc/a/base', new Uint8Array(2_000_000).fill(7));
    expect((await storage.range('conv/')).map(([k]) => k)).toEqual(['conv/a/info']);
    await storage.close();
    expect(tableSql(path)).not.toMatch(/WITHOUT\s+ROWID/i);
  });

  it('moves a file written with the WITHOUT ROWID table over once, keeping every row', async () => {
    const path = join(dir, 'old.sqlite');
    const raw = new Database(path);
    raw.exec('CREATE TABLE kv (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID');
    const put = raw.prepare('INSERT INTO kv (key, value) VALUES (?, ?)');
    for (let i = 0; i < 300; i++) put.run(`msg/c/${String(i).padStart(4, '0')}`, bytes(`message ${i}`));
    put.run('doc/c/base', new Uint8Array(300_000).fill(3));
    raw.close();

    const storage = createSqliteStorage(path);
    expect(tableSql(path)).not.toMatch(/WITHOUT\s+ROWID/i);
    const latest = await storage.range('msg/c/', { reverse: true, limit: 2 });
    expect(latest.map(([k, v]) => [k, text(v)])).toEqual([
      ['msg/c/0299', 'message 299'],
      ['msg/c/0298', 'message 298'],
    ]);
    expect((await storage.range('msg/c/')).length).toBe(300);
    expect((await storage.get('doc/c/base'))?.length).toBe(300_000);
    await storage.put('msg/c/0300', bytes('message 300'));
    await storage.close();

    // a second open finds the new layout and changes nothing
    const again = createSqliteStorage(path);
    expect(text((await again.get('msg/c/0300'))!)).toBe('message 300');
    expect((await again.range('msg/c/')).length).toBe(301);
    await again.close();
  });
});
