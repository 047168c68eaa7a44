import type { ConversationSummary, GroupInfo, MessageView } from '@mekong/client-core';
import { describe, expect, it } from 'vitest';
import { translate } from './i18n/translate';
import { authorName, memberLine, previewLine, sortConversations, splitRequests } from './conversations';

const t = (key: Parameters<typeof translate>[1], vars?: Parameters<typeof translate>[2]) => translate('en', key, vars);

function message(over: Partial<MessageView> = {}): MessageView {
  return { id: 'm', conversationId: 'c', from: { userId: 'u' }, mine: false, kind: 'text', text: 'hi', sentAt: 1, status: 'sent', ...over };
}
function summary(id: string, name: string, last?: Partial<MessageView>): ConversationSummary {
  return {
    id,
    kind: 'direct',
    peer: { id: `u-${id}`, username: name.toLowerCase(), displayName: name },
    title: name,
    lastMessage: last ? message(last) : undefined,
    unread: 0,
  };
}

describe('sortConversations', () => {
  it('puts the newest activity first and fresh empty chats on top', () => {
    const sorted = sortConversations([
      summary('a', 'An', { sentAt: 10 }),
      summary('b', 'Bình', { sentAt: 30 }),
      summary('c', 'Chi'),
      summary('d', 'Dũng', { sentAt: 20 }),
    ]);
    expect(sorted.map((c) => c.id)).toEqual(['c', 'b', 'd', 'a']);
  });

  it('does not change the list it was given', () => {
    const list = [summary('a', 'An', { sentAt: 1 }), summary('b', 'Bình', { sentAt: 2 })];
    sortConversations(list);
    expect(list.map((c) => c.id)).toEqual(['a', 'b']);
  });
});

describe('previewLine', () => {
  it('prefixes your own messages and flattens new lines', () => {
    expect(previewLine(summary('a', 'An', { mine: true, text: 'line one\nline two' }), t)).toBe(
      'You: line one line two',
    );
    expect(previewLine(summary('a', 'An', { text: 'chào bạn' }), t)).toBe('chào bạn');
  });

  it('labels media and recalled messages', () => {
    expect(previewLine(summary('a', 'An', { kind: 'image', text: '' }), t)).toBe('Photo');
    expect(previewLine(summary('a', 'An', { recalled: true, text: 'secret' }), t)).toBe('This message was recalled');
  });

  it('is empty for a conversation without messages', () => {
    expect(previewLine(summary('a', 'An'), t)).toBe('');
  });
});

const group: GroupInfo = {
  id: 'g',
  name: 'Nhà mình',
  role: 'member',
  epoch: 1,
  members: [
    { id: 'u-lan', username: 'lan', displayName: 'Lan', role: 'owner' },
    { id: 'u-minh', username: 'minh', displayName: 'Minh', role: 'member' },
    { id: 'u-hoa', username: 'hoa', displayName: '', role: 'member' },
  ],
};
function groupSummary(last?: Partial<MessageView>): ConversationSummary {
  return { id: 'g', kind: 'group', peer: { id: 'g', username: '', displayName: 'Nhà mình' }, title: 'Nhà mình', group, unread: 0, lastMessage: last ? message(last) : undefined };
}

describe('groups in the list', () => {
  it('says who wrote the last message of a group', () => {
    expect(previewLine(groupSummary({ from: { userId: 'u-lan', displayName: 'Lan' }, text: 'chào cả nhà' }), t)).toBe('Lan: chào cả nhà');
    expect(previewLine(groupSummary({ from: { userId: 'u-lan' }, text: 'chào' }), t)).toBe('Lan: chào');
    expect(previewLine(groupSummary({ mine: true, text: 'chào' }), t)).toBe('You: chào');
  });

  it('shows system notices without an author', () => {
    expect(previewLine(groupSummary({ kind: 'system', text: '@lan added @tuan', from: { userId: 'u-lan' } }), t)).toBe('@lan added @tuan');
  });

  it('names an author whose profile has not loaded by username, else not at all', () => {
    expect(authorName(message({ from: { userId: 'u-hoa' } }), group)).toBe('@hoa');
    expect(authorName(message({ from: { userId: 'stranger' } }), group)).toBe('');
  });

  it('lists the members in the header, you last, cut short after a few', () => {
    expect(memberLine(group, 'u-lan', t)).toBe('Minh, @hoa, you');
    expect(memberLine(group, 'u-lan', t, 1)).toBe('Minh, you and 1 more');
  });
});

describe('splitRequests', () => {
  it('keeps message requests apart from chats, in order', () => {
    const list = [summary('a', 'An'), summary('b', 'Bình'), groupSummary(), summary('c', 'Chi')];
    const { chats, requests } = splitRequests(list, new Set(['b', 'g']));
    expect(chats.map((c) => c.id)).toEqual(['a', 'g', 'c']);
    expect(requests.map((c) => c.id)).toEqual(['b']);
  });
});
