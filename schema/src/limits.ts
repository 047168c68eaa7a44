// Hard bounds on everything that crosses the wire. Relays enforce them; clients stay within them.

/** Longest conversation, user or device id, in UTF-8 bytes. */
export const MAX_ID_BYTES = 128;
/** Largest access token accepted in an auth frame. */
export const MAX_TOKEN_BYTES = 4096;
/** Largest encrypted CRDT update envelope in a push frame. */
export const MAX_UPDATE_BYTES = 256 * 1024;
/** Largest encrypted snapshot envelope. Histories beyond this are split across documents by the client. */
export const MAX_SNAPSHOT_BYTES = 8 * 1024 * 1024;
/** Largest ephemeral (typing, presence) envelope. */
export const MAX_EPHEMERAL_BYTES = 4 * 1024;
/** Largest frame of any kind; a snapshot frame plus its header fits. */
export const MAX_FRAME_BYTES = MAX_SNAPSHOT_BYTES + 1024;
/** Largest frame other than a snapshot. */
export const MAX_SMALL_FRAME_BYTES = MAX_UPDATE_BYTES + 1024;
/** Longest human-readable error message in an error frame. */
export const MAX_ERROR_MESSAGE_BYTES = 512;
/** Largest encrypted media blob (what the client uploads: secretstream header and chunks). */
export const MAX_MEDIA_BYTES = 100 * 1024 * 1024;
/** Encrypted media bytes one user may keep on the server unless the operator says otherwise. */
export const DEFAULT_MEDIA_QUOTA_BYTES = 1024 * 1024 * 1024;
