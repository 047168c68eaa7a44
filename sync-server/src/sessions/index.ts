// Sessions and refresh tokens.
export { hashRefreshToken, newRefreshToken } from './refresh-token';
export {
  bindSessionDevice,
  findActiveSession,
  openSession,
  revokeSession,
  rotateRefreshToken,
  sessionState,
  suspended,
  type Session,
  type SessionPolicy,
} from './store';
