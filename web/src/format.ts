// Date and time wording for the list and the chat, pure so the rules can be unit-tested.
import { type Lang, localeOf } from './i18n/translate';

const DAY_MS = 24 * 60 * 60 * 1000;

// Building an Intl.DateTimeFormat costs far more than using one, and a chat formats every message.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(lang: Lang, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${lang}|${JSON.stringify(options)}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(localeOf(lang), options);
    formatters.set(key, f);
  }
  return f;
}

/** Midnight (local time) of the day holding `ts`. */
export function startOfDay(ts: number): number {
  const d = new Date(ts);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/** Whole local calendar days from `ts` to `now`: 0 today, 1 yesterday. DST-safe by rounding. */
export function daysAgo(ts: number, now: number): number {
  return Math.round((startOfDay(now) - startOfDay(ts)) / DAY_MS);
}

/** "14:05": the time a message was sent. */
export function formatClock(ts: number, lang: Lang): string {
  return formatter(lang, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(ts);
}

export interface DayWords {
  today: string;
  yesterday: string;
}

/** Heading of a day separator in the chat: "Today", "Yesterday" or a full date. */
export function formatDay(ts: number, now: number, lang: Lang, words: DayWords): string {
  const ago = daysAgo(ts, now);
  if (ago === 0) return words.today;
  if (ago === 1) return words.yesterday;
  const sameYear = new Date(ts).getFullYear() === new Date(now).getFullYear();
  return formatter(lang, {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    ...(sameYear ? {} : { year: 'numeric' }),
  }).format(ts);
}

/** Compact time in the conversation list: clock today, "Yesterday", weekday this week, else a date. */
export function formatListTime(ts: number, now: number, lang: Lang, words: DayWords): string {
  const ago = daysAgo(ts, now);
  if (ago <= 0) return formatClock(ts, lang);
  if (ago === 1) return words.yesterday;
  if (ago < 7) return formatter(lang, { weekday: 'short' }).format(ts);
  if (new Date(ts).getFullYear() === new Date(now).getFullYear()) {
    return formatter(lang, { day: 'numeric', month: 'numeric' }).format(ts);
  }
  return formatter(lang, { day: '2-digit', month: '2-digit', year: 'numeric' }).format(ts);
}
