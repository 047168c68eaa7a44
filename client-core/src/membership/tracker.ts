// The verified membership of every conversation on this device. The server stores and orders
// the signed log; this device fetches it, verifies every entry from the first one, keeps the
// entries, and derives members, roles and epochs from them alone. New entries are signed on
// top of the verified head and sent; a 409 means someone else appended first: fetch, verify,
// reconsider, sign again. Beside the entries it keeps the state they verified to (verified.ts),
// so a restart verifies only entries that state does not cover.
import { ErrorCode, isMekongError, type LogResponse, type MembershipEntry, type MembershipOp, type MembershipState, MekongError } from '@mekong/schema';
import { cryptoReady } from '../crypto';
import type { ApiClient } from '../http/api';
import type { DeviceSecrets } from '../keys/secrets';
import { fromBytes, toBytes } from '../local/json';
import type { StoragePort } from '../storage';
import { extendLog, signEntry, verifyLog } from './log';
import { decodeVerified, encodeVerified, verifiedKey } from './verified';

const pad = (n: number) => String(n).padStart(8, '0');
const entryKey = (conv: string, index: number) => `mlog/${conv}/${pad(index)}`;
const entryPrefix = (conv: string) => `mlog/${conv}/`;
const PAGE = 1000;
const MAX_ATTEMPTS = 6;

/** Who may do what in a conversation right now, as the verified log says. */
export interface ConvMembers {
  /** Current members: new keys are sealed only for their devices. */
  readonly current: string[];
  /** The epoch new messages use; undefined while a direct conversation has no log yet. */
  readonly epoch: number | undefined;
  /** Users who held `epoch` (were members while it was current): only they may send under it or share its key. */
  holders(epoch: number): string[];
  /** Everyone who was ever a member: authors of older messages. */
  readonly ever: string[];
  /** The identity key the log pins for a current member; undefined without a log. */
  identityKey(userId: string): string | undefined;
  /** A current member's role; undefined for non-members. Both people of a direct conversation may do everything. */
  role(userId: string): 'owner' | 'admin' | 'member' | undefined;
  readonly kind: 'direct' | 'group';
}

/** Members as the log names them, for a conversation with a verified log. */
export function membersOf(state: MembershipState): ConvMembers {
  const ever = new Set<string>();
  for (const set of state.epochMembers.values()) for (const u of set) ever.add(u);
  return {
    current: [...state.members.keys()],
    epoch: state.epoch,
    holders: (epoch) => [...(state.epochMembers.get(epoch) ?? [])],
    ever: [...ever],
    identityKey: (userId) => state.members.get(userId)?.identityKey,
    role: (userId) => (state.kind === 'direct' ? (state.members.has(userId) ? 'owner' : undefined) : state.members.get(userId)?.role),
    kind: state.kind,
  };
}

/** Members of a direct conversation whose log nobody has started yet: the two the server names. */
export function provisionalMembers(users: string[]): ConvMembers {
  return {
    current: users,
    epoch: undefined,
    holders: () => users,
    ever: users,
    identityKey: () => undefined,
    role: (u) => (users.includes(u) ? 'owner' : undefined),
    kind: 'direct',
  };
}

/**
 * Keeps verified membership logs.
 * @example
 * const state = await tracker.sync(convId);           // fetch + verify what is new
 * await tracker.append(convId, (s) => ({ op: 'rotate', epoch: s.epoch + 1 }), (e) => api.call('POST', `/api/conversations/${convId}/log`, { entry: e }));
 */
export class MembershipTracker {
  private readonly states = new Map<string, MembershipState>();
  private readonly chains = new Map<string, Promise<unknown>>();

  constructor(
    private readonly api: ApiClient,
    private readonly storage: StoragePort,
    private readonly secrets: DeviceSecrets,
    private readonly now: () => number,
  ) {}

  /**
   * The verified state held locally: the state this device stored when it verified the entries,
   * extended by verifying any stored entry it does not cover (all of them on a device that kept
   * no state yet), once per process.
   */
  async get(conv: string): Promise<MembershipState | undefined> {
    const hit = this.states.get(conv);
    if (hit) return hit;
    const known = decodeVerified(await this.storage.get(verifiedKey(conv)), conv);
    const rest = await this.storage.range(entryPrefix(conv), known ? { after: entryKey(conv, known.length - 1) } : {});
    let state = known;
    if (rest.length) {
      await cryptoReady();
      const entries = rest.map(([, v]) => fromBytes<MembershipEntry>(v));
      state = known ? extendLog(known, entries, conv) : verifyLog(entries, conv);
      await this.storage.put(verifiedKey(conv), encodeVerified(state));
    }
    if (!state) return undefined;
    this.states.set(conv, this.states.get(conv) ?? state);
    return this.states.get(conv);
  }

  /** When the current epoch started (the author's clock on the entry that started it), 0 when unknown. */
  async epochSince(conv: string): Promise<number> {
    const state = await this.get(conv);
    if (!state) return 0;
    for (let i = state.length - 1; i >= 0; i--) {
      const raw = await this.storage.get(entryKey(conv, i));
      if (!raw) return 0;
      const e = fromBytes<MembershipEntry>(raw);
      if (e.change.op !== 'add' && e.change.op !== 'role') return e.at;
    }
    return 0;
  }

