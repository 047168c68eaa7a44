import { randomBytes } from 'node:crypto';
import { ErrorCode, isMekongError } from '@mekong/schema';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { createTokenService } from './tokens';

const secret = randomBytes(32);

async function rejectionCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return isMekongError(err) ? err.code : `not a MekongError: ${String(err)}`;
  }
  return 'resolved';
}

describe('token service', () => {
  it('round-trips the claims, with and without a device', async () => {
    let t = 1_700_000_000_000;
    const tokens = createTokenService({ secret, now: () => t });
    const withDevice = await tokens.verifyAccess(await tokens.issueAccess({ userId: 'u', sessionId: 's', deviceId: 'd' }));
    expect(withDevice).toEqual({ userId: 'u', sessionId: 's', deviceId: 'd', expiresAt: t + 900_000 });
    t += 1000;
    const without = await tokens.verifyAccess(await tokens.issueAccess({ userId: 'u', sessionId: 's' }));
    expect(without).toEqual({ userId: 'u', sessionId: 's', expiresAt: t + 900_000 });
    expect('deviceId' in without).toBe(false);
  });

  it('answers TOKEN_EXPIRED once the lifetime has passed', async () => {
    let t = 1_700_000_000_000;
    const tokens = createTokenService({ secret, accessTtlSeconds: 60, now: () => t });
    const token = await tokens.issueAccess({ userId: 'u', sessionId: 's' });
    t += 59_000;
    await expect(tokens.verifyAccess(token)).resolves.toMatchObject({ userId: 'u' });
    t += 2_000;
    expect(await rejectionCode(tokens.verifyAccess(token))).toBe(ErrorCode.TOKEN_EXPIRED);
  });

  it('answers UNAUTHENTICATED for garbage, tampering, another secret or another algorithm', async () => {
    const tokens = createTokenService({ secret });
    const token = await tokens.issueAccess({ userId: 'u', sessionId: 's' });
    const [h, p, s] = token.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p ?? '', 'base64url').toString()), sub: 'admin' })).toString('base64url');
    const other = createTokenService({ secret: randomBytes(32) });
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${p}.`;
    const noSession = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('u').setIssuer('mekong').setAudience('mekong-access').setExpirationTime('1h').sign(secret);
    for (const bad of ['', 'abc', `${h}.${forgedPayload}.${s}`, await other.issueAccess({ userId: 'u', sessionId: 's' }), unsigned, noSession]) {
      expect(await rejectionCode(tokens.verifyAccess(bad))).toBe(ErrorCode.UNAUTHENTICATED);
    }
  });

  it('refuses a secret shorter than 32 bytes', () => {
    expect(() => createTokenService({ secret: randomBytes(16) })).toThrow(/32/);
  });
});
