// POST /, GET|HEAD /:id, DELETE /:id and GET /usage under /api/media: encrypted blobs in, encrypted
// blobs out. The server never sees a key; the body of an upload is stored byte for byte.
import { DEFAULT_MEDIA_QUOTA_BYTES, ErrorCode, isMekongError, MAX_MEDIA_BYTES, MekongError } from '@mekong/schema';
import { Hono } from 'hono';
import { z } from 'zod';
import type { ServiceDeps } from '../deps';
import { type AppEnv, createErrorHandler, notFound, pathParams, requireAuth } from '../http';
import { newId } from '../ids';
import { type BlobStore, isBlobId } from './port';
import { findBlob, forgetBlob, quotaExceeded, readUsage, recordBlob } from './repo';
import { limitStream } from './streams';

export interface MediaLimits {
  /** Largest upload in bytes; default MAX_MEDIA_BYTES (100 MiB). */
  maxBytes: number;
  /** Bytes a user may keep unless their usage row says otherwise; default 1 GiB. */
  quotaBytes: number;
}

export interface MediaDeps extends ServiceDeps {
  blobs: BlobStore;
  limits?: Partial<MediaLimits>;
}

const BlobIdParam = z.strictObject({ id: z.string().refine(isBlobId, 'must be a media id') });

function tooLarge(maxBytes: number): MekongError {
  return new MekongError(ErrorCode.PAYLOAD_TOO_LARGE, `Media uploads are limited to ${maxBytes} bytes; send a smaller file.`, { maxBytes });
}

/** The declared body length, or undefined for a chunked body (or a header that makes no sense). */
function declaredLength(req: Request): number | undefined {
  if (req.headers.has('transfer-encoding')) return undefined;
  const value = req.headers.get('content-length');
  if (value === null || !/^\d{1,15}$/.test(value)) return undefined;
  return Number(value);
}

/** Mounted at /api/media. */
export function createMediaApp(deps: MediaDeps): Hono<AppEnv> {
  const limits: MediaLimits = {
    maxBytes: deps.limits?.maxBytes ?? MAX_MEDIA_BYTES,
    quotaBytes: deps.limits?.quotaBytes ?? DEFAULT_MEDIA_QUOTA_BYTES,
  };
  const { blobs, db, logger } = deps;
  const app = new Hono<AppEnv>();
  app.onError(createErrorHandler(logger));
  app.notFound(notFound);
  const auth = requireAuth(deps);

  /** Logs a store that is down (the answer to the client says only "try again"). */
  const watch = (err: unknown): never => {
    if (isMekongError(err, ErrorCode.UNAVAILABLE)) logger.warn({ cause: err.details?.cause }, 'media store unavailable');
    throw err;
  };

  app.post('/', auth, async (c) => {
    const userId = c.var.caller.userId;
    const type = c.req.header('content-type')?.split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/octet-stream') {
      throw new MekongError(ErrorCode.BAD_REQUEST, 'Send the encrypted file as the body, with Content-Type: application/octet-stream.');
    }
    const declared = declaredLength(c.req.raw);
    const usage = await readUsage(db, userId, limits.quotaBytes);
    const free = Math.max(0, usage.quotaBytes - usage.usedBytes);
    // Refused before a byte is read: the rest of the body is never read, so the connection cannot be reused.
    const refuse = (err: MekongError): never => {
      c.header('Connection', 'close');
      throw err;
    };
    if (declared !== undefined && declared > limits.maxBytes) refuse(tooLarge(limits.maxBytes));
    if (declared !== undefined && declared > free) refuse(quotaExceeded(usage));

    // A chunked body is counted as it streams and cut off at whichever limit comes first.
    const bound = Math.min(limits.maxBytes, free);
    const overflow = () => (bound < limits.maxBytes ? quotaExceeded(usage) : tooLarge(limits.maxBytes));
    const body = limitStream(c.req.raw.body ?? new ReadableStream({ start: (ctl) => ctl.close() }), bound, overflow);

    const id = newId();
    let size: number;
    try {
      ({ size } = await blobs.put(id, body, declared));
    } catch (err) {
      if (isMekongError(err, ErrorCode.PAYLOAD_TOO_LARGE) || isMekongError(err, ErrorCode.QUOTA_EXCEEDED)) refuse(err);
      return watch(err);
    }
    try {
      await recordBlob(db, { id, ownerId: userId, size, createdAt: deps.sessions.now() }, limits.quotaBytes);
    } catch (err) {
      // another upload of this user took the space meanwhile (or the database failed): keep nothing
      await blobs.delete(id).catch((e) => logger.warn({ err: e }, 'could not remove an unrecorded media blob'));
      throw err;
    }
    return c.json({ id, size }, 201);
  });

  app.get('/usage', auth, async (c) => {
    const usage = await readUsage(db, c.var.caller.userId, limits.quotaBytes);
    return c.json({ ...usage, maxUploadBytes: limits.maxBytes });
  });

  // HEAD is answered by this handler too (Hono routes it here and drops the body).
  app.get('/:id', auth, pathParams(BlobIdParam), async (c) => {
    const { id } = c.req.valid('param');
    const row = await findBlob(db, id);
    if (!row) throw new MekongError(ErrorCode.NOT_FOUND, 'There is no such media; it was never uploaded or has been deleted.');
    const headers = {
      'Content-Type': 'application/octet-stream',
      'Content-Disposition': 'attachment',
      'X-Content-Type-Options': 'nosniff',
      // an id is never reused, so what it names never changes
      'Cache-Control': 'private, max-age=31536000, immutable',
      ETag: `"${id}"`,
    };
    if (c.req.method === 'HEAD') return c.body(null, 200, { ...headers, 'Content-Length': String(row.size) });
    const blob = await blobs.get(id).catch(watch);
    return c.body(blob.body, 200, { ...headers, 'Content-Length': String(blob.size) });
  });

  app.delete('/:id', auth, pathParams(BlobIdParam), async (c) => {
    const { id } = c.req.valid('param');
    const row = await findBlob(db, id);
    if (!row) throw new MekongError(ErrorCode.NOT_FOUND, 'There is no such media; it was never uploaded or has been deleted.');
    if (row.ownerId !== c.var.caller.userId) throw new MekongError(ErrorCode.FORBIDDEN, 'Only the person who uploaded this media can delete it.');
    // The bytes go first: if the store is down nothing changes and the delete can simply be retried.
    await blobs.delete(id).catch(watch);
    await forgetBlob(db, id, row.ownerId, row.size);
    return c.body(null, 204);
  });

  return app;
}
