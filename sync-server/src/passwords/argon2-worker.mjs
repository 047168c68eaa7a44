// Worker thread for Argon2id: hashing takes a few hundred milliseconds of CPU, which must not
// stall the relay and the API sharing the main thread. Plain JS so it loads without a compiler.
import { parentPort } from 'node:worker_threads';
import sodium from 'libsodium-wrappers-sumo';

await sodium.ready;
parentPort.on('message', (job) => {
  let result;
  try {
    if (job.op === 'hash') result = { ok: true, value: sodium.crypto_pwhash_str(job.secret, job.opslimit, job.memlimit) };
    else {
      let valid = false;
      try {
        valid = sodium.crypto_pwhash_str_verify(job.hash, job.secret);
      } catch {
        valid = false;
      }
      result = { ok: true, value: valid };
    }
  } catch (err) {
    result = { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  parentPort.postMessage({ id: job.id, ...result });
});
