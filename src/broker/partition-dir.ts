// Partition directories, laid out as Kafka does: dataDir/<topic>-<partition>. Each holds the
// log's files plus partition.metadata naming the topic id it belongs to, so a directory left
// behind by a deleted topic is recognised and never adopted by a new topic of the same name.
// Deletion renames first to <topic>-<partition>.<id>-delete (one atomic step that takes the
// directory out of service; the topic part shortened to fit 255 bytes), then removes it;
// start-up finishes removals a crash interrupted.
import { TributaryError } from "../model/errors.ts";
import { readSmallTextFile, writeFileAtomic } from "../log/durable-file.ts";
import { joinPath } from "../log/segment-files.ts";
import type { FileSystem } from "../../runtime/types.ts";

export const PARTITION_METADATA_FILE = "partition.metadata";
export const DELETE_DIR_SUFFIX = "-delete";
/** A replica this broker no longer holds, found at start-up (Kafka's "stray" logs, KIP-858). */
export const STRAY_DIR_SUFFIX = "-stray";
const METADATA_BYTES_MAX = 256;
const DIR_NAME = /^(.+)-(\d{1,9})$/;
/** NAME_MAX: the longest file or directory name, in bytes. <topic>-<partition> fits (249 + 5). */
export const DIR_NAME_BYTES_MAX = 255;
const utf8 = new TextEncoder();

export function partitionDirName(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

export function partitionDir(dataDir: string, topic: string, partition: number): string {
  return joinPath(dataDir, partitionDirName(topic, partition));
}

/** The topic and partition a directory name stands for, or null when it is not one. */
export function parsePartitionDirName(name: string): { topic: string; partition: number } | null {
  const match = DIR_NAME.exec(name);
  return match === null ? null : { topic: match[1], partition: Number(match[2]) };
}

/** A directory on its way out: a deletion or a stray removal a crash interrupted. */
export function isDeletingDirName(name: string): boolean {
  return name.endsWith(DELETE_DIR_SUFFIX) || name.endsWith(STRAY_DIR_SUFFIX);
}

/**
 * `<topic>-<partition>.<topic id>-delete` (or `-stray`), with the topic cut short (as Kafka does) so the name
 * fits NAME_MAX: a 249-character topic would otherwise make the rename fail with ENAMETOOLONG.
 * Only the suffix is ever parsed back; the id keeps names of one topic's partitions distinct.
 */
export function deletingDirName(
  topic: string,
  partition: number,
  topicId: string,
  kind: typeof DELETE_DIR_SUFFIX | typeof STRAY_DIR_SUFFIX = DELETE_DIR_SUFFIX,
): string {
  const suffix = `-${partition}.${topicId.replaceAll("-", "")}${kind}`;
  let prefix = topic.slice(0, Math.max(0, DIR_NAME_BYTES_MAX - suffix.length));
  // Topic names are ASCII; a foreign non-ASCII directory name may need more cutting.
  while (utf8.encode(prefix + suffix).length > DIR_NAME_BYTES_MAX) prefix = prefix.slice(0, -1);
  return prefix + suffix;
}

/** The topic id recorded in a partition directory, or null when it has none. */
export async function readPartitionTopicId(fs: FileSystem, dir: string): Promise<string | null> {
  const path = joinPath(dir, PARTITION_METADATA_FILE);
  const file = await readSmallTextFile(fs, path, METADATA_BYTES_MAX);
  if (file === null) return null;
  const match = /^version: 0\ntopic_id: ([0-9a-f-]{36})\n$/.exec(file.text);
  if (match === null) {
    throw new TributaryError("KAFKA_STORAGE_ERROR", `malformed ${path} (${file.byteLength} bytes)`);
  }
  return match[1];
}

export async function writePartitionTopicId(
  fs: FileSystem,
  dir: string,
  topicId: string,
): Promise<void> {
  const text = `version: 0\ntopic_id: ${topicId}\n`;
  await writeFileAtomic(fs, dir, PARTITION_METADATA_FILE, new TextEncoder().encode(text));
}

/** Takes a partition directory out of service atomically, then removes it. */
export async function removePartitionDir(
  fs: FileSystem,
  dataDir: string,
  dirName: string,
  deletingName: string,
): Promise<void> {
  const from = joinPath(dataDir, dirName);
  const to = joinPath(dataDir, deletingName);
  if (await fs.exists(from)) {
    await fs.rename(from, to);
    await fs.syncDir(dataDir);
  }
  await fs.remove(to, { recursive: true });
}
