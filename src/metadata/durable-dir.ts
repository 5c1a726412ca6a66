// Creating a directory is only durable once the directory holding it is fsynced: otherwise a
// power cut can take the new entry (and everything written below it) away even though the
// files inside were synced. Used for the data dir, the metadata log and partition directories.
import type { FileSystem } from "../../runtime/types.ts";
import { parentPath } from "../log/segment-files.ts";

/** Directory levels created at once; deeper paths are a configuration mistake. */
const DEPTH_MAX = 64;

/** Like parentPath, but a relative name without a slash lives in ".". */
function parentOf(path: string): string {
  return path.includes("/") ? parentPath(path) : ".";
}

/** mkdir -p, then fsync the parent of every directory it created, deepest first. */
export async function mkdirDurable(fs: FileSystem, path: string): Promise<void> {
  const missing: string[] = [];
  let at = path;
  while (missing.length < DEPTH_MAX && !(await fs.exists(at))) {
    missing.push(at);
    const parent = parentOf(at);
    if (parent === at) break;
    at = parent;
  }
  if (missing.length === 0) return;
  await fs.mkdirp(path);
  for (const dir of missing) await fs.syncDir(parentOf(dir));
}
