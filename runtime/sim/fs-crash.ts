// What a power cut leaves of an in-memory file system.
//
// Directory entry changes since each directory's last syncDir() survive as an ordered prefix: the
// changes are walked in operation order, each one lands whole or not at all, and once one is lost
// every later change to the same directories is lost too (a journal commits in order). File data
// then survives as each reachable file's durable content plus a random prefix of its unsynced
// writes, the write at the cut possibly torn. Everything is decided by the given Random, so a seed
// replays the same outcome.

import type { CrashCut, FileContent } from "../memory/file-content.ts";
import {
  applyChange,
  type DirChange,
  DirNode,
  type FileNode,
  type FsNode,
} from "../memory/fs-nodes.ts";
import type { Random } from "../types.ts";

export type CrashMode = "lose-all-unsynced" | "random-prefix";

export interface CrashReport {
  /** Directory operations (create, rename, remove) that were pending, and how many landed. */
  dirOpsPending: number;
  dirOpsKept: number;
  /** Unsynced file operations that were pending, kept whole, and torn. */
  fileOpsPending: number;
  fileOpsKept: number;
  tornWrites: number;
}

/** Rebuilds the tree under root after a crash; returns the directories still reachable. */
export function crashTree(
  root: DirNode,
  dirs: Iterable<DirNode>,
  random: Random,
  mode: CrashMode,
): {
  dirs: Set<DirNode>;
  report: CrashReport;
} {
  const report: CrashReport = {
    dirOpsPending: 0,
    dirOpsKept: 0,
    fileOpsPending: 0,
    fileOpsKept: 0,
    tornWrites: 0,
  };
  const tables = surviveDirChanges(dirs, random, mode, report);
  const reachable = new Set<DirNode>();
  const files = new Set<FileNode>();
  const stack: DirNode[] = [root];
  while (stack.length > 0) {
    const dir = stack.pop() as DirNode;
    if (reachable.has(dir)) continue;
    reachable.add(dir);
    const table = tables.get(dir) ?? new Map(dir.durable);
    dir.restore(table);
    for (const name of [...table.keys()].sort()) {
      const node = table.get(name) as FsNode;
      if (node.kind === "dir") stack.push(node);
      else files.add(node);
    }
  }
  for (const file of files) {
    report.fileOpsPending += file.content.unsyncedOps;
    const cut = chooseCut(file.content, random, mode === "lose-all-unsynced");
    report.fileOpsKept += cut.opsKept;
    if (cut.tornBytes > 0) report.tornWrites++;
    file.content.applyCrash(cut);
  }
  return { dirs: reachable, report };
}

/** Picks how much of a file's unsynced tail survives; deterministic given the Random. */
function chooseCut(content: FileContent, random: Random, keepNone: boolean): CrashCut {
  const ops = content.unsyncedOps;
  if (keepNone || ops === 0) return { opsKept: 0, tornBytes: 0 };
  const opsKept = random.int(ops + 1);
  const nextBytes = opsKept < ops ? content.unsyncedWrittenBytes(opsKept) : 0;
  if (nextBytes < 2 || random.int(2) === 0) return { opsKept, tornBytes: 0 };
  return { opsKept, tornBytes: 1 + random.int(nextBytes - 1) };
}

function surviveDirChanges(
  dirs: Iterable<DirNode>,
  random: Random,
  mode: CrashMode,
  report: CrashReport,
): Map<DirNode, Map<string, FsNode>> {
  const tables = new Map<DirNode, Map<string, FsNode>>();
  const bySeq = new Map<number, Array<{ dir: DirNode; change: DirChange }>>();
  for (const dir of dirs) {
    tables.set(dir, new Map(dir.durable));
    for (const change of dir.pending) {
      const group = bySeq.get(change.seq) ?? [];
      group.push({ dir, change });
      bySeq.set(change.seq, group);
    }
  }
  // One survival odds per crash: some crashes keep most of the journal, others almost nothing.
  const keepOdds = mode === "lose-all-unsynced" ? 0 : random.float();
  const cut = new Set<DirNode>();
  for (const seq of [...bySeq.keys()].sort((a, b) => a - b)) {
    const group = bySeq.get(seq) as Array<{ dir: DirNode; change: DirChange }>;
    report.dirOpsPending++;
    const blocked = group.some(({ dir }) => cut.has(dir));
    if (blocked || !(random.float() < keepOdds)) {
      for (const { dir } of group) cut.add(dir);
      continue;
    }
    report.dirOpsKept++;
    for (const { dir, change } of group) {
      applyChange(tables.get(dir) as Map<string, FsNode>, change);
    }
  }
  return tables;
}