  /** The state already in memory, without touching storage. */
  peek(conv: string): MembershipState | undefined {
    return this.states.get(conv);
  }

  /**
   * Fetch entries this device has not verified yet and verify them on top of what it has.
   * `serverLength`, when given, skips the round trip if nothing is new.
   * @throws MekongError FORBIDDEN / BAD_SIGNATURE / BAD_CERTIFICATE when the server serves an entry that does not verify; nothing is stored then.
   */
  sync(conv: string, serverLength?: number): Promise<MembershipState | undefined> {
    return this.serial(conv, async () => {
      const known = await this.get(conv);
      if (serverLength !== undefined && serverLength <= (known?.length ?? 0)) return known;
      return this.fetchNew(conv, known);
    });
  }

  /**
   * Start a conversation's log with its `create` entry and send it with `post`.
   * A CONFLICT means another member created it first: their log is fetched and verified instead.
   */
  create(conv: string, change: Extract<MembershipOp, { op: 'create' }>, post: (entry: MembershipEntry) => Promise<void>): Promise<MembershipState> {
    return this.serial(conv, async () => {
      const known = await this.get(conv);
      if (known) return known;
      const entry = signEntry(this.secrets, null, conv, change, this.now());
      const state = verifyLog([entry], conv);
      try {
        await post(entry);
      } catch (err) {
        if (!isMekongError(err, ErrorCode.CONFLICT)) throw err;
        const theirs = await this.fetchNew(conv, undefined);
        if (!theirs) throw err;
        return theirs;
      }
      await this.store(conv, [entry], state);
      this.states.set(conv, state);
      return state;
    });
  }

  /**
   * Append one change: `decide` sees the latest verified state and returns the change (or null
   * when nothing needs doing any more, e.g. someone else already rotated). The change is checked
   * against the log's rules here before it is sent.
   */
  append(
    conv: string,
    decide: (state: MembershipState) => MembershipOp | null,
    post: (entry: MembershipEntry) => Promise<void>,
  ): Promise<{ state: MembershipState; entry: MembershipEntry | null }> {
    return this.serial(conv, async () => {
      let state = await this.get(conv);
      if (!state) state = await this.fetchNew(conv, undefined);
      if (!state) throw new MekongError(ErrorCode.NOT_FOUND, 'This conversation has no membership log yet.');
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const change = decide(state);
        if (!change) return { state, entry: null };
        const entry = signEntry(this.secrets, state, conv, change, this.now());
        const next = extendLog(state, [entry], conv); // refuses what the rules refuse, before the server sees it
        try {
          await post(entry);
        } catch (err) {
          if (!isMekongError(err, ErrorCode.CONFLICT)) throw err;
          state = (await this.fetchNew(conv, state)) ?? state;
          continue;
        }
        await this.store(conv, [entry], next);
        this.states.set(conv, next);
        return { state: next, entry };
      }
      throw new MekongError(ErrorCode.CONFLICT, 'The group kept changing while this change was being made; try again.');
    });
  }

  /** Forget a conversation's log (the user left it, or it was disbanded). */
  async forget(conv: string): Promise<void> {
    this.states.delete(conv);
    const stored = await this.storage.range(entryPrefix(conv));
    await this.storage.batch([...stored.map(([key]) => ({ type: 'del' as const, key })), { type: 'del' as const, key: verifiedKey(conv) }]);
  }

  private async fetchNew(conv: string, known: MembershipState | undefined): Promise<MembershipState | undefined> {
    let state = known;
    const fresh: MembershipEntry[] = [];
    for (;;) {
      const after = (known?.length ?? 0) + fresh.length;
      const res = await this.api.call<LogResponse>('GET', `/api/conversations/${encodeURIComponent(conv)}/log?after=${after}&limit=${PAGE}`);
      if (!res.entries.length) break;
      // verifies signatures, certificates, chain and authorization of every entry
      state = state ? extendLog(state, res.entries, conv) : verifyLog(res.entries, conv);
      fresh.push(...res.entries);
      if (after + res.entries.length >= res.length) break;
    }
    if (!fresh.length) return known;
    await this.store(conv, fresh, state!);
    this.states.set(conv, state!);
    return state;
  }

  /** Newly verified entries and the state they verified to, in one batch: the state never covers an entry that is not stored. */
  private async store(conv: string, entries: MembershipEntry[], state: MembershipState): Promise<void> {
    await this.storage.batch([
      ...entries.map((e) => ({ type: 'put' as const, key: entryKey(conv, e.index), value: toBytes(e) })),
      { type: 'put' as const, key: verifiedKey(conv), value: encodeVerified(state) },
    ]);
  }

  /** One log operation at a time per conversation. */
  private serial<T>(conv: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.chains.get(conv) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    this.chains.set(
      conv,
      next.catch(() => {}),
    );
    return next;
  }
}
