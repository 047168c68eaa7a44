// Turns a window of messages into what the chat draws: day separators plus messages grouped by sender.
import type { MessageView } from '@mekong/client-core';
import { startOfDay } from './format';

/** Messages from one sender closer together than this are drawn as one group. */
export const GROUP_GAP_MS = 5 * 60 * 1000;

export type TimelineItem =
  | { type: 'day'; key: string; day: number }
  | { type: 'message'; key: string; message: MessageView; groupStart: boolean; groupEnd: boolean };

function sameGroup(a: MessageView, b: MessageView): boolean {
  return (
    a.kind !== 'system' &&
    b.kind !== 'system' &&
    a.from.userId === b.from.userId &&
    startOfDay(a.sentAt) === startOfDay(b.sentAt) &&
    Math.abs(b.sentAt - a.sentAt) < GROUP_GAP_MS
  );
}

/** Inserts a separator before the first message of each local day and marks group edges. */
export function buildTimeline(messages: readonly MessageView[]): TimelineItem[] {
  const items: TimelineItem[] = [];
  let previousDay: number | undefined;
  messages.forEach((message, i) => {
    const day = startOfDay(message.sentAt);
    if (day !== previousDay) {
      items.push({ type: 'day', key: `day-${day}`, day });
      previousDay = day;
    }
    const before = messages[i - 1];
    const after = messages[i + 1];
    items.push({
      type: 'message',
      key: message.id,
      message,
      groupStart: !before || !sameGroup(before, message),
      groupEnd: !after || !sameGroup(message, after),
    });
  });
  return items;
}
