// User search: exact username, phone number or email, then display-name word prefixes with
// Vietnamese diacritics folded. Exact matches come first, then friends, then everyone else; users
// who blocked the searcher are never found, and neither is the searcher.
import { EmailAddress, foldVietnamese, MAX_SOCIAL_RESULTS, PhoneNumber, type Relation, type UserSearchResult, Username } from '@mekong/schema';
import { type Expression, type Kysely, type SqlBool, sql } from 'kysely';
import type { Db } from '../db';
import type { UserContactColumns } from '../db/schema-social';
import { notBlockedBy } from './filters';
import { PROFILE_COLUMNS, type ProfileRow, toProfile } from './profiles';
import { refreshSearchIndex } from './search-index';

/** LIKE pattern text matching `s` literally; used with ESCAPE '\'. */
const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

async function exactMatches(db: Kysely<Db>, me: string, q: string): Promise<ProfileRow[]> {
  const contacts = db.withTables<{ users: UserContactColumns }>();
  const username = Username.safeParse(q);
  const phone = PhoneNumber.safeParse(q);
  const email = q.includes('@') ? EmailAddress.safeParse(q) : undefined;
  if (!username.success && !phone.success && !email?.success) return [];
  return contacts
    .selectFrom('users as u')
    .select(PROFILE_COLUMNS)
    .where((eb) => {
      const any: Expression<SqlBool>[] = [];
      if (username.success) any.push(eb('u.username', '=', username.data));
      if (phone.success) any.push(eb('u.phone', '=', phone.data));
      if (email?.success) any.push(eb('u.email', '=', email.data));
      return eb.or(any);
    })
    .where('u.id', '!=', me)
    .where(notBlockedBy(me, 'u.id'))
    .execute();
}

/** Display names with a word starting with the folded query ("van" finds "Nguyễn Văn A"). */
async function prefixMatches(db: Kysely<Db>, me: string, q: string, limit: number): Promise<ProfileRow[]> {
  const folded = foldVietnamese(q);
  if (folded === '') return [];
  const word = escapeLike(folded);
  return db
    .selectFrom('user_search as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .leftJoin('friendships as f', (j) => j.onRef('f.friend_id', '=', 'u.id').on('f.user_id', '=', me))
    .select(PROFILE_COLUMNS)
    .where(sql<boolean>`(' ' || s.folded_name) like ${`% ${word}%`} escape '\\'`)
    .where('u.id', '!=', me)
    .where(notBlockedBy(me, 'u.id'))
    .orderBy(sql`case when f.friend_id is null then 1 else 0 end`)
    .orderBy(sql`case when s.folded_name like ${`${word}%`} escape '\\' then 0 else 1 end`)
    .orderBy('s.folded_name')
    .orderBy('u.id')
    .limit(limit)
    .execute();
}

/** How `me` stands with each of `ids`. */
async function relationsOf(db: Kysely<Db>, me: string, ids: string[]): Promise<Map<string, Relation>> {
  const relations = new Map<string, Relation>(ids.map((id) => [id, 'none']));
  if (ids.length === 0) return relations;
  const [requests, friends, blocked] = await Promise.all([
    db
      .selectFrom('friend_requests')
      .select(['from_user', 'to_user'])
      .where((eb) => eb.or([eb.and([eb('from_user', '=', me), eb('to_user', 'in', ids)]), eb.and([eb('to_user', '=', me), eb('from_user', 'in', ids)])]))
      .execute(),
    db.selectFrom('friendships').select('friend_id').where('user_id', '=', me).where('friend_id', 'in', ids).execute(),
    db.selectFrom('blocks').select('blocked_id').where('blocker_id', '=', me).where('blocked_id', 'in', ids).execute(),
  ]);
  for (const r of requests) relations.set(r.from_user === me ? r.to_user : r.from_user, r.from_user === me ? 'outgoing' : 'incoming');
  for (const f of friends) relations.set(f.friend_id, 'friend');
  for (const b of blocked) relations.set(b.blocked_id, 'blocked');
  return relations;
}

export async function searchUsers(db: Kysely<Db>, me: string, q: string): Promise<UserSearchResult[]> {
  await refreshSearchIndex(db);
  const exact = await exactMatches(db, me, q);
  const prefix = await prefixMatches(db, me, q, MAX_SOCIAL_RESULTS + exact.length);
  const exactIds = new Set(exact.map((r) => r.id));
  const rows = [...exact, ...prefix.filter((r) => !exactIds.has(r.id))];
  const relations = await relationsOf(db, me, rows.map((r) => r.id));
  const results = rows.map((r) => ({ user: toProfile(r), relation: relations.get(r.id) ?? 'none', exact: exactIds.has(r.id) }));
  // Stable sort: exact matches first, friends first within each group, otherwise the query's order.
  const rank = (r: UserSearchResult) => (r.exact ? 0 : 2) + (r.relation === 'friend' ? 0 : 1);
  return results.sort((a, b) => rank(a) - rank(b)).slice(0, MAX_SOCIAL_RESULTS);
}
