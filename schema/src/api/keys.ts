// HTTP schemas of sealed epoch-key envelopes (/api/conversations/:id/keys and /api/keys).
import { z } from 'zod';
import { base64urlText, ResourceId } from './common';

/** Most envelopes in one upload: one per member device, for a few epochs at a time. */
export const MAX_ENVELOPES_PER_UPLOAD = 2000;
/** Longest sealed envelope, in base64url characters. A sealed 32-byte key is 107. */
export const MAX_ENVELOPE_CHARS = 1024;
/** Most envelopes in one page of GET /api/keys. */
export const MAX_KEYS_PAGE = 1000;

export const EpochNumber = z.number().int().nonnegative().max(2 ** 31 - 1);

export const NewKeyEnvelope = z.strictObject({
  epoch: EpochNumber,
  recipientDevice: ResourceId,
  /** A sealed box to the recipient device's box key; opaque to the server. */
  data: base64urlText(MAX_ENVELOPE_CHARS),
});
export type NewKeyEnvelope = z.infer<typeof NewKeyEnvelope>;

export const PostKeyEnvelopesRequest = z.strictObject({
  envelopes: z.array(NewKeyEnvelope).min(1).max(MAX_ENVELOPES_PER_UPLOAD),
});
export type PostKeyEnvelopesRequest = z.infer<typeof PostKeyEnvelopesRequest>;

export const KeyEnvelope = z.object({ epoch: EpochNumber, senderDevice: ResourceId, data: z.string() });
export type KeyEnvelope = z.infer<typeof KeyEnvelope>;

export const ConversationKeysResponse = z.object({ envelopes: z.array(KeyEnvelope) });
export type ConversationKeysResponse = z.infer<typeof ConversationKeysResponse>;

/** Query of GET /api/keys: pages follow `nextCursor` until it is null. */
export const AllKeysQuery = z.strictObject({
  after: base64urlText(256).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_KEYS_PAGE).optional(),
});
export type AllKeysQuery = z.infer<typeof AllKeysQuery>;

export const DeviceKeyEnvelope = KeyEnvelope.extend({ conversationId: ResourceId });
export type DeviceKeyEnvelope = z.infer<typeof DeviceKeyEnvelope>;

export const AllKeysResponse = z.object({
  envelopes: z.array(DeviceKeyEnvelope),
  /** Pass as `after` to read the next page; null once everything was returned. */
  nextCursor: z.string().nullable(),
});
export type AllKeysResponse = z.infer<typeof AllKeysResponse>;
