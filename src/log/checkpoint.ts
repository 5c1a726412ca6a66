// The partition's checkpoint file and clean-shutdown marker.
//
// log.checkpoint (text, so an operator can read it):
//
//   tributary-log-checkpoint 1
//   logStartOffset <n>
//   recoveryPoint <n>
//
// It is replaced atomically: write log.checkpoint.tmp, fsync it, rename over log.checkpoint,
// fsync the directory. A crash leaves the old or the new file, never a torn one, so a malformed
// checkpoint means something outside Tributary damaged the directory and is reported, not guessed.
//
// .clean-shutdown exists (durably) only between a clean close() and the next open().

import { TributaryError } from "../errors.ts";
import type { FileSystem } from "../../runtime/types.ts";
import { isIoError } from "../../runtime/types.ts";
import { CHECKPOINT_FILE, CLEAN_SHUTDOWN_FILE, joinPath, TEMP_SUFFIX } from "./segment-files.ts";

export interface LogCheckpoint {
  logStartOffset: number;
  recoveryPoint: number;
}

const MAGIC_LINE = "tributary-log-checkpoint 1";
/** A checkpoint is three short lines; anything bigger is not ours. */
const CHECKPOINT_BYTES_MAX = 256;

export async function readCheckpoint(fs: FileSystem, dir: string): Promise<LogCheckpoint | null> {
  const path = joinPath(dir, CHECKPOINT_FILE);
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(path);
  } catch (err) {
    if (isIoError(err, "ENOENT")) return null;
    throw err;
  }
  const text = bytes.length <= CHECKPOINT_BYTES_MAX ? new TextDecoder().decode(bytes) : "";
  const match = /^tributary-log-checkpoint 1\nlogStartOffset (\d+)\nrecoveryPoint (\d+)\n$/.exec(
    text,
  );
  if (match === null) {
    throw new TributaryError(
      "KAFKA_STORAGE_ERROR",
      `malformed checkpoint ${path} (${bytes.length} bytes)`,
    );
  }
  const checkpoint = { logStartOffset: Number(match[1]), recoveryPoint: Number(match[2]) };
  if (
    !Number.isSafeInteger(checkpoint.logStartOffset) ||
    !Number.isSafeInteger(checkpoint.recoveryPoint)
  ) {
    throw new TributaryError("KAFKA_STORAGE_ERROR", `checkpoint ${path} holds offsets past 2^53`);
  }
  return checkpoint;
}

export async function writeCheckpoint(
  fs: FileSystem,
  dir: string,
  checkpoint: LogCheckpoint,
): Promise<void> {
  const text =
    `${MAGIC_LINE}\nlogStartOffset ${checkpoint.logStartOffset}\nrecoveryPoint ${checkpoint.recoveryPoint}\n`;
  await writeFileAtomic(fs, dir, CHECKPOINT_FILE, new TextEncoder().encode(text));
}

/** Replaces dir/name with bytes so that a crash leaves either the old or the new content. */
export async function writeFileAtomic(
  fs: FileSystem,
  dir: string,
  name: string,
  bytes: Uint8Array,
): Promise<void> {
  const temp = joinPath(dir, name + TEMP_SUFFIX);
  const file = await fs.open(temp, { create: true, write: true, truncate: true });
  try {
    await file.writeAt(bytes, 0);
    await file.sync();
  } finally {
    await file.close();
  }
  await fs.rename(temp, joinPath(dir, name));
  await fs.syncDir(dir);
}

export async function hasCleanShutdownMarker(fs: FileSystem, dir: string): Promise<boolean> {
  return await fs.exists(joinPath(dir, CLEAN_SHUTDOWN_FILE));
}

export async function writeCleanShutdownMarker(fs: FileSystem, dir: string): Promise<void> {
  const file = await fs.open(joinPath(dir, CLEAN_SHUTDOWN_FILE), { create: true, write: true });
  await file.close();
  await fs.syncDir(dir);
}

/** Durably removes the marker, so a crash from here on is seen as unclean. */
export async function removeCleanShutdownMarker(fs: FileSystem, dir: string): Promise<void> {
  await fs.remove(joinPath(dir, CLEAN_SHUTDOWN_FILE));
  await fs.syncDir(dir);
}
