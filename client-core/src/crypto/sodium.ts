// Loads libsodium (WebAssembly, same build in browsers and Node) and hands the ready instance to the module.
import sodiumModule from 'libsodium-wrappers-sumo';

/** The libsodium API object, for the files of this module. */
export type Sodium = typeof sodiumModule;

/**
 * Wait until libsodium has compiled its WebAssembly. Call once at start-up; every other
 * function of the crypto module is synchronous and assumes this promise has resolved.
 *
 * @example
 * await cryptoReady();
 * const identity = generateIdentity();
 */
export async function cryptoReady(): Promise<void> {
  await sodiumModule.ready;
}

/**
 * The initialised libsodium instance. The wrapper only attaches its functions once the
 * WebAssembly is loaded, so checking one of them is a reliable readiness test even when
 * some other code awaited `ready` directly.
 */
export function sodium(): Sodium {
  if (typeof sodiumModule.crypto_aead_xchacha20poly1305_ietf_encrypt !== 'function') {
    throw new Error('The crypto module is not initialised: await cryptoReady() once before calling it.');
  }
  return sodiumModule;
}
