import { describe, expect, it } from 'vitest';
import { isEmojiOnly } from './emoji';

describe('isEmojiOnly', () => {
  it('accepts one to three emoji, including joined and skin-toned ones', () => {
    expect(isEmojiOnly('👍')).toBe(true);
    expect(isEmojiOnly('😂 😂')).toBe(true);
    expect(isEmojiOnly('👍🏽')).toBe(true);
    expect(isEmojiOnly('👨‍👩‍👧')).toBe(true);
  });
  it('rejects text, digits and long emoji runs', () => {
    expect(isEmojiOnly('chào 👋')).toBe(false);
    expect(isEmojiOnly('123')).toBe(false);
    expect(isEmojiOnly('#')).toBe(false);
    expect(isEmojiOnly('🎉🎉🎉🎉')).toBe(false);
    expect(isEmojiOnly('')).toBe(false);
  });
});
