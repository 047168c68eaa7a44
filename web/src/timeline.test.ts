import type { MessageView } from '@mekong/client-core';
import { describe, expect, it } from 'vitest';
import { buildTimeline, GROUP_GAP_MS } from './timeline';

const at = (d: number, h: number, min = 0) => new Date(2025, 2, d, h, min).getTime();
let n = 0;
function msg(from: string, sentAt: number, kind: MessageView['kind'] = 'text'): MessageView {
  n += 1;
  return { id: `m${n}`, conversationId: 'c', from: { userId: from }, mine: from === 'me', kind, text: `t${n}`, sentAt, status: 'sent' };
}

describe('buildTimeline', () => {
  it('puts one separator before the first message of each day', () => {
    const items = buildTimeline([msg('me', at(1, 9)), msg('you', at(1, 22)), msg('me', at(2, 0, 5))]);
    expect(items.map((i) => i.type)).toEqual(['day', 'message', 'message', 'day', 'message']);
  });

  it('groups consecutive messages of one sender sent close together', () => {
    const items = buildTimeline([
      msg('me', at(1, 9)),
      msg('me', at(1, 9, 1)),
      msg('you', at(1, 9, 2)),
      msg('you', at(1, 9, 2) + GROUP_GAP_MS),
    ]).filter((i) => i.type === 'message');
    expect(items.map((i) => [i.groupStart, i.groupEnd])).toEqual([
      [true, false],
      [false, true],
      [true, true],
      [true, true],
    ]);
  });

  it('never groups a system message', () => {
    const items = buildTimeline([msg('me', at(1, 9)), msg('me', at(1, 9), 'system')]).filter(
      (i) => i.type === 'message',
    );
    expect(items.every((i) => i.type === 'message' && i.groupStart && i.groupEnd)).toBe(true);
  });

  it('returns nothing for no messages', () => {
    expect(buildTimeline([])).toEqual([]);
  });
});
