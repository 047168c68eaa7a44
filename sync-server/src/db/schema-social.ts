// Tables of the social graph (friend requests, friendships, blocks).
// biome-ignore lint/suspicious/noEmptyInterface: filled in by the social migration
export interface SocialTables {}
