// Pure lookup and language choice, kept free of React so they can be unit-tested in Node.
import { en, type MessageKey } from './en';
import { vi } from './vi';

export type Lang = 'vi' | 'en';
export const LANGS: readonly Lang[] = ['vi', 'en'];
export const DICTIONARIES: Record<Lang, Record<MessageKey, string>> = { vi, en };

/** Variables substituted into `{name}` placeholders. */
export type Vars = Record<string, string | number>;

/**
 * Looks `key` up in `lang` and fills `{placeholders}` from `vars`.
 * A placeholder without a value is left visible so the gap shows up in review instead of vanishing.
 */
export function translate(lang: Lang, key: MessageKey, vars?: Vars): string {
  const template = DICTIONARIES[lang][key];
  if (!vars) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = vars[name];
    return value === undefined ? whole : String(value);
  });
}

function isLang(value: unknown): value is Lang {
  return value === 'vi' || value === 'en';
}

/**
 * The language to start in: the one the user picked before, else the browser's first language we
 * speak, else English (the more widely read of the two for a browser set to neither).
 */
export function pickLanguage(stored: string | null, browserLanguages: readonly string[]): Lang {
  if (isLang(stored)) return stored;
  for (const tag of browserLanguages) {
    const base = tag.toLowerCase().split('-')[0];
    if (isLang(base)) return base;
  }
  return 'en';
}

/** BCP 47 locale used for dates and numbers in each language. */
export function localeOf(lang: Lang): string {
  return lang === 'vi' ? 'vi-VN' : 'en-GB';
}
