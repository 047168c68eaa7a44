// Hostile CRDT payloads: byte strings a malicious member could encrypt and sign as "document
// updates". Each is built with Yjs itself or written by hand in the v1 update grammar
// (structs per client, then the delete set), so they reach the receiving client's decoder intact.
import * as encoding from 'lib0/encoding';
import fc from 'fast-check';
import * as Y from 'yjs';

export interface Poison {
  what: string;
  update: Uint8Array;
}

/** A Y.Map chain `depth` levels deep under the messages map. */
function deepMaps(depth: number): Uint8Array {
  const doc = new Y.Doc();
  doc.transact(() => {
    let cur = doc.getMap('messages');
    for (let i = 0; i < depth; i++) {
      cur.set('k', new Y.Map());
      cur = cur.get('k') as Y.Map<unknown>;
    }
  });
  return Y.encodeStateAsUpdate(doc);
}

/** Arrays nested `depth` deep in a root type the application does not use. */
function deepArrays(depth: number): Uint8Array {
  const doc = new Y.Doc();
  doc.transact(() => {
    let cur = doc.getArray('zzz');
    for (let i = 0; i < depth; i++) {
      const next = new Y.Array<unknown>();
      cur.insert(0, [next]);
      cur = next;
    }
  });
  return Y.encodeStateAsUpdate(doc);
}

function withDoc(fill: (doc: Y.Doc) => void, v2 = false): Uint8Array {
  const doc = new Y.Doc();
  fill(doc);
  return v2 ? Y.encodeStateAsUpdateV2(doc) : Y.encodeStateAsUpdate(doc);
}

/** An update whose structs build on earlier ones that the receiver never gets. */
function missingStructs(): Uint8Array {
  const doc = new Y.Doc();
  const text = doc.getText('t');
  text.insert(0, 'first');
  const before = Y.encodeStateVector(doc);
  text.insert(5, ' second');
  doc.getMap('messages').set('orphan', { text: 'built on nothing' });
  return Y.encodeStateAsUpdate(doc, before);
}

/** One client block of hand-written v1 structs, then a delete set. */
function handWritten(write: (e: encoding.Encoder) => void): Uint8Array {
  const e = encoding.createEncoder();
  write(e);
  return encoding.toUint8Array(e);
}

const MAX = Number.MAX_SAFE_INTEGER;

