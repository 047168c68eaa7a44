// System messages (a member added, …) arrive as English sentences written by the client that made
// the change; the app recognises the ones it knows and says them in the reader's language.
import type { MessageKey, Vars } from './i18n';

type T = (key: MessageKey, vars?: Vars) => string;

const PATTERNS: Array<{ re: RegExp; key: MessageKey; vars: string[] }> = [
  { re: /^@([a-z0-9_.]+) added @([a-z0-9_.]+)$/, key: 'system.added', vars: ['by', 'who'] },
];

/**
 * The notice to show for a system message's text: translated when its form is known, as written
 * otherwise (a newer client may write notices this app does not know yet).
 * @example systemNotice('@lan added @tuan', t) // 'Lan … đã thêm @tuan' in Vietnamese
 */
export function systemNotice(text: string, t: T): string {
  const trimmed = text.trim();
  for (const p of PATTERNS) {
    const m = p.re.exec(trimmed);
    if (!m) continue;
    const vars: Vars = {};
    p.vars.forEach((name, i) => {
      vars[name] = `@${m[i + 1]}`;
    });
    return t(p.key, vars);
  }
  return trimmed;
}
