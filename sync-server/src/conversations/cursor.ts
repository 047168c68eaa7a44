// The opaque cursor of GET /api/keys: base64url of [conversationId, epoch].
import { ErrorCode, EpochNumber, MekongError, ResourceId } from '@mekong/schema';
import { z } from 'zod';
import type { KeysCursor } from './keys-repo';

const Cursor = z.tuple([ResourceId, EpochNumber]);

export function encodeCursor(cursor: KeysCursor): string {
  return Buffer.from(JSON.stringify([cursor.conversationId, cursor.epoch])).toString('base64url');
}

export function decodeCursor(text: string): KeysCursor {
  try {
    const [conversationId, epoch] = Cursor.parse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
    return { conversationId, epoch };
  } catch {
    throw new MekongError(ErrorCode.BAD_REQUEST, 'The cursor is not valid; pass nextCursor from the previous page unchanged.');
  }
}
