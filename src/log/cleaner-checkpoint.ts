// The cleaner's checkpoint: how far the log is compacted, per partition directory (Kafka keeps
// the same facts in cleaner-offset-checkpoint, one file per log dir).
//
// cleaner.checkpoint (text, replaced atomically like log.checkpoint):
//
//   tributary-cleaner-checkpoint 1
//   cleanedUpTo <n>          offsets below n hold at most one record per key
//   deleteHorizonMs <n>      when the newest tombstone the cleaner kept may go (-1: none known)
//
// cleanedUpTo only ever claims a range some finished pass compacted; a smaller value is always
// safe (the next pass just does more work). Truncation lowers it (lowerCleanerCheckpoint), so
// records appended after a truncation are never mistaken for compacted ones.

import { TributaryError } from "../model/errors.ts";
import type { FileSystem } from "../../runtime/types.ts";
import { readSmallTextFile, writeFileAtomic } from "./durable-file.ts";
import { joinPath } from "./segment-files.ts";

export const CLEANER_CHECKPOINT_FILE = "cleaner.checkpoint";

export interface CleanerCheckpoint {
  cleanedUpTo: number;
  deleteHorizonMs: number;
}

const CHECKPOINT_BYTES_MAX = 256;
const FORMAT = /^tributary-cleaner-checkpoint 1\ncleanedUpTo (\d+)\ndeleteHorizonMs (-1|\d+)\n$/;

export async function readCleanerCheckpoint(
  fs: FileSystem,
  dir: string,
): Promise<CleanerCheckpoint | null> {
  const path = joinPath(dir, CLEANER_CHECKPOINT_FILE);
  const file = await readSmallTextFile(fs, path, CHECKPOINT_BYTES_MAX);
  if (file === null) return null;
  const match = FORMAT.exec(file.text);
  const checkpoint = match === null
    ? null
    : { cleanedUpTo: Number(match[1]), deleteHorizonMs: Number(match[2]) };
  if (
    checkpoint === null || !Number.isSafeInteger(checkpoint.cleanedUpTo) ||
    !Number.isSafeInteger(checkpoint.deleteHorizonMs)
  ) {
    throw new TributaryError(
      "KAFKA_STORAGE_ERROR",
      `malformed cleaner checkpoint ${path} (${file.byteLength} bytes)`,
    );
  }
  return checkpoint;
}

export async function writeCleanerCheckpoint(
  fs: FileSystem,
  dir: string,
  checkpoint: CleanerCheckpoint,
): Promise<void> {
  const text = `tributary-cleaner-checkpoint 1\ncleanedUpTo ${checkpoint.cleanedUpTo}\n` +
    `deleteHorizonMs ${checkpoint.deleteHorizonMs}\n`;
  await writeFileAtomic(fs, dir, CLEANER_CHECKPOINT_FILE, new TextEncoder().encode(text));
}

/** After a truncation to offset (or a recovery that ended there): forget compaction past it. */
export async function lowerCleanerCheckpoint(
  fs: FileSystem,
  dir: string,
  offset: number,
): Promise<void> {
  const checkpoint = await readCleanerCheckpoint(fs, dir);
  if (checkpoint === null || checkpoint.cleanedUpTo <= offset) return;
  await writeCleanerCheckpoint(fs, dir, { ...checkpoint, cleanedUpTo: offset });
}
