// How people are drawn when there is no photo: initials and a stable colour per user.

/** "Nguyễn Văn An" → "NA"; "lan" → "L". Works on whole characters so Vietnamese letters stay intact. */
export function initials(displayName: string): string {
  const words = displayName.trim().split(/\s+/).filter(Boolean);
  const first = words[0];
  if (!first) return '?';
  const head = (word: string) => [...word][0]?.toLocaleUpperCase() ?? '';
  const last = words.length > 1 ? words[words.length - 1] : undefined;
  return head(first) + (last ? head(last) : '');
}

/** Number of avatar colours defined in the stylesheet (.avatar--0 … .avatar--7). */
export const AVATAR_COLOURS = 8;

/** The same user always gets the same colour, on every device. */
export function colourIndex(userId: string): number {
  let hash = 0;
  for (let i = 0; i < userId.length; i++) hash = (hash * 31 + userId.charCodeAt(i)) >>> 0;
  return hash % AVATAR_COLOURS;
}