/** The fixed list: every kind of hostile update the suite knows. */
export function classicPoisons(): Poison[] {
  return [
    { what: 'maps nested 3000 deep', update: deepMaps(3000) },
    { what: 'arrays nested 3000 deep', update: deepArrays(3000) },
    { what: 'a 200 KB string in a message', update: withDoc((d) => d.getMap('messages').set('huge', { id: 'huge', text: 'x'.repeat(200_000) })) },
    { what: 'a 100 KB map key', update: withDoc((d) => d.getMap('messages').set('k'.repeat(100_000), 1)) },
    { what: 'a message with every field the wrong type', update: withDoc((d) => d.getMap('messages').set('m1', { id: 5, author: 'x', sentAt: 'never', kind: {}, text: ['a'], sig: null })) },
    { what: 'a read cursor that is a nested type', update: withDoc((d) => d.getMap('reads').set('someone', new Y.Map())) },
    { what: 'updates referencing missing structs', update: missingStructs() },
    { what: 'a v2-format update', update: withDoc((d) => d.getMap('messages').set('v2', { text: 'v2' }), true) },
    { what: 'an empty v2 update', update: Y.encodeStateAsUpdateV2(new Y.Doc()) },
    {
      what: 'gigantic client id and clock (GC struct)',
      update: handWritten((e) => {
        encoding.writeVarUint(e, 1); // one client
        encoding.writeVarUint(e, 1); // one struct
        encoding.writeVarUint(e, MAX); // client
        encoding.writeVarUint(e, MAX - 100); // clock
        encoding.writeUint8(e, 0); // GC
        encoding.writeVarUint(e, 50);
        encoding.writeVarUint(e, 0); // empty delete set
      }),
    },
    {
      what: 'a deleted item 2^40 long under messages',
      update: handWritten((e) => {
        encoding.writeVarUint(e, 1);
        encoding.writeVarUint(e, 1);
        encoding.writeVarUint(e, 123456789);
        encoding.writeVarUint(e, 0);
        encoding.writeUint8(e, 1); // Item, ContentDeleted, no origins, no parentSub
        encoding.writeVarUint(e, 1); // parent is a root type, named next
        encoding.writeVarString(e, 'messages');
        encoding.writeVarUint(e, 2 ** 40);
        encoding.writeVarUint(e, 0);
      }),
    },
    {
      what: 'a skip struct 2^52 long',
      update: handWritten((e) => {
        encoding.writeVarUint(e, 1);
        encoding.writeVarUint(e, 2);
        encoding.writeVarUint(e, 77);
        encoding.writeVarUint(e, 0);
        encoding.writeUint8(e, 10); // Skip
        encoding.writeVarUint(e, 2 ** 52);
        encoding.writeUint8(e, 0); // GC after it
        encoding.writeVarUint(e, 1);
        encoding.writeVarUint(e, 0);
      }),
    },
    {
      what: 'two billion structs announced, none sent',
      update: handWritten((e) => {
        encoding.writeVarUint(e, 1);
        encoding.writeVarUint(e, 2 ** 31);
        encoding.writeVarUint(e, 5);
        encoding.writeVarUint(e, 0);
      }),
    },
    {
      what: 'an any-content array announcing 2^31 values',
      update: handWritten((e) => {
        encoding.writeVarUint(e, 1);
        encoding.writeVarUint(e, 1);
        encoding.writeVarUint(e, 99);
        encoding.writeVarUint(e, 0);
        encoding.writeUint8(e, 8); // Item, ContentAny
        encoding.writeVarUint(e, 1);
        encoding.writeVarString(e, 'messages');
        encoding.writeVarUint(e, 2 ** 31);
        encoding.writeVarUint(e, 0);
      }),
    },
    {
      what: '20 000 clients of one struct each',
      update: handWritten((e) => {
        encoding.writeVarUint(e, 20_000);
        for (let c = 0; c < 20_000; c++) {
          encoding.writeVarUint(e, 1);
          encoding.writeVarUint(e, 1_000_000 + c);
          encoding.writeVarUint(e, 0);
          encoding.writeUint8(e, 0);
          encoding.writeVarUint(e, 1);
        }
        encoding.writeVarUint(e, 0);
      }),
    },
    {
      what: 'a delete set of 30 000 ranges on an unknown client',
      update: handWritten((e) => {
        encoding.writeVarUint(e, 0); // no structs
        encoding.writeVarUint(e, 1);
        encoding.writeVarUint(e, 424242);
        encoding.writeVarUint(e, 30_000);
        for (let i = 0; i < 30_000; i++) {
          encoding.writeVarUint(e, i * 2);
          encoding.writeVarUint(e, 1);
        }
      }),
    },
    { what: 'an empty update', update: new Uint8Array(0) },
    { what: 'a valid update followed by trailing bytes', update: new Uint8Array([...withDoc((d) => d.getMap('messages').set('t', 1)), 1, 2, 3]) },
  ];
}

/** `count` random and mutated updates, seeded. */
export function randomPoisons(count: number, seed: number): Poison[] {
  const base = withDoc((d) => {
    d.getMap('messages').set('m', { id: 'm', text: 'hello' });
    d.getText('t').insert(0, 'abc');
  });
  const arb = fc.oneof(
    fc.uint8Array({ minLength: 1, maxLength: 400 }).map((update) => ({ what: 'random bytes', update })),
    fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })).map(([at, v]) => {
      const update = base.slice();
      update[at % update.length] = v;
      return { what: `valid update, byte ${at % update.length} set to ${v}`, update };
    }),
    fc.nat().map((n) => ({ what: 'valid update cut short', update: base.subarray(0, n % base.length) })),
  );
  return fc.sample(arb, { numRuns: count, seed });
}
