// Media storage settings from the environment: S3 when S3_BUCKET is set, else the local disk.
import type { S3BlobStoreOptions } from './s3';

function flag(name: string, value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback;
  if (/^(true|1|yes)$/i.test(value)) return true;
  if (/^(false|0|no)$/i.test(value)) return false;
  throw new Error(`${name} must be true or false, got "${value}"`);
}

/**
 * The S3 store's options from S3_ENDPOINT, S3_BUCKET, S3_REGION (default us-east-1),
 * S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY and S3_FORCE_PATH_STYLE (default true when an endpoint
 * is given, as self-hosted servers need); undefined when S3_BUCKET is not set. Throws a one-line
 * Error for a setting that makes no sense.
 * @example
 * const s3 = s3OptionsFromEnv(process.env); // { bucket: 'mekong-media', endpoint: 'http://minio:9000', ... }
 */
export function s3OptionsFromEnv(env: Record<string, string | undefined>): S3BlobStoreOptions | undefined {
  const bucket = env.S3_BUCKET?.trim();
  if (!bucket) return undefined;
  const endpoint = env.S3_ENDPOINT?.trim() || undefined;
  if (endpoint && !/^https?:\/\/[^/\s]+/i.test(endpoint)) throw new Error(`S3_ENDPOINT must be an http:// or https:// URL, got "${endpoint}"`);
  const accessKeyId = env.S3_ACCESS_KEY_ID || undefined;
  const secretAccessKey = env.S3_SECRET_ACCESS_KEY || undefined;
  if (Boolean(accessKeyId) !== Boolean(secretAccessKey)) throw new Error('Set both S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, or neither');
  return {
    bucket,
    region: env.S3_REGION?.trim() || 'us-east-1',
    forcePathStyle: flag('S3_FORCE_PATH_STYLE', env.S3_FORCE_PATH_STYLE, Boolean(endpoint)),
    ...(endpoint ? { endpoint } : {}),
    ...(accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : {}),
  };
}
