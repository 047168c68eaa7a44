import { describe, expect, it } from 'vitest';
import { s3OptionsFromEnv } from './config';

describe('s3OptionsFromEnv', () => {
  it('keeps media on the local disk when S3_BUCKET is not set', () => {
    expect(s3OptionsFromEnv({})).toBeUndefined();
    expect(s3OptionsFromEnv({ S3_ENDPOINT: 'http://minio:9000', S3_BUCKET: ' ' })).toBeUndefined();
  });

  it('reads a self-hosted server: path-style by default, region us-east-1', () => {
    expect(
      s3OptionsFromEnv({ S3_BUCKET: 'mekong-media', S3_ENDPOINT: 'http://minio:9000', S3_ACCESS_KEY_ID: 'id', S3_SECRET_ACCESS_KEY: 'secret' }),
    ).toEqual({ bucket: 'mekong-media', endpoint: 'http://minio:9000', region: 'us-east-1', forcePathStyle: true, accessKeyId: 'id', secretAccessKey: 'secret' });
  });

  it('reads AWS itself: no endpoint, virtual-host style, credentials from the SDK chain when none are given', () => {
    expect(s3OptionsFromEnv({ S3_BUCKET: 'b-123', S3_REGION: 'ap-southeast-1' })).toEqual({ bucket: 'b-123', region: 'ap-southeast-1', forcePathStyle: false });
    expect(s3OptionsFromEnv({ S3_BUCKET: 'b-123', S3_ENDPOINT: 'https://s3.example.net', S3_FORCE_PATH_STYLE: 'false' })).toMatchObject({ forcePathStyle: false });
    expect(s3OptionsFromEnv({ S3_BUCKET: 'b-123', S3_FORCE_PATH_STYLE: '1' })).toMatchObject({ forcePathStyle: true });
  });

  it('refuses settings that make no sense with a sentence naming the variable', () => {
    expect(() => s3OptionsFromEnv({ S3_BUCKET: 'b', S3_FORCE_PATH_STYLE: 'maybe' })).toThrow(/S3_FORCE_PATH_STYLE must be true or false/);
    expect(() => s3OptionsFromEnv({ S3_BUCKET: 'b', S3_ENDPOINT: 'minio:9000' })).toThrow(/S3_ENDPOINT must be an http/);
    expect(() => s3OptionsFromEnv({ S3_BUCKET: 'b', S3_ACCESS_KEY_ID: 'id' })).toThrow(/S3_SECRET_ACCESS_KEY/);
  });
});
