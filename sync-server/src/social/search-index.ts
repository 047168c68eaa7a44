// The index of folded display names behind prefix search.
//
// Why a table of its own, kept here: display names are written by the accounts service, which this
// module does not change, and neither engine can fold Vietnamese in SQL the same way (SQLite has no
// unaccent). So user_search keeps each user's folded name beside the display name it was folded
// from; before a search, every row that is missing or whose display_name_seen differs from
// users.display_name is (re)folded. A new account or a renamed one is found by the very next search.
// The staleness check is one anti-join over users per search; see the measured cost in search.test.ts.
import { foldVietnamese } from '@mekong/schema';
import type { Kysely } from 'kysely';
import type { Db } from '../db';

/** Stale rows read per query: each query may scan users once, so the pages are large. */
const PAGE = 5000;
/** Rows written per statement, in id order, so concurrent refreshers cannot deadlock. */
const BATCH = 500;
/** A batch fails when one of its users is deleted meanwhile (foreign key); the retry skips them. */
const ATTEMPTS = 3;

/** Up to PAGE stale rows with ids above `after`, in id order. */
function staleRows(db: Kysely<Db>, after: string) {
  return db
    .selectFrom('users as u')
    .leftJoin('user_search as s', 's.user_id', 'u.id')
    .select(['u.id', 'u.display_name'])
    .where((eb) => eb.or([eb('s.user_id', 'is', null), eb('s.display_name_seen', '!=', eb.ref('u.display_name'))]))
    .where('u.id', '>', after)
    .orderBy('u.id')
    .limit(PAGE)
    .execute();
}

async function store(db: Kysely<Db>, users: { id: string; display_name: string }[]): Promise<void> {
  await db
    .insertInto('user_search')
    .values(users.map((u) => ({ user_id: u.id, folded_name: foldVietnamese(u.display_name), display_name_seen: u.display_name })))
    .onConflict((oc) =>
      oc.column('user_id').doUpdateSet((eb) => ({
        folded_name: eb.ref('excluded.folded_name'),
        display_name_seen: eb.ref('excluded.display_name_seen'),
      })),
    )
    .execute();
}

/** (Re)folds the name of one user now; for writers of display names that want no lag at all. */
export async function indexUser(db: Kysely<Db>, userId: string): Promise<void> {
  const user = await db.selectFrom('users').select(['id', 'display_name']).where('id', '=', userId).executeTakeFirst();
  if (user) await store(db, [user]);
}

/** Brings every stale row of user_search up to date; answers how many rows it refolded. */
export async function refreshSearchIndex(db: Kysely<Db>): Promise<number> {
  let total = 0;
  let after = '';
  let failures = 0;
  for (;;) {
    const stale = await staleRows(db, after);
    try {
      for (let i = 0; i < stale.length; i += BATCH) {
        const batch = stale.slice(i, i + BATCH);
        await store(db, batch);
        total += batch.length;
        after = batch[batch.length - 1]?.id ?? after;
      }
    } catch (err) {
      if (++failures >= ATTEMPTS) throw err;
      continue;
    }
    if (stale.length < PAGE) return total;
  }
}
