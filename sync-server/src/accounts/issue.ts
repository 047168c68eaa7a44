// Turns an open session into the token pair a client receives.
import type { TokenPair } from '@mekong/schema';
import type { Session } from '../sessions';
import type { TokenService } from '../tokens';

export async function tokenPair(tokens: TokenService, session: Session, refreshToken: string): Promise<TokenPair> {
  const accessToken = await tokens.issueAccess({
    userId: session.user_id,
    sessionId: session.id,
    ...(session.device_id === null ? {} : { deviceId: session.device_id }),
  });
  return { accessToken, refreshToken, expiresIn: tokens.accessTtlSeconds };
}
