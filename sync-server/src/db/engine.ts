// Which SQL engine a Kysely instance talks to: the relay's helpers, shared so the two never drift.
export { currentSchema, isPostgres } from '@mekong/relay';
