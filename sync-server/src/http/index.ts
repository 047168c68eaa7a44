// HTTP plumbing shared by the service apps: errors, validation, limits, auth, logging.
export { requireAuth, requireDevice, type AuthDeps } from './auth';
export { type ClientIp, clientIpFrom } from './client-ip';
export type { AppEnv, Caller } from './env';
export { createErrorHandler, errorResponse, notFound } from './errors';
export { requestLog } from './request-log';
export { DEFAULT_BODY_LIMIT, jsonBody, LARGE_BODY_LIMIT, limitBody, pathParams, queryParams } from './validate';
