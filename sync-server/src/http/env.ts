// The Hono environment shared by the service apps: what middleware leaves on the context.

/** Who is calling, as established by requireAuth from the access token and its session. */
export interface Caller {
  userId: string;
  sessionId: string;
  /** Null while the session has no device yet. */
  deviceId: string | null;
}

export type AppEnv = { Variables: { caller: Caller } };
