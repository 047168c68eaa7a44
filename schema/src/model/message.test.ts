// The signed shapes of reactions and pins: strict values, and canonical bytes that bind every field.
import { describe, expect, it } from 'vitest';
import { canonicalPin, canonicalReaction, Pin, Reaction } from './message';

const SIG = 'A'.repeat(86);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('Reaction and Pin values', () => {
  it('accept a signed value or a signed removal, and refuse unsigned, extra or malformed fields', () => {
    expect(Reaction.safeParse({ emoji: '👍', at: 1, device: 'd', sig: SIG }).success).toBe(true);
    expect(Reaction.safeParse({ emoji: null, at: 1, device: 'd', sig: SIG }).success).toBe(true);
    // the shape written before reactions were signed
    expect(Reaction.safeParse({ emoji: '👍', at: 1 }).success).toBe(false);
    expect(Reaction.safeParse({ emoji: '👍', at: 1, device: 'd', sig: SIG, user: 'u' }).success).toBe(false);
    expect(Reaction.safeParse({ emoji: '', at: 1, device: 'd', sig: SIG }).success).toBe(false);
    expect(Reaction.safeParse({ emoji: '👍', at: 1, device: 'd', sig: 'A'.repeat(85) }).success).toBe(false);
    expect(Pin.safeParse({ by: 'u', device: 'd', pinned: false, at: 1, sig: SIG }).success).toBe(true);
    expect(Pin.safeParse({ by: 'u', at: 1 }).success).toBe(false);
    expect(Pin.safeParse({ by: 'u', device: 'd', pinned: 1, at: 1, sig: SIG }).success).toBe(false);
  });
});

describe('canonicalReaction / canonicalPin', () => {
  const r = { emoji: '👍', at: 5, device: 'd1' };
  const base = hex(canonicalReaction('c1', 'm1', 'u1', r));

  it('change with every field they bind', () => {
    const variants = [
      canonicalReaction('c2', 'm1', 'u1', r),
      canonicalReaction('c1', 'm2', 'u1', r),
      canonicalReaction('c1', 'm1', 'u2', r),
      canonicalReaction('c1', 'm1', 'u1', { ...r, device: 'd2' }),
      canonicalReaction('c1', 'm1', 'u1', { ...r, emoji: '❤️' }),
      canonicalReaction('c1', 'm1', 'u1', { ...r, emoji: null }),
      canonicalReaction('c1', 'm1', 'u1', { ...r, at: 6 }),
    ].map(hex);
    expect(new Set([base, ...variants]).size).toBe(variants.length + 1);
    const p = { by: 'u1', device: 'd1', pinned: true, at: 5 };
    const pins = [
      canonicalPin('c1', 'm1', p),
      canonicalPin('c2', 'm1', p),
      canonicalPin('c1', 'm2', p),
      canonicalPin('c1', 'm1', { ...p, by: 'u2' }),
      canonicalPin('c1', 'm1', { ...p, device: 'd2' }),
      canonicalPin('c1', 'm1', { ...p, pinned: false }),
      canonicalPin('c1', 'm1', { ...p, at: 6 }),
    ].map(hex);
    expect(new Set(pins).size).toBe(pins.length);
  });

  it('keep field boundaries: moving characters from one field to the next gives other bytes', () => {
    expect(hex(canonicalReaction('c1', 'm1|u', '1', r))).not.toBe(hex(canonicalReaction('c1', 'm1', 'u|1', r)));
    expect(hex(canonicalPin('c', '1m1', { by: 'u1', device: 'd1', pinned: true, at: 5 }))).not.toBe(
      hex(canonicalPin('c1', 'm1', { by: 'u1', device: 'd1', pinned: true, at: 5 })),
    );
  });

  it('name their kind, so a reaction and a pin never share bytes', () => {
    expect(new TextDecoder().decode(canonicalReaction('c', 'm', 'u', r))).toMatch(/^18:mekong\/v1\/reaction/);
    expect(new TextDecoder().decode(canonicalPin('c', 'm', { by: 'u', device: 'd', pinned: true, at: 1 }))).toMatch(/^13:mekong\/v1\/pin/);
  });
});
