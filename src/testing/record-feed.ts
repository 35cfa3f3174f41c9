// Test helper: sensor records fed as the live agent reads them (LiveSensor): split out of reads of
// the rings' bytes, each loaded into one reused view, numbered in order.
import assert from 'node:assert/strict';
import { RecordSplitter } from '../capture/live/index.js';
import { EventView } from '../events/index.js';

/** A function taking one read of record bytes (records may be cut across reads) that hands each
 *  whole record, loaded into a view reused for all of them, to `each`. */
export function recordFeed(each: (view: EventView) => void): (read: Buffer) => void {
  const view = new EventView();
  const splitter = new RecordSplitter();
  let num = 0;
  const sink = (buf: Buffer, start: number): void => {
    const bad = view.load(buf, start, ++num, 0, buf.length - start);
    if (bad !== undefined) assert.fail(`record ${num}: ${bad}`); // (no assertion call per record: benches time this path)
    each(view);
  };
  return (read) => splitter.push(read, sink);
}
