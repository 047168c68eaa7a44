// Building blocks shared by the HTTP request/response schemas of the Hono services.
import { z } from 'zod';
import { MAX_ID_BYTES } from '../limits';

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * Unpadded base64url text of at most `maxChars` characters. A length of 1 mod 4 can never
 * come out of an encoder, so it is refused rather than silently truncated by a decoder.
 */
export function base64urlText(maxChars: number, minChars = 1) {
  return z
    .string()
    .min(minChars)
    .max(maxChars)
    .regex(BASE64URL, 'must be unpadded base64url')
    .refine((s) => s.length % 4 !== 1, 'is not a valid base64url length');
}

/**
 * Exactly 32 bytes as canonical unpadded base64url (43 characters, the two spare bits zero),
 * so one key has one spelling: public keys and the login secret.
 */
export const Bytes32 = z.string().regex(/^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/, 'must be 32 bytes as base64url');

/** An opaque, url-safe identifier of a user, device or conversation. */
export const ResourceId = z
  .string()
  .min(1)
  .max(MAX_ID_BYTES)
  .regex(/^[A-Za-z0-9_-]+$/, 'must be an opaque url-safe id');

/** Milliseconds since the Unix epoch. */
export const EpochMillis = z.number().int().nonnegative();

/** The body of every error answer of every service. */
export const ErrorResponse = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
});
export type ErrorResponse = z.infer<typeof ErrorResponse>;

/** Path parameter `:id` of routes about one resource. */
export const IdParam = z.strictObject({ id: ResourceId });
export type IdParam = z.infer<typeof IdParam>;
