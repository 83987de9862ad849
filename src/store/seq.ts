/** A transaction id ends in its org's sequence number (base 36): the log's sort key and cursor. */
export function seqOf(txnId: string): number | null {
  const m = /_([0-9a-z]{1,12})$/.exec(txnId);
  if (!m) return null;
  const n = Number.parseInt(m[1]!, 36);
  return Number.isSafeInteger(n) ? n : null;
}
