import type { ConversationSummary, MessageView } from '@mekong/client-core';
import { describe, expect, it } from 'vitest';
import { translate } from './i18n/translate';
import { previewLine, sortConversations } from './conversations';

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
