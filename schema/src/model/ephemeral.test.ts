import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../errors';
import { decodeEphemeral, encodeEphemeral, MAX_EPHEMERAL_PAYLOAD_BYTES } from './ephemeral';

const bytes = (text: string) => new TextEncoder().encode(text);
const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return 'no error';
};

describe('ephemeral payloads', () => {
  it('round-trips a typing signal and its stop', () => {
    for (const typing of [true, false]) {
      const p = { v: 1 as const, type: 'typing' as const, typing };
      expect(decodeEphemeral(encodeEphemeral(p))).toEqual(p);
    }
  });

  it('refuses another version, an unknown type, extra fields and wrong field types as MALFORMED_ENVELOPE', () => {
    for (const text of [
      '{"v":2,"type":"typing","typing":true}',
      '{"v":1,"type":"presence","online":true}',
      '{"v":1,"type":"typing","typing":true,"text":"hello"}',
      '{"v":1,"type":"typing","typing":"yes"}',
      '{"v":1,"type":"typing"}',
      '[]',
      'null',
    ]) {
      expect(codeOf(() => decodeEphemeral(bytes(text))), text).toBe(ErrorCode.MALFORMED_ENVELOPE);
    }
  });

  it('refuses bytes that are not UTF-8 JSON', () => {
    expect(codeOf(() => decodeEphemeral(new Uint8Array([0xff, 0xfe, 0x00])))).toBe(ErrorCode.MALFORMED_ENVELOPE);
    expect(codeOf(() => decodeEphemeral(bytes('{"v":1,')))).toBe(ErrorCode.MALFORMED_ENVELOPE);
    expect(codeOf(() => decodeEphemeral(new Uint8Array()))).toBe(ErrorCode.MALFORMED_ENVELOPE);
  });

  it('refuses an oversized payload before parsing it', () => {
    const padded = `{"v":1,"type":"typing","typing":true${' '.repeat(MAX_EPHEMERAL_PAYLOAD_BYTES)}}`;
    expect(codeOf(() => decodeEphemeral(bytes(padded)))).toBe(ErrorCode.PAYLOAD_TOO_LARGE);
  });

  it('will not encode something that is not a payload', () => {
    expect(codeOf(() => encodeEphemeral({ v: 1, type: 'typing', typing: 'maybe' } as never))).toBe(ErrorCode.BAD_REQUEST);
  });
});
