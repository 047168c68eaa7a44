// The one error mapping of every service: typed errors become { error: { code, message } }.
import { type ErrorCode, ErrorCode as Codes, HTTP_STATUS, MekongError } from '@mekong/schema';
import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Logger } from 'pino';
import { ZodError } from 'zod';

export function errorResponse(c: Context, code: ErrorCode, message: string, headers?: Record<string, string>): Response {
  return c.json({ error: { code, message } }, HTTP_STATUS[code] as ContentfulStatusCode, headers);
}

/** What a framework-level HTTPException (malformed JSON, for one) means in our vocabulary. */
function fromHttpException(err: HTTPException): { code: ErrorCode; message: string } {
  if (err.status === 413) return { code: Codes.PAYLOAD_TOO_LARGE, message: 'The request body is too large.' };
  if (err.status === 401) return { code: Codes.UNAUTHENTICATED, message: 'Sign in and send the access token.' };
  if (err.status >= 400 && err.status < 500) {
    return { code: Codes.BAD_REQUEST, message: err.message || 'The request is malformed.' };
  }
  return { code: Codes.INTERNAL, message: 'Something went wrong on the server; try again later.' };
}

/**
 * Typed errors keep their code and message; framework and validation errors become
 * BAD_REQUEST or PAYLOAD_TOO_LARGE; anything else is a bug: logged, answered with a generic 500.
 */
export function createErrorHandler(logger: Logger): ErrorHandler {
  return (err, c) => {
    if (err instanceof MekongError) {
      if (err.code === Codes.RATE_LIMITED && typeof err.details?.retryAfterSeconds === 'number') {
        return errorResponse(c, err.code, err.message, { 'Retry-After': String(err.details.retryAfterSeconds) });
      }
      return errorResponse(c, err.code, err.message);
    }
    if (err instanceof HTTPException) {
      const { code, message } = fromHttpException(err);
      if (code === Codes.INTERNAL) logger.error({ err, method: c.req.method, route: c.req.routePath }, 'http exception');
      return errorResponse(c, code, message);
    }
    if (err instanceof ZodError) return errorResponse(c, Codes.BAD_REQUEST, 'The request does not match the expected shape.');
    logger.error({ err, method: c.req.method, route: c.req.routePath }, 'unhandled error');
    return errorResponse(c, Codes.INTERNAL, 'Something went wrong on the server; try again later.');
  };
}

export const notFound: NotFoundHandler = (c) =>
  errorResponse(c, Codes.NOT_FOUND, `There is no ${c.req.method} ${new URL(c.req.url).pathname}; check the method and path.`);
