// The local metadata log: MetadataRecords stored as CBOR record values in an ordinary partition
// log at dataDir/__cluster_metadata-0, one batch per atomic change, appended durably before the
// change takes effect. Start-up replays it into a MetadataImage. A Raft-replicated controller
// log will take its place later; the records and MetadataImage.apply stay the same.
import { assert, TributaryError } from "../model/errors.ts";
import type { Runtime } from "../../runtime/types.ts";
import { PartitionLog } from "../log/partition-log.ts";
import { batchesIn, decodeRecords, encodeBatch } from "../log/record-batch.ts";
import { joinPath } from "../log/segment-files.ts";
import { mkdirDurable } from "./durable-dir.ts";
import { isClusterRecordType } from "./cluster-records.ts";
import { applyBatch } from "./committed-image.ts";
import { MetadataImage } from "./image.ts";
import { decodeMetadataRecord, encodeMetadataRecord, type MetadataRecord } from "./records.ts";

export const METADATA_LOG_DIR = "__cluster_metadata-0";
/** Where a controller of a cluster keeps its Raft state (src/cluster/raft/storage.ts). */
export const RAFT_METADATA_DIR = "__raft_metadata";
/** Records of one change; a topic with this many partitions is far beyond sane already. */
export const METADATA_RECORDS_PER_CHANGE_MAX = 100_000;
const READ_CHUNK_BYTES = 1024 * 1024;
const METADATA_SEGMENT_BYTES = 16 * 1024 * 1024;

export class MetadataLog {
  readonly #log: PartitionLog;
  readonly #clock: Runtime["clock"];

  private constructor(log: PartitionLog, clock: Runtime["clock"]) {
    this.#log = log;
    this.#clock = clock;
  }

  /** Opens (or creates) the log and replays it into a fresh image. */
  static async open(
    rt: Runtime,
    dataDir: string,
  ): Promise<{ log: MetadataLog; image: MetadataImage }> {
    const dir = joinPath(dataDir, METADATA_LOG_DIR);
    await mkdirDurable(rt.fs, dir);
    // Metadata is never expired and every change is fsynced by its own append.
    const log = await PartitionLog.open(rt, dir, {
      segmentBytes: METADATA_SEGMENT_BYTES,
      retentionMs: -1,
      retentionBytes: -1,
    });
    const image = await replay(log);
    return { log: new MetadataLog(log, rt.clock), image };
  }

  /** Appends the records of one change as one batch, durably. */
  async append(records: MetadataRecord[]): Promise<void> {
    assert(records.length > 0, "a metadata change has at least one record");
    if (records.length > METADATA_RECORDS_PER_CHANGE_MAX) {
      throw new TributaryError("INVALID_REQUEST", `metadata change of ${records.length} records`);
    }
    const timestamp = this.#clock.nowMs();
    const batch = encodeBatch({
      records: records.map((r) => ({ key: null, value: encodeMetadataRecord(r), timestamp })),
    });
    await this.#log.append(batch, { durable: true });
  }

  async close(): Promise<void> {
    await this.#log.close();
  }
}

async function replay(log: PartitionLog): Promise<MetadataImage> {
  let image = new MetadataImage();
  let offset = log.logStartOffset;
  const end = log.logEndOffset;
  // Each read returns at least one whole batch and moves nextOffset past it.
  for (let reads = 0; offset < end; reads++) {
    assert(reads <= end, "metadata replay does not advance");
    const { bytes, nextOffset } = await log.read(offset, READ_CHUNK_BYTES);
    assert(nextOffset > offset, `metadata log read at ${offset} made no progress`);
    for (const { position, header } of batchesIn(bytes)) {
      const records: MetadataRecord[] = [];
      for (const record of decodeRecords(bytes, position)) {
        if (record.offset < offset) continue;
        assert(record.value !== null, `metadata record at ${record.offset} has no value`);
        records.push(decodeMetadataRecord(record.value));
      }
      image = applyChange(image, records);
      offset = Math.max(offset, header.baseOffset + header.lastOffsetDelta + 1);
    }
    offset = Math.max(offset, nextOffset);
  }
  return image;
}

/**
 * One batch, one change. Topic-level records apply in place, as they always have (and assert on a
 * contradiction). A change with cluster records applies the way a committed batch does
 * (committed-image.ts): all of it or, if the image refuses one record, none of it.
 */
function applyChange(image: MetadataImage, records: MetadataRecord[]): MetadataImage {
  if (records.some((r) => isClusterRecordType(r.type))) return applyBatch(image, records).image;
  for (const record of records) image.apply(record);
  return image;
}
