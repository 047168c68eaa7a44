// Typed HTTP client for the sync-server's /api routes. Maps every failure to a MekongError.
import { ErrorCode, isErrorCode, MekongError } from '@mekong/schema';

export interface Tokens {
  accessToken: string;
  refreshToken: string;
  /** ms since the epoch */
  accessExpiresAt: number;
}

export interface ApiProfile {
  id: string;
  username: string;
  displayName: string;
  identityKey: string;
}
export interface ApiDevice {
  id: string;
  signKey: string;
  boxKey: string;
  certificate: string;
  createdAt: number | string;
  /** set (ms) when the device was retired; only in `?retired=1` answers */
  revokedAt?: number | null;
}
export interface ApiConversation {
  id: string;
  kind: 'direct' | 'group';
  name?: string;
  members: Array<{ userId: string; role: string }>;
  createdAt: number | string;
  /** entries in the membership log */
  logLength?: number;
}
export interface TokenResponse {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** Session hooks the API client needs: the current tokens and where to store refreshed ones. */
export interface TokenSource {
  get(): Tokens | null;
  set(tokens: Tokens): Promise<void>;
  /** The session is gone for good (refresh refused). */
  lost(): void;
}

export function toTokens(r: TokenResponse, now: number): Tokens {
  return { accessToken: r.accessToken, refreshToken: r.refreshToken, accessExpiresAt: now + r.expiresIn * 1000 };
}

/** A thin client over fetch. Refreshes the access token once on 401 and retries. */
export class ApiClient {
  private refreshing: Promise<void> | null = null;
  constructor(
    readonly base: string,
    private readonly tokens: TokenSource,
    private readonly fetchImpl: typeof fetch = (...a) => globalThis.fetch(...a),
    private readonly now: () => number = Date.now,
  ) {}

  async call<T>(method: Method, path: string, body?: unknown, opts: { auth?: boolean } = {}): Promise<T> {
    const auth = opts.auth ?? true;
    try {
      return await this.raw<T>(method, path, body, auth);
    } catch (err) {
      if (auth && err instanceof MekongError && (err.code === ErrorCode.TOKEN_EXPIRED || err.code === ErrorCode.UNAUTHENTICATED)) {
        await this.refresh();
        return this.raw<T>(method, path, body, auth);
      }
      throw err;
    }
  }

  /** Get a fresh access token if the current one expires within `marginMs`. */
  async freshAccessToken(marginMs = 60_000): Promise<string> {
    const t = this.tokens.get();
    if (!t) throw new MekongError(ErrorCode.UNAUTHENTICATED, 'Log in first.');
    if (t.accessExpiresAt - marginMs > this.now()) return t.accessToken;
    await this.refresh();
    const next = this.tokens.get();
    if (!next) throw new MekongError(ErrorCode.UNAUTHENTICATED, 'Log in again.');
    return next.accessToken;
  }

  refresh(): Promise<void> {
    if (!this.refreshing) {
      this.refreshing = (async () => {
        const t = this.tokens.get();
        if (!t) throw new MekongError(ErrorCode.UNAUTHENTICATED, 'Log in first.');
        try {
          const r = await this.raw<TokenResponse>('POST', '/api/users/refresh', { refreshToken: t.refreshToken }, false);
          await this.tokens.set(toTokens(r, this.now()));
        } catch (err) {
          if (err instanceof MekongError && err.code !== ErrorCode.UNAVAILABLE && err.code !== ErrorCode.RATE_LIMITED) {
            this.tokens.lost();
          }
          throw err;
        }
      })().finally(() => {
        this.refreshing = null;
      });
    }
    return this.refreshing;
  }

  private async raw<T>(method: Method, path: string, body: unknown, auth: boolean): Promise<T> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (auth) {
      const t = this.tokens.get();
      if (!t) throw new MekongError(ErrorCode.UNAUTHENTICATED, 'Log in first.');
      headers.authorization = `Bearer ${t.accessToken}`;
    }
    let res: Response;
    try {
      res = await this.fetchImpl(new URL(path, this.base).toString(), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new MekongError(ErrorCode.UNAVAILABLE, `Cannot reach the server at ${this.base}. Check the address and your connection.`);
    }
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const e = (json as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
      const code = isErrorCode(e?.code) ? e.code : res.status >= 500 ? ErrorCode.UNAVAILABLE : ErrorCode.BAD_REQUEST;
      const message = typeof e?.message === 'string' ? e.message : `The server answered ${res.status}.`;
      throw new MekongError(code, message, { status: res.status });
    }
    return json as T;
  }
}
