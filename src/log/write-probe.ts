// The smallest write that proves a log dir takes data again after ENOSPC: a few KiB written to a
// temp file next to the segments, fsynced and removed. Its name ends in TEMP_SUFFIX, so one a
// crash leaves behind is removed at the next open like any other temp file.

import type { FileSystem } from "../../runtime/types.ts";
import { joinPath, TEMP_SUFFIX } from "./segment-files.ts";

/** Bytes the probe writes: room for a small batch, so a probe that passes means appends can. */
export const WRITE_PROBE_BYTES = 4096;

export async function probeWrite(fs: FileSystem, dir: string): Promise<void> {
  const path = joinPath(dir, `write-probe${TEMP_SUFFIX}`);
  const file = await fs.open(path, { create: true, write: true, truncate: true });
  try {
    await file.writeAt(new Uint8Array(WRITE_PROBE_BYTES), 0);
    await file.sync();
  } finally {
    await file.close();
    await fs.remove(path);
  }
}
