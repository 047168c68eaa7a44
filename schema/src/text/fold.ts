// Text folding for search: the same function on clients and servers, so a name matches the same
// queries everywhere. Pure; no locale data beyond what String.prototype.normalize carries.

// Combining marks left over after canonical decomposition: Vietnamese tone marks (huyền, sắc,
// hỏi, ngã, nặng) and vowel marks (circumflex, breve, horn) all decompose into these.
const COMBINING_MARKS = /\p{M}+/gu;
// "đ" and "Đ" are letters of their own, not "d" plus a mark, so decomposition leaves them alone.
const D_WITH_STROKE = /[đĐ]/g;
const SPACES = /\s+/gu;

/**
 * Folds `s` for matching: lower case, Unicode NFD, combining marks removed, đ/Đ read as d, runs
 * of white space collapsed to one space and trimmed. Lower-casing comes first because it can
 * itself produce marks ("İ" becomes "i" plus a dot); what remains is recomposed (NFC) so that
 * scripts without marks to strip, Hangul for one, come out as they went in.
 *
 * @example foldVietnamese('  Nguyễn  Văn Đức ') === 'nguyen van duc'
 */
export function foldVietnamese(s: string): string {
  return s
    .toLowerCase()
    .normalize('NFD')
    .replace(COMBINING_MARKS, '')
    .replace(D_WITH_STROKE, 'd')
    .normalize('NFC')
    .replace(SPACES, ' ')
    .trim();
}
