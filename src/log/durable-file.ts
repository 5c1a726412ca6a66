// Small metadata files (log.checkpoint, cleaner.checkpoint, partition.metadata, meta.properties)
// are read whole and replaced atomically: a crash leaves the old or the new content, never a
// torn one, so a file that does not parse was damaged outside Tributary and is reported.
import { type FileSystem, isIoError } from "../../runtime/types.ts";
import { joinPath, TEMP_SUFFIX } from "./segment-files.ts";

export interface SmallTextFile {
  /** The file's text, or "" when it is over the cap, so that the caller's format check fails. */
  text: string;
  /** The file's size, for the caller's error message. */
  byteLength: number;
}

/** The text of path when it holds at most bytesMax bytes, or null when it does not exist. */
export async function readSmallTextFile(
  fs: FileSystem,
  path: string,
  bytesMax: number,
): Promise<SmallTextFile | null> {
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(path);
  } catch (err) {
    if (isIoError(err, "ENOENT")) return null;
    throw err;
  }
  const text = bytes.length <= bytesMax ? new TextDecoder().decode(bytes) : "";
  return { text, byteLength: bytes.length };
}

/**
 * Replaces dir/name with bytes so that a crash leaves either the old or the new content: write
 * name.tmp, fsync it, rename it over name, fsync the directory.
 */
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
