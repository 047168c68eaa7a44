// JSON values stored as UTF-8 bytes behind the storage port.
const enc = new TextEncoder();
const dec = new TextDecoder();

export const toBytes = (value: unknown): Uint8Array => enc.encode(JSON.stringify(value));
export const fromBytes = <T>(bytes: Uint8Array): T => JSON.parse(dec.decode(bytes)) as T;
