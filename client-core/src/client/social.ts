// Friends, blocks, user search and message requests: thin, typed calls over /api/friends,
// /api/blocks, /api/search and /api/message-requests. Users are named by username, as people do.
import { ErrorCode, MekongError } from '@mekong/schema';
import type { ApiClient, ApiProfile } from '../http/api';
import type { FriendInfo, FriendRequestInfo, Relation, UserProfile } from './types';

interface RequestEntry {
  id: string;
  user: ApiProfile;
  createdAt: number;
}

/** What the social calls need from the client. */
export interface SocialDeps {
  api: ApiClient;
  findUser(username: string): Promise<UserProfile>;
  remember(p: ApiProfile): UserProfile;
}

/**
 * @example
 * const social = new Social(deps);
 * await social.sendFriendRequest('minh');        // 'pending', or 'friends' when Minh had asked first
 * (await social.friends()).map((f) => f.user.username);
 */
export class Social {
  constructor(private readonly deps: SocialDeps) {}

  async sendFriendRequest(username: string): Promise<'pending' | 'friends'> {
    const user = await this.deps.findUser(username);
    const res = await this.deps.api.call<{ status: 'pending' | 'friends' }>('POST', '/api/friends/request', { userId: user.id });
    return res.status;
  }

  async friendRequests(): Promise<{ incoming: FriendRequestInfo[]; outgoing: FriendRequestInfo[] }> {
    const res = await this.deps.api.call<{ incoming: RequestEntry[]; outgoing: RequestEntry[] }>('GET', '/api/friends/requests');
    const map = (r: RequestEntry): FriendRequestInfo => ({ id: r.id, user: this.deps.remember(r.user), createdAt: r.createdAt });
    return { incoming: res.incoming.map(map), outgoing: res.outgoing.map(map) };
  }

  async acceptFriendRequest(username: string): Promise<FriendInfo> {
    const req = await this.request('incoming', username);
    const res = await this.deps.api.call<{ friend: { user: ApiProfile; since: number } }>('PUT', `/api/friends/request/${encodeURIComponent(req.id)}/accept`);
    return { user: this.deps.remember(res.friend.user), since: res.friend.since };
  }

  async rejectFriendRequest(username: string): Promise<void> {
    const req = await this.request('incoming', username);
    await this.deps.api.call('PUT', `/api/friends/request/${encodeURIComponent(req.id)}/reject`);
  }

  async cancelFriendRequest(username: string): Promise<void> {
    const req = await this.request('outgoing', username);
    await this.deps.api.call('DELETE', `/api/friends/request/${encodeURIComponent(req.id)}`);
  }

  async removeFriend(username: string): Promise<void> {
    const user = await this.deps.findUser(username);
    await this.deps.api.call('DELETE', `/api/friends/${encodeURIComponent(user.id)}`);
  }

  async friends(): Promise<FriendInfo[]> {
    const res = await this.deps.api.call<{ friends: Array<{ user: ApiProfile; since: number }> }>('GET', '/api/friends/list/me');
    return res.friends.map((f) => ({ user: this.deps.remember(f.user), since: f.since }));
  }

  async suggestions(): Promise<Array<{ user: UserProfile; mutualFriends: number }>> {
    const res = await this.deps.api.call<{ suggestions: Array<{ user: ApiProfile; mutualFriends: number }> }>('GET', '/api/friends/suggestions/me');
    return res.suggestions.map((s) => ({ user: this.deps.remember(s.user), mutualFriends: s.mutualFriends }));
  }

  async searchUsers(query: string): Promise<Array<{ user: UserProfile; relation: Relation; exact: boolean }>> {
    const q = query.trim();
    if (!q) throw new MekongError(ErrorCode.BAD_REQUEST, 'Type a name, username, phone number or email.');
    const res = await this.deps.api.call<{ users: Array<{ user: ApiProfile; relation: Relation; exact: boolean }> }>(
      'GET',
      `/api/search/users?q=${encodeURIComponent(q)}`,
    );
    return res.users.map((u) => ({ user: this.deps.remember(u.user), relation: u.relation, exact: u.exact }));
  }

  async block(username: string): Promise<void> {
    const user = await this.deps.findUser(username);
    await this.deps.api.call('POST', '/api/blocks', { userId: user.id });
  }

  async unblock(username: string): Promise<void> {
    const user = await this.deps.findUser(username);
    await this.deps.api.call('DELETE', `/api/blocks/${encodeURIComponent(user.id)}`);
  }

  async blocked(): Promise<UserProfile[]> {
    const res = await this.deps.api.call<{ blocks: Array<{ user: ApiProfile }> }>('GET', '/api/blocks');
    return res.blocks.map((b) => this.deps.remember(b.user));
  }

  /** Conversation ids started by people who are not friends, waiting for this user to accept. */
  async messageRequests(): Promise<Array<{ conversationId: string; from: UserProfile }>> {
    const res = await this.deps.api.call<{ requests: Array<{ conversation: { id: string }; from: ApiProfile }> }>('GET', '/api/message-requests');
    return res.requests.map((r) => ({ conversationId: r.conversation.id, from: this.deps.remember(r.from) }));
  }

  async acceptMessageRequest(conversationId: string): Promise<void> {
    await this.deps.api.call('POST', `/api/message-requests/${encodeURIComponent(conversationId)}/accept`);
  }

  private async request(side: 'incoming' | 'outgoing', username: string): Promise<FriendRequestInfo> {
    const u = username.trim().toLowerCase().replace(/^@/, '');
    const all = await this.friendRequests();
    const hit = all[side].find((r) => r.user.username === u);
    if (!hit) {
      throw new MekongError(ErrorCode.NOT_FOUND, side === 'incoming' ? `@${u} has not sent you a friend request.` : `You have no pending request to @${u}.`);
    }
    return hit;
  }
}
