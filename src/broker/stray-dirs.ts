// Stray replicas: the directory of a partition this broker is no longer a replica of, left on
// disk because the change (a reassignment that moved the replica away) committed while the
// broker was down, so no live catalog saw it happen. Kafka finds such "stray" logs once the
// broker has caught up with the metadata log (KIP-858) and deletes them; so does this, but only
// when called with an image that has caught up (the broker is unfenced): an older image could
// name a replica that later moved back here, and its data must stay. A directory that is not
// ours (no or another topic's partition.metadata) is left to orphan-dirs.ts at the next start.
import type { Logger } from "../logging/logger.ts";
import { TributaryError } from "../model/errors.ts";
import { type Runtime, RuntimeIoError } from "../../runtime/types.ts";
import { joinPath } from "../log/segment-files.ts";
import type { MetadataImage } from "../metadata/image.ts";
import {
  deletingDirName,
  isDeletingDirName,
  parsePartitionDirName,
  readPartitionTopicId,
  removePartitionDir,
  STRAY_DIR_SUFFIX,
} from "./partition-dir.ts";

export interface StraySweep {
  dataDir: string;
  nodeId: number;
  /** The caught-up image the broker serves from. */
  image: MetadataImage;
  /** True for a partition open here: never removed, whatever the image says. */
  hosted: (topic: string, partition: number) => boolean;
  logger: Logger;
}

/** Renames each stray directory to `<dir>.<id>-stray`, then removes it; answers their names. */
export async function removeStrayDirs(rt: Runtime, sweep: StraySweep): Promise<string[]> {
  const removed: string[] = [];
  for (const entry of await rt.fs.list(sweep.dataDir)) {
    if (!entry.isDirectory || isDeletingDirName(entry.name)) continue;
    try {
      if (await removeIfStray(rt, sweep, entry.name)) removed.push(entry.name);
    } catch (err) {
      // Storage errors and malformed partition.metadata only; anything else is a bug.
      if (!(err instanceof RuntimeIoError || err instanceof TributaryError)) throw err;
      sweep.logger.warn(
        "replica.stray_kept",
        `left directory ${entry.name} alone: ${err.message}`,
        { dir: entry.name, code: err.code },
      );
    }
  }
  return removed;
}

async function removeIfStray(rt: Runtime, sweep: StraySweep, name: string): Promise<boolean> {
  const parsed = parsePartitionDirName(name);
  if (parsed === null) return false;
  const topic = sweep.image.topic(parsed.topic);
  const partition = topic?.partitions[parsed.partition];
  if (topic === undefined || partition === undefined) return false;
  if (partition.replicas.includes(sweep.nodeId)) return false;
  if (sweep.hosted(parsed.topic, parsed.partition)) return false;
  const owner = await readPartitionTopicId(rt.fs, joinPath(sweep.dataDir, name));
  if (owner !== topic.topicId) return false;
  await removePartitionDir(
    rt.fs,
    sweep.dataDir,
    name,
    deletingDirName(parsed.topic, parsed.partition, owner, STRAY_DIR_SUFFIX),
  );
  sweep.logger.info(
    "replica.stray_removed",
    `removed ${name}: this broker is not a replica of it (replicas ${
      partition.replicas.join(",")
    })`,
    { dir: name, topic: parsed.topic, partition: parsed.partition, topicId: owner },
  );
  return true;
}
