// Walking the batches of a segment file with positional reads into one window buffer: recovery
// (validate every batch), index rebuilding and the consistency checker use it. The window is
// re-read only when the next batch is not wholly inside it, so a scan costs about one read per
// windowBytes of log.

import { TributaryError } from "../model/errors.ts";
import type { FileHandle } from "../../runtime/types.ts";
import type { BatchHeader } from "./record-batch.ts";
import {
  BATCH_HEADER_BYTES,
  BATCH_OVERHEAD_BYTES,
  batchSizeAt,
  readBatchHeader,
  validateBatch,
} from "./record-batch.ts";

export const SCAN_WINDOW_BYTES_DEFAULT = 1024 * 1024;

export interface ScannedBatch {
  position: number;
  sizeBytes: number;
  header: BatchHeader;
}

/**
 * Why a scan stopped: "end" = reached `to` on a batch boundary; "partial" = the last batch runs
 * past `to` (a torn tail); "corrupt" = a batch failed its checks; "rejected" = onBatch refused it.
 */
export type ScanStop = "end" | "partial" | "corrupt" | "rejected";

export interface ScanResult {
  /** Position after the last accepted batch: where a recovering log truncates. */
  validBytes: number;
  batches: number;
  stop: ScanStop;
  detail: string;
}

export interface ScanOptions {
  from?: number;
  /** Scan up to this position (normally the file size). */
  to: number;
  /**
   * Check CRC, magic and counts of every batch (recovery), reading each batch whole; otherwise
   * only sizes and magic, reading just the headers (large batches are skipped, not read).
   */
  validate: boolean;
  windowBytes?: number;
  /** Returns a problem description to stop the scan before this batch. */
  onBatch?: (batch: ScannedBatch) => string | undefined;
}

export async function scanBatches(file: FileHandle, options: ScanOptions): Promise<ScanResult> {
  const windowBytes = Math.max(
    options.windowBytes ?? SCAN_WINDOW_BYTES_DEFAULT,
    BATCH_HEADER_BYTES,
  );
  const to = options.to;
  let position = options.from ?? 0;
  let window: Uint8Array = new Uint8Array(0);
  let windowStart = 0;
  let batches = 0;
  const stop = (stop: ScanStop, detail: string): ScanResult => ({
    validBytes: position,
    batches,
    stop,
    detail,
  });
  // Every iteration accepts one batch of at least BATCH_HEADER_BYTES, so this loop is bounded.
  while (position < to) {
    if (to - position < BATCH_HEADER_BYTES) {
      return stop("partial", `${to - position} bytes after the last batch`);
    }
    if (!contains(windowStart, window.length, position, BATCH_HEADER_BYTES)) {
      window = await readWindow(file, position, Math.min(windowBytes, to - position));
      windowStart = position;
      if (window.length < BATCH_HEADER_BYTES) {
        return stop("partial", `file ends at ${position + window.length}`);
      }
    }
    let sizeBytes: number;
    try {
      sizeBytes = batchSizeAt(window, position - windowStart);
    } catch (err) {
      return stopOnCorrupt(err, stop);
    }
    if (sizeBytes > to - position) {
      return stop("partial", `batch of ${sizeBytes} bytes at ${position} passes ${to}`);
    }
    const needBytes = options.validate ? sizeBytes : BATCH_HEADER_BYTES;
    if (!contains(windowStart, window.length, position, needBytes)) {
      window = await readWindow(
        file,
        position,
        Math.max(needBytes, Math.min(windowBytes, to - position)),
      );
      windowStart = position;
      if (window.length < needBytes) {
        return stop("partial", `file ends at ${position + window.length}`);
      }
    }
    let header: BatchHeader;
    try {
      header = options.validate
        ? validateBatch(window, position - windowStart)
        : checkedHeader(window, position - windowStart);
    } catch (err) {
      return stopOnCorrupt(err, stop);
    }
    const problem = options.onBatch?.({ position, sizeBytes, header });
    if (problem !== undefined) return stop("rejected", problem);
    position += sizeBytes;
    batches++;
  }
  return stop("end", "");
}

/** Sizes and magic only: enough to walk a log that is trusted (clean shutdown). */
function checkedHeader(window: Uint8Array, at: number): BatchHeader {
  const header = readBatchHeader(window, at);
  if (
    header.magic !== 2 || header.lastOffsetDelta < 0 ||
    header.batchLength + BATCH_OVERHEAD_BYTES < BATCH_HEADER_BYTES
  ) {
    throw new TributaryError(
      "CORRUPT_MESSAGE",
      `batch at ${at} has magic ${header.magic}, lastOffsetDelta ${header.lastOffsetDelta}`,
    );
  }
  return header;
}

function stopOnCorrupt(err: unknown, stop: (s: ScanStop, d: string) => ScanResult): ScanResult {
  if (err instanceof TributaryError && err.code === "CORRUPT_MESSAGE") {
    return stop("corrupt", err.message);
  }
  throw err;
}

function contains(
  windowStart: number,
  windowLength: number,
  position: number,
  length: number,
): boolean {
  return position >= windowStart && position + length <= windowStart + windowLength;
}

/** Reads up to length bytes at position; shorter only at end of file. */
export async function readWindow(
  file: FileHandle,
  position: number,
  length: number,
): Promise<Uint8Array> {
  const buf = new Uint8Array(length);
  const read = await file.readAt(buf, position);
  return read === length ? buf : buf.subarray(0, read);
}
