// Tables of the media service. Times are milliseconds since the epoch; sizes are bytes of ciphertext.

/** One stored blob. The blob store holds its bytes under the same id. */
export interface MediaBlobsTable {
  /** 128-bit random id, base64url; knowing it is what lets a user download the blob. */
  id: string;
  /** The uploader: the only user who may delete it, and whose quota it counts against. */
  owner_id: string;
  size: number;
  created_at: number;
}

/** Bytes a user keeps in the blob store, and their quota when it differs from the default. */
export interface MediaUsageTable {
  user_id: string;
  used_bytes: number;
  /** Null: the service's default quota. */
  quota_bytes: number | null;
}

export interface MediaTables {
  media_blobs: MediaBlobsTable;
  media_usage: MediaUsageTable;
}
