// Detects short emoji-only messages, which the chat draws large like stickers.

const EMOJI_ONLY = /^(?:\p{Extended_Pictographic}|\p{Emoji_Component}|\u200d|\ufe0f|\s){1,24}$/u;
const PICTOGRAPH = /\p{Extended_Pictographic}/gu;

/** True for one to three emoji and nothing else ("👍", "😂😂"), false for text or digits. */
export function isEmojiOnly(text: string): boolean {
  if (!EMOJI_ONLY.test(text)) return false;
  const count = text.match(PICTOGRAPH)?.length ?? 0;
  return count >= 1 && count <= 3;
}
