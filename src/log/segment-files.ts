// File names inside a partition directory. A segment is three files named by its base offset,
// zero-padded to 20 digits so that lexical order is offset order (Kafka's layout):
//
//   00000000000000001234.log        record batches v2, back to back
//   00000000000000001234.index      sparse offset index (see sparse-index.ts)
//   00000000000000001234.timeindex  sparse time index
//
// Besides segments a directory holds log.checkpoint (log start offset and recovery point,
// replaced atomically through log.checkpoint.tmp) and .clean-shutdown while the log is closed
// cleanly. Files being deleted with a delay carry a ".deleted" suffix.

export const LOG_SUFFIX = ".log";
export const OFFSET_INDEX_SUFFIX = ".index";
export const TIME_INDEX_SUFFIX = ".timeindex";
export const DELETED_SUFFIX = ".deleted";
export const TEMP_SUFFIX = ".tmp";
export const CHECKPOINT_FILE = "log.checkpoint";
export const CLEAN_SHUTDOWN_FILE = ".clean-shutdown";

export type SegmentFileKind = "log" | "index" | "timeindex";

const SUFFIX_OF: Record<SegmentFileKind, string> = {
  log: LOG_SUFFIX,
  index: OFFSET_INDEX_SUFFIX,
  timeindex: TIME_INDEX_SUFFIX,
};

const OFFSET_DIGITS = 20;
const SEGMENT_NAME = /^(\d{20})\.(log|index|timeindex)$/;

export function segmentFileName(baseOffset: number, kind: SegmentFileKind): string {
  return String(baseOffset).padStart(OFFSET_DIGITS, "0") + SUFFIX_OF[kind];
}

export function segmentPath(dir: string, baseOffset: number, kind: SegmentFileKind): string {
  return joinPath(dir, segmentFileName(baseOffset, kind));
}

/** Base offset and kind of a segment file name, or null for any other name. */
export function parseSegmentFileName(
  name: string,
): { baseOffset: number; kind: SegmentFileKind } | null {
  const match = SEGMENT_NAME.exec(name);
  if (match === null) return null;
  const baseOffset = Number(match[1]);
  if (!Number.isSafeInteger(baseOffset)) return null;
  return { baseOffset, kind: match[2] as SegmentFileKind };
}

export function joinPath(dir: string, name: string): string {
  return dir.endsWith("/") ? dir + name : `${dir}/${name}`;
}

/** The directory holding path: "/a/b/c" -> "/a/b", "/a" -> "/", "a" -> "." (relative). */
export function parentPath(path: string): string {
  const trimmed = path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
  const slash = trimmed.lastIndexOf("/");
  if (slash < 0) return ".";
  return slash === 0 ? "/" : trimmed.slice(0, slash);
}
