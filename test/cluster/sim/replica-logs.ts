// Reads one node's copy of a partition straight from its disk (the segment files under
// dataDir/<topic>-<partition>), so replicas can be compared where the broker would refuse a
// follower fetch. Only what lies below `below` (the node's high watermark) is returned: that part
// is committed and must be the same on every replica; the tail above it may still change.
import type { FileSystem } from "../../../runtime/types.ts";
import { batchesIn, decodeRecords } from "../../../src/log/record-batch.ts";

/** One record as a replica holds it: its batch's CRC (the batch bytes) and its value. */
export interface StoredRecord {
  offset: number;
  /** `${batch crc}:${value}`: equal on two replicas only when batch and value are. */
  fingerprint: string;
  value: string;
}

const utf8 = new TextDecoder();

export async function readReplica(
  fs: FileSystem,
  dir: string,
  below: number,
): Promise<StoredRecord[]> {
  if (!(await fs.exists(dir))) return [];
  const segments = (await fs.list(dir))
    .filter((e) => e.isFile && e.name.endsWith(".log"))
    .map((e) => e.name)
    .sort();
  const out: StoredRecord[] = [];
  for (const name of segments) {
    const bytes = await fs.readFile(`${dir}/${name}`);
    for (const { position, header } of batchesIn(bytes)) {
      if (header.baseOffset >= below) return out;
      for (const r of decodeRecords(bytes, position)) {
        if (r.offset >= below) return out;
        const value = r.value === null ? "<null>" : utf8.decode(r.value);
        out.push({ offset: r.offset, fingerprint: `${header.crc}:${value}`, value });
      }
    }
  }
  return out;
}
