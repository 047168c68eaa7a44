// The newest 50 of a collection of messages, the way a chat shows them: used by the cold-open and
// document-engine benchmarks on every side (Node, the browser page, one Yjs document, Automerge).

/** The 50 values with the highest `sentAt`, newest first, in one pass. */
export function newest50<T extends { sentAt: number }>(values: Iterable<T>): T[] {
  const top: T[] = [];
  for (const v of values) {
    if (top.length < 50) top.push(v);
    else if (v.sentAt > top[49]!.sentAt) top[49] = v;
    else continue;
    top.sort((a, b) => b.sentAt - a.sentAt);
  }
  return top;
}
