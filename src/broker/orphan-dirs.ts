// The start-up tidy of the data directory, before any partition opens: finishes interrupted
// deletions and removes partition directories whose topic the committed image does not have (by
// their partition.metadata topic id, so a re-created topic never adopts a stale directory). A
// directory that is not ours, or that cannot be read or removed, is logged and left alone:
// nothing left in the data directory may stop the broker from starting.
import type { Logger } from "../logging/logger.ts";
import { TributaryError } from "../model/errors.ts";
import { type Runtime, RuntimeIoError } from "../../runtime/types.ts";
import { joinPath } from "../log/segment-files.ts";
import type { MetadataImage } from "../metadata/image.ts";
import { METADATA_LOG_DIR, RAFT_METADATA_DIR } from "../metadata/metadata-log.ts";
import {
  deletingDirName,
  isDeletingDirName,
  parsePartitionDirName,
  readPartitionTopicId,
  removePartitionDir,
} from "./partition-dir.ts";

export async function removeOrphanDirs(
  rt: Runtime,
  dataDir: string,
  image: MetadataImage,
  logger: Logger,
): Promise<void> {
  const leftover = (what: "removed" | "kept", dir: string, reason: string, code?: string) => {
    const message = what === "removed"
      ? `removed leftover directory ${dir}: ${reason}`
      : `left unexpected directory ${dir} alone: ${reason}`;
    logger.warn(`topic.leftover_dir_${what}`, message, { dir, reason, code });
  };
  for (const entry of await rt.fs.list(dataDir)) {
    if (!entry.isDirectory) continue;
    if (entry.name === METADATA_LOG_DIR || entry.name === RAFT_METADATA_DIR) continue;
    try {
      await tidyDir(rt, dataDir, image, entry.name, leftover);
    } catch (err) {
      // Storage errors and malformed partition.metadata only; anything else is a bug.
      if (!(err instanceof RuntimeIoError || err instanceof TributaryError)) throw err;
      leftover("kept", entry.name, err.message, err.code);
    }
  }
}

async function tidyDir(
  rt: Runtime,
  dataDir: string,
  image: MetadataImage,
  name: string,
  leftover: (what: "removed" | "kept", dir: string, reason: string) => void,
): Promise<void> {
  const { fs } = rt;
  const path = joinPath(dataDir, name);
  if (isDeletingDirName(name)) {
    await fs.remove(path, { recursive: true });
    leftover("removed", name, "a deletion that did not finish");
    return;
  }
  const parsed = parsePartitionDirName(name);
  if (parsed === null) return leftover("kept", name, "not a partition directory");
  const topic = image.topic(parsed.topic);
  const inTopic = topic !== undefined && parsed.partition < topic.partitions.length;
  const owner = await readPartitionTopicId(fs, path);
  if (owner === null) {
    // A live partition adopts it (writing its partition.metadata); any other is not ours.
    if (!inTopic) leftover("kept", name, "no partition.metadata: not a Tributary partition");
    return;
  }
  if (inTopic && topic.topicId === owner) return;
  await removePartitionDir(
    fs,
    dataDir,
    name,
    deletingDirName(parsed.topic, parsed.partition, owner),
  );
  leftover("removed", name, `partition of a deleted topic (id ${owner})`);
}
