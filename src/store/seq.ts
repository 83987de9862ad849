/** A transaction id ends in its org's sequence number (base 36): the log's sort key and cursor. */
export { seqOf } from '../core/index.ts';
