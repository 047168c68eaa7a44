// Checks on CRDT updates from the network before they touch a document.
// Only Yjs update format v1 is accepted: the v2 decoder can be driven out of memory by a tiny input.
import { ErrorCode, MAX_SNAPSHOT_BYTES, MAX_UPDATE_BYTES, MekongError } from '@mekong/schema';
import * as decoding from 'lib0/decoding';
import * as Y from 'yjs';

/**
 * Throw UPDATE_REJECTED unless `update` is a well-formed Yjs v1 update within the size bound.
 * @example
 * validateUpdate(bytes, 'update'); // throws MekongError UPDATE_REJECTED on garbage
 */
export function validateUpdate(update: Uint8Array, kind: 'update' | 'snapshot'): void {
  const max = kind === 'snapshot' ? MAX_SNAPSHOT_BYTES : MAX_UPDATE_BYTES;
  if (update.length > max) {
    throw new MekongError(ErrorCode.UPDATE_REJECTED, `${kind} of ${update.length} bytes exceeds ${max}`);
  }
  // Read it completely into a scratch document: a v1 update must decode without error and
  // without leftover bytes (a v2 update read as v1 leaves bytes over, or fails).
  let rest = true;
  const scratch = new Y.Doc({ gc: false });
  try {
    const dec = decoding.createDecoder(update);
    Y.readUpdate(dec, scratch, null);
    rest = decoding.hasContent(dec);
  } catch {
    throw new MekongError(ErrorCode.UPDATE_REJECTED, `${kind} is not a valid document update`);
  } finally {
    scratch.destroy();
  }
  if (rest) throw new MekongError(ErrorCode.UPDATE_REJECTED, `${kind} has trailing bytes; only Yjs update format v1 is accepted`);
}
