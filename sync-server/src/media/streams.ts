// Stream plumbing shared by the blob store adapters and the media routes: chunk iteration with
// cancellation, size checks, and byte streams with back-pressure.
import { ErrorCode, MekongError } from '@mekong/schema';
import { type BlobSource, sizeMismatch } from './port';

/**
 * The chunks of `source`, empty ones skipped. Leaving the loop early (break, throw) cancels the
 * source stream, so an abandoned upload stops being read.
 */
export async function* readChunks(source: BlobSource): AsyncGenerator<Uint8Array> {
  if (source instanceof Uint8Array) {
    if (source.length > 0) yield source;
    return;
  }
  const reader = source.getReader();
  let done = false;
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) {
        done = true;
        return;
      }
      if (next.value.length > 0) yield next.value;
    }
  } finally {
    if (!done) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

/** Passes `chunks` through, throwing BAD_REQUEST as soon as they exceed `expected` bytes or end short of it. */
export async function* exactly(chunks: AsyncIterable<Uint8Array>, expected: number | undefined): AsyncGenerator<Uint8Array> {
  let total = 0;
  for await (const chunk of chunks) {
    total += chunk.length;
    if (expected !== undefined && total > expected) throw sizeMismatch(expected, total);
    yield chunk;
  }
  if (expected !== undefined && total !== expected) throw sizeMismatch(expected, total);
}

/**
 * The chunks of `source`, checked against `size`, remembering whatever error reading them raised.
 * Adapters use `failure()` to tell the caller's fault (a broken or oversized upload, passed on
 * unchanged) from their own (a disk or network failure, reported as UNAVAILABLE).
 */
export function trackedSource(source: BlobSource, size: number | undefined) {
  const state: { failed: boolean; error: unknown } = { failed: false, error: undefined };
  async function* chunks(): AsyncGenerator<Uint8Array> {
    try {
      yield* exactly(readChunks(source), size);
    } catch (err) {
      state.failed = true;
      state.error = err;
      throw err;
    }
  }
  return {
    chunks: chunks(),
    /** The source's error, if reading it failed. */
    failure: (): { error: unknown } | undefined => (state.failed ? { error: state.error } : undefined),
  };
}

/**
 * Passes `source` through, erroring the stream with `tooLarge()` as soon as more than `limit`
 * bytes arrived: an oversized upload is refused while it streams, never buffered. A source that
 * breaks off (the client went away) becomes BAD_REQUEST.
 */
export function limitStream(source: ReadableStream<Uint8Array>, limit: number, tooLarge: () => MekongError): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  let total = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let next: ReadableStreamReadResult<Uint8Array>;
      try {
        next = await reader.read();
      } catch {
        controller.error(new MekongError(ErrorCode.BAD_REQUEST, 'The upload was interrupted before it ended; send it again.'));
        return;
      }
      if (next.done) {
        controller.close();
        return;
      }
      total += next.value.length;
      if (total > limit) {
        await reader.cancel().catch(() => undefined);
        controller.error(tooLarge());
        return;
      }
      controller.enqueue(next.value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}

/** Every byte of `source`, concatenated into one plain Uint8Array. For tests and small blobs only. */
export async function readAll(source: BlobSource | AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let length = 0;
  const chunks = source instanceof Uint8Array || source instanceof ReadableStream ? readChunks(source) : source;
  for await (const chunk of chunks) {
    parts.push(chunk);
    length += chunk.length;
  }
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** UNAVAILABLE with a sentence about what could not be reached; the cause goes to details, not the message. */
export function unavailable(what: string, cause: unknown): MekongError {
  return new MekongError(ErrorCode.UNAVAILABLE, `The media store (${what}) cannot be reached; try again later.`, {
    cause: cause instanceof Error ? cause.message : String(cause),
  });
}

/**
 * A web stream over a Node readable (an S3 response body), read one chunk per pull so nothing is
 * buffered ahead of the consumer; cancelling destroys the source (closing its socket).
 */
export function webStreamOf(source: AsyncIterable<Uint8Array> & { destroy(error?: Error): void }, onError: (err: unknown) => Error): ReadableStream<Uint8Array> {
  const iterator = source[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await iterator.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value instanceof Uint8Array ? next.value : new Uint8Array(next.value));
      } catch (err) {
        controller.error(onError(err));
      }
    },
    async cancel() {
      source.destroy();
      await iterator.return?.().catch(() => undefined);
    },
  });
}
