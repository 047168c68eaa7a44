// HTTP schemas of the encrypted key backup (/api/users/me/backup), replaced by compare-and-swap.
import { z } from 'zod';
import { base64urlText } from './common';

/** Longest backup, in base64url characters (1.5 MiB of text, about 1.1 MiB of ciphertext). */
export const MAX_BACKUP_CHARS = 1.5 * 1024 * 1024;

/** The backup ciphertext: opaque to the server, encrypted under a key only the password yields. */
export const BackupData = base64urlText(MAX_BACKUP_CHARS);

export const KeyBackup = z.object({
  /** Starts at 1 and grows by one on every accepted write. */
  version: z.number().int().positive(),
  data: BackupData,
});
export type KeyBackup = z.infer<typeof KeyBackup>;

export const PutBackupRequest = z.strictObject({
  /** The version the client last read; 0 when it believes there is no backup yet. */
  expectedVersion: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER - 1),
  data: BackupData,
});
export type PutBackupRequest = z.infer<typeof PutBackupRequest>;

export const PutBackupResponse = z.object({ version: z.number().int().positive() });
export type PutBackupResponse = z.infer<typeof PutBackupResponse>;
