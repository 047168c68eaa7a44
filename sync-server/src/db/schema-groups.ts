// Tables of groups and membership logs.
// biome-ignore lint/suspicious/noEmptyInterface: filled in by the groups migration
export interface GroupTables {}
