// The column the bans migration adds to users.

/**
 * Db's users type belongs to the accounts tables, so queries that need this column read it through
 * `db.withTables<{ users: UserBanColumns }>()`.
 */
export interface UserBanColumns {
  /** When an operator banned the account, in milliseconds since the epoch; null when it is not banned. */
  banned_at: number | null;
}
