import { describe, expect, it } from 'vitest';
import { type EnvelopeHeader, type EnvelopeKind, openEnvelope, readEnvelopeHeader, sealEnvelope } from './envelope';
import { generateDeviceKeys, generateEpochKey } from './keys';
import { cryptoReady } from './sodium';
import { codeOf, text } from './test-support';

await cryptoReady();

function setup(overrides: Partial<EnvelopeHeader> = {}) {
  const device = generateDeviceKeys();
  const epochKey = generateEpochKey();
  const header: EnvelopeHeader = { kind: 'update', conv: 'conv-1', epoch: 7, device: 'dev-1', counter: 12, ...overrides };
  const expect_ = { kind: header.kind, conv: header.conv, signPublicKey: device.signPublicKey, epochKey };
  return { device, epochKey, header, expect: expect_ };
}

describe('sealEnvelope / openEnvelope', () => {
  it.each<EnvelopeKind>(['update', 'snapshot', 'ephemeral'])('round-trips a %s', (kind) => {
    const { device, epochKey, header, expect: exp } = setup({ kind });
    const env = sealEnvelope(header, text('payload'), epochKey, device.signSecretKey);
    expect(readEnvelopeHeader(env)).toEqual(header);
    const { header: h, plaintext } = openEnvelope(env, exp);
    expect(h).toEqual(header);
    expect(plaintext).toEqual(text('payload'));
  });

  it('round-trips empty and large payloads, Unicode ids and the largest counter', () => {
    const { device, epochKey, header, expect: exp } = setup({ conv: 'nhóm-bạn-🌊', device: 'máy-1', counter: Number.MAX_SAFE_INTEGER, epoch: 0 });
    for (const payload of [new Uint8Array(0), new Uint8Array(256 * 1024).fill(7)]) {
      const env = sealEnvelope(header, payload, epochKey, device.signSecretKey);
      const opened = openEnvelope(env, { ...exp, conv: 'nhóm-bạn-🌊' });
      expect(opened.header).toEqual(header);
      expect(opened.plaintext.length).toBe(payload.length);
      expect(opened.plaintext.every((b, i) => b === payload[i])).toBe(true);
    }
  });

  it('uses a fresh nonce each time, so equal inputs give different envelopes', () => {
    const { device, epochKey, header } = setup();
    const a = sealEnvelope(header, text('same'), epochKey, device.signSecretKey);
    const b = sealEnvelope(header, text('same'), epochKey, device.signSecretKey);
    expect(a).not.toEqual(b);
  });

  it('does not leak the plaintext into the envelope', () => {
    const { device, epochKey, header } = setup();
    const secret = 'the meeting is at noon';
    const env = sealEnvelope(header, text(secret), epochKey, device.signSecretKey);
    expect(new TextDecoder('latin1').decode(env)).not.toContain(secret);
  });

  it('rejects an envelope for another conversation or kind with WRONG_CONTEXT', () => {
    const { device, epochKey, header, expect: exp } = setup();
    const env = sealEnvelope(header, text('x'), epochKey, device.signSecretKey);
    expect(codeOf(() => openEnvelope(env, { ...exp, conv: 'conv-2' }))).toBe('WRONG_CONTEXT');
    expect(codeOf(() => openEnvelope(env, { ...exp, kind: 'snapshot' }))).toBe('WRONG_CONTEXT');
    expect(codeOf(() => openEnvelope(env, { ...exp, epoch: 8 }))).toBe('WRONG_CONTEXT');
    expect(codeOf(() => openEnvelope(env, { ...exp, device: 'dev-2' }))).toBe('WRONG_CONTEXT');
    expect(codeOf(() => openEnvelope(env, { ...exp, epoch: 7, device: 'dev-1' }))).toBe('NO_THROW');
  });

  it('rejects another device key with BAD_SIGNATURE and another epoch key with DECRYPT_FAILED', () => {
    const { device, epochKey, header, expect: exp } = setup();
    const env = sealEnvelope(header, text('x'), epochKey, device.signSecretKey);
    expect(codeOf(() => openEnvelope(env, { ...exp, signPublicKey: generateDeviceKeys().signPublicKey }))).toBe('BAD_SIGNATURE');
    expect(codeOf(() => openEnvelope(env, { ...exp, epochKey: generateEpochKey() }))).toBe('DECRYPT_FAILED');
  });

  it('checks the signature before decrypting: a forgery with a wrong key is BAD_SIGNATURE, not DECRYPT_FAILED', () => {
    const { epochKey, header, expect: exp } = setup();
    const forger = generateDeviceKeys();
    const forged = sealEnvelope(header, text('x'), generateEpochKey(), forger.signSecretKey);
    expect(codeOf(() => openEnvelope(forged, { ...exp, epochKey }))).toBe('BAD_SIGNATURE');
  });

  it('refuses to seal invalid headers with BAD_REQUEST', () => {
    const { device, epochKey, header } = setup();
    const seal = (h: Partial<EnvelopeHeader>) => () => sealEnvelope({ ...header, ...h } as EnvelopeHeader, text('x'), epochKey, device.signSecretKey);
    expect(codeOf(seal({ conv: '' }))).toBe('BAD_REQUEST');
    expect(codeOf(seal({ conv: 'x'.repeat(129) }))).toBe('BAD_REQUEST');
    expect(codeOf(seal({ conv: 'x'.repeat(128) }))).toBe('NO_THROW');
    expect(codeOf(seal({ device: 'ồ'.repeat(43) }))).toBe('BAD_REQUEST'); // 129 bytes of UTF-8
    expect(codeOf(seal({ device: '\ud800' }))).toBe('BAD_REQUEST');
    expect(codeOf(seal({ epoch: -1 }))).toBe('BAD_REQUEST');
    expect(codeOf(seal({ counter: 1.5 }))).toBe('BAD_REQUEST');
    expect(codeOf(seal({ kind: 'other' as EnvelopeKind }))).toBe('BAD_REQUEST');
    expect(codeOf(() => sealEnvelope(header, text('x'), epochKey.subarray(1) as typeof epochKey, device.signSecretKey))).toBe('BAD_REQUEST');
  });

  it('rejects garbage with MALFORMED_ENVELOPE', () => {
    for (const bad of [new Uint8Array(0), new Uint8Array(200), new Uint8Array([2, 1, 1, 97, 0, 1, 98, 0]), text('not an envelope at all')]) {
      expect(codeOf(() => readEnvelopeHeader(bad))).toBe('MALFORMED_ENVELOPE');
    }
    expect(codeOf(() => readEnvelopeHeader('nope' as unknown as Uint8Array))).toBe('MALFORMED_ENVELOPE');
  });
});
