// How many file descriptors the data directory may hold open (log.open.files.max), against the
// process limit. Without the option the budget is half the process's soft limit (the rest is
// left to sockets, the HTTP listener and the runtime itself), or OPEN_FILES_MAX_UNKNOWN_LIMIT
// where the limit cannot be read. Linux reports the limit in /proc/self/limits, read through the
// Runtime's file system; other hosts have no such file and the limit is "unknown".

import { type FileSystem, RuntimeIoError } from "../../runtime/types.ts";
import type { Logger } from "../logging/logger.ts";

export const OPEN_FILES_MAX_UNKNOWN_LIMIT = 512;
/** The budget never goes below this, whatever the limit: a log needs a few files at once. */
export const OPEN_FILES_MAX_FLOOR = 16;
/** Fewer descriptors than this left for sockets and the runtime draws a warning. */
export const DESCRIPTORS_SPARE_MIN = 64;

const LIMITS_FILE = "/proc/self/limits";
const LIMITS_FILE_BYTES_MAX = 64 * 1024;

/** The soft "Max open files" limit of this process; null when unknown or unlimited. */
export async function readOpenFilesLimit(fs: FileSystem): Promise<number | null> {
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(LIMITS_FILE);
  } catch (err) {
    // No /proc here (macOS, Windows, the simulation) or no access to it: the limit is unknown.
    if (err instanceof RuntimeIoError) return null;
    throw err;
  }
  if (bytes.length > LIMITS_FILE_BYTES_MAX) return null;
  return parseOpenFilesLimit(new TextDecoder().decode(bytes));
}

/** The soft limit from the text of /proc/self/limits ("Max open files  1024  4096  files"). */
export function parseOpenFilesLimit(text: string): number | null {
  const match = /^Max open files\s+(\S+)\s+(\S+)/m.exec(text);
  if (match === null || !/^\d+$/.test(match[1])) return null;
  const soft = Number(match[1]);
  return Number.isSafeInteger(soft) && soft > 0 ? soft : null;
}

export function defaultOpenFilesMax(processLimit: number | null): number {
  if (processLimit === null) return OPEN_FILES_MAX_UNKNOWN_LIMIT;
  return Math.max(OPEN_FILES_MAX_FLOOR, Math.floor(processLimit / 2));
}

export interface DescriptorReport {
  partitions: number;
  /** Files of all segments (log, offset index, time index): what keeping all open would take. */
  segmentFiles: number;
  openFilesMax: number;
  processLimit: number | null;
}

/** The start-up line `datadir.descriptors`, and a warning when the budget leaves too little. */
export function reportDescriptors(logger: Logger, report: DescriptorReport): void {
  const { partitions, segmentFiles, openFilesMax, processLimit } = report;
  const limitText = processLimit === null ? "unknown" : String(processLimit);
  logger.info(
    "datadir.descriptors",
    `${partitions} partitions with ${segmentFiles} segment files; at most ${openFilesMax} open ` +
      `at once (log.open.files.max), process limit ${limitText}`,
    { partitions, segmentFiles, openFilesMax, processLimit: limitText },
  );
  if (processLimit !== null && processLimit - openFilesMax < DESCRIPTORS_SPARE_MIN) {
    logger.warn(
      "datadir.descriptors_over_limit",
      `log.open.files.max ${openFilesMax} leaves ${processLimit - openFilesMax} of the ` +
        `process limit ${processLimit} for sockets and the runtime: expect EMFILE; raise ` +
        `ulimit -n or lower log.open.files.max`,
      { openFilesMax, processLimit },
    );
  }
}
