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

import { TributaryError } from "../model/errors.ts";
import type { FileSystem } from "../../runtime/types.ts";
import { readSmallTextFile, writeFileAtomic } from "./durable-file.ts";
import { CHECKPOINT_FILE, CLEAN_SHUTDOWN_FILE, joinPath } from "./segment-files.ts";

export interface LogCheckpoint {
  logStartOffset: number;
  recoveryPoint: number;
}

const MAGIC_LINE = "tributary-log-checkpoint 1";
/** A checkpoint is three short lines; anything bigger is not ours. */
const CHECKPOINT_BYTES_MAX = 256;

export async function readCheckpoint(fs: FileSystem, dir: string): Promise<LogCheckpoint | null> {
  const path = joinPath(dir, CHECKPOINT_FILE);
  const file = await readSmallTextFile(fs, path, CHECKPOINT_BYTES_MAX);
  if (file === null) return null;
  const match = /^tributary-log-checkpoint 1\nlogStartOffset (\d+)\nrecoveryPoint (\d+)\n$/.exec(
    file.text,
  );
  if (match === null) {
    throw new TributaryError(
      "KAFKA_STORAGE_ERROR",
      `malformed checkpoint ${path} (${file.byteLength} bytes)`,
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
