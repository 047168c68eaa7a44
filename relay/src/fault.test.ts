import { describe, expect, it } from 'vitest';
import { parseFault, pushFault } from './fault';

describe('test-only fault injection (MEKONG_FAULT)', () => {
  it('reads the three points and the push number', () => {
    expect(parseFault('before-commit:37')).toEqual({ point: 'before-commit', push: 37 });
    expect(parseFault('after-commit:1')).toEqual({ point: 'after-commit', push: 1 });
    expect(parseFault('mid-fanout:200')).toEqual({ point: 'mid-fanout', push: 200 });
  });

  it('is off when unset, and refuses a value it cannot read instead of silently testing nothing', () => {
    expect(parseFault(undefined)).toBeUndefined();
    expect(parseFault('')).toBeUndefined();
    for (const bad of ['before-commit', 'after-commit:0', 'mid-fanout:-3', 'crash:5', 'before-commit:5x']) expect(() => parseFault(bad), bad).toThrow(/MEKONG_FAULT/);
  });

  it('leaves the push path without a probe when the variable is not set', () => {
    expect(process.env.MEKONG_FAULT ?? '').toBe('');
    expect(pushFault).toBeUndefined();
  });
});
