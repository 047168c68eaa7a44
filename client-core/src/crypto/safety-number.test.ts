import { describe, expect, it } from 'vitest';
import { generateIdentity } from './keys';
import { safetyNumber } from './safety-number';
import { cryptoReady } from './sodium';

await cryptoReady();

describe('safetyNumber', () => {
  const lan = { userId: 'lan', identityKey: generateIdentity().publicKey };
  const minh = { userId: 'minh', identityKey: generateIdentity().publicKey };

  it('is 60 digits in twelve groups of five', () => {
    const n = safetyNumber(lan, minh);
    expect(n).toMatch(/^\d{5}( \d{5}){11}$/);
    expect(n.replace(/ /g, '')).toHaveLength(60);
  });

  it('is the same on both sides', () => {
    expect(safetyNumber(lan, minh)).toBe(safetyNumber(minh, lan));
  });

  it('changes when either identity key changes', () => {
    const base = safetyNumber(lan, minh);
    expect(safetyNumber({ ...lan, identityKey: generateIdentity().publicKey }, minh)).not.toBe(base);
    expect(safetyNumber(lan, { ...minh, identityKey: generateIdentity().publicKey })).not.toBe(base);
  });

  it('changes when a user id changes, and only the affected half moves', () => {
    const base = safetyNumber(lan, minh).replace(/ /g, '');
    const changed = safetyNumber(lan, { ...minh, userId: 'minh2' }).replace(/ /g, '');
    expect(changed).not.toBe(base);
    const halves = (s: string) => [s.slice(0, 30), s.slice(30)];
    const shared = halves(base).filter((h) => halves(changed).includes(h));
    expect(shared).toHaveLength(1);
  });
});
