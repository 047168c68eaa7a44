import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DOWN_DESCRIPTORS } from './down';
import { UP_DESCRIPTORS } from './up';
import { MIN_PROTOCOL_VERSION, PROTOCOL_HISTORY, PROTOCOL_VERSION } from './version';

// The fingerprint of the byte grammar of every frame, pinned per protocol version.
// Changing a frame without bumping PROTOCOL_VERSION (and pinning the new fingerprint) fails here.
const PINNED: Record<number, string> = {
  1: '9e82a2e0e313eee8',
  2: '056ccef34bbdedcb',
  3: '1afc6348b2e8ac60',
};

const fingerprint = () =>
  createHash('sha256')
    .update(JSON.stringify({ up: UP_DESCRIPTORS, down: DOWN_DESCRIPTORS }))
    .digest('hex')
    .slice(0, 16);

describe('protocol version', () => {
  it('matches the pinned fingerprint of the frame grammar', () => {
    expect(fingerprint(), 'frames changed: bump PROTOCOL_VERSION, add a history line and pin the new fingerprint').toBe(
      PINNED[PROTOCOL_VERSION],
    );
  });

  it('has a history line for every version up to the current one', () => {
    for (let v = 1; v <= PROTOCOL_VERSION; v++) expect(PROTOCOL_HISTORY[v]).toBeTruthy();
    expect(MIN_PROTOCOL_VERSION).toBeLessThanOrEqual(PROTOCOL_VERSION);
  });
});
