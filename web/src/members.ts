// Usernames typed into "add people" fields: several at once, with or without @, commas or spaces.
import { normalizeUsername, USERNAME_PATTERN } from './validation';

export interface ParsedUsernames {
  /** Well-formed usernames, folded to lower case, each once, in the order typed. */
  valid: string[];
  /** What cannot be a username, as typed, for the error message. */
  invalid: string[];
}

/**
 * @example parseUsernames('@Minh, hoa  minh x') // { valid: ['minh', 'hoa'], invalid: ['x'] }
 */
export function parseUsernames(input: string): ParsedUsernames {
  const valid: string[] = [];
  const invalid: string[] = [];
  for (const raw of input.split(/[\s,;]+/)) {
    if (!raw) continue;
    const name = normalizeUsername(raw.replace(/^@/, ''));
    if (!USERNAME_PATTERN.test(name)) invalid.push(raw);
    else if (!valid.includes(name)) valid.push(name);
  }
  return { valid, invalid };
}
