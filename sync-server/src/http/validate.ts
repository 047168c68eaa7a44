// Input validation and body limits shared by every route. Failures are typed errors, never 500s.
import { ErrorCode, MekongError } from '@mekong/schema';
import { zValidator } from '@hono/zod-validator';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { z } from 'zod';

/** Body limit of ordinary requests. */
export const DEFAULT_BODY_LIMIT = 64 * 1024;
/** Body limit of the few requests that carry a key backup or a batch of key envelopes. */
export const LARGE_BODY_LIMIT = 2 * 1024 * 1024;

/** Refuse bodies above `maxSize` bytes (declared or streamed) with PAYLOAD_TOO_LARGE. */
export function limitBody(maxSize: number = DEFAULT_BODY_LIMIT) {
  return bodyLimit({
    maxSize,
    onError: (c) => {
      // the rest of the body is never read, so the connection cannot be reused for another request
      c.header('Connection', 'close');
      throw new MekongError(ErrorCode.PAYLOAD_TOO_LARGE, `Send at most ${maxSize} bytes in this request.`);
    },
  });
}

/** One short sentence about the first problem: the field and what is wrong, never the value sent. */
function describe(error: z.core.$ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'The request is invalid.';
  const where = issue.path.length > 0 ? issue.path.map(String).join('.') : 'the input';
  return `Invalid ${where}: ${issue.message}.`;
}

function isJson(c: Context): boolean {
  const type = c.req.header('content-type')?.split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json';
}

function reject(error: z.core.$ZodError): never {
  throw new MekongError(ErrorCode.BAD_REQUEST, describe(error));
}

/** Validate an application/json body against `schema`. */
export function jsonBody<T extends z.ZodType>(schema: T) {
  return zValidator('json', schema, (result, c) => {
    if (!isJson(c)) throw new MekongError(ErrorCode.BAD_REQUEST, 'Send the body as application/json.');
    if (!result.success) reject(result.error);
  });
}

/** Validate path parameters against `schema`. */
export function pathParams<T extends z.ZodType>(schema: T) {
  return zValidator('param', schema, (result) => {
    if (!result.success) reject(result.error);
  });
}

/** Validate the query string against `schema`. */
export function queryParams<T extends z.ZodType>(schema: T) {
  return zValidator('query', schema, (result) => {
    if (!result.success) reject(result.error);
  });
}
