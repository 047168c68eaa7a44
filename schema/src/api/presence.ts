// HTTP schemas of presence (GET /api/presence): who is connected to a relay now, and when each
// user was last seen. Answered only about people the caller knows (see docs/decisions.md).
import { z } from 'zod';
import { EpochMillis, ResourceId } from './common';

/** Most user ids one presence request may name. */
export const MAX_PRESENCE_USERS = 200;

/** `?users=<id>,<id>,...`: 1 to MAX_PRESENCE_USERS distinct-or-repeated user ids, comma-separated. */
export const PresenceQuery = z.strictObject({
  users: z
    .string()
    .max(MAX_PRESENCE_USERS * 129)
    .transform((s) => s.split(','))
    .pipe(z.array(ResourceId).min(1).max(MAX_PRESENCE_USERS)),
});
export type PresenceQuery = z.infer<typeof PresenceQuery>;

/**
 * One user's presence. `online`: a device of theirs is connected to a relay. `lastSeen`: when a
 * relay last saw them connected (ms), null when never or when the caller may not know.
 */
export const UserPresence = z.object({ userId: ResourceId, online: z.boolean(), lastSeen: EpochMillis.nullable() });
export type UserPresence = z.infer<typeof UserPresence>;

/** The answer, one entry per distinct requested id, in the order first requested. */
export const PresenceResponse = z.object({ users: z.array(UserPresence) });
export type PresenceResponse = z.infer<typeof PresenceResponse>;
