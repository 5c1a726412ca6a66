// The leader-epoch checkpoint file, leader-epoch-checkpoint in the partition directory. Its
// format is Kafka's (so an operator who knows Kafka can read it), text:
//
//   0                  format version
//   2                  number of entries
//   0 0                "epoch startOffset", oldest first, both strictly increasing
//   3 1200
//
// It is replaced atomically (durable-file.ts: temp file, fsync, rename, fsync the directory),
// so a crash leaves the old or the new file, never a torn one. Unlike log.checkpoint, a file
// that does not parse is not fatal: the batches carry their partitionLeaderEpoch, so the cache
// is rebuilt from a scan of the log (leader-epoch-store.ts). There is no CRC: a flipped digit
// that still parses as increasing entries would pass, the same exposure Kafka's file has.

import type { FileSystem } from "../../runtime/types.ts";
import { readSmallTextFile, writeFileAtomic } from "./durable-file.ts";
import { checkEntries, type EpochEntry } from "./leader-epoch-cache.ts";
import { joinPath } from "./segment-files.ts";

export const LEADER_EPOCH_CHECKPOINT_FILE = "leader-epoch-checkpoint";
const FORMAT_VERSION = 0;
/** About 40,000 entries: far more leader changes than a partition's retained log sees. */
const CHECKPOINT_BYTES_MAX = 1024 * 1024;
const ENTRY_LINE = /^(\d{1,10}) (\d{1,16})$/;

export type EpochCheckpointRead =
  | { kind: "missing" }
  | { kind: "corrupt"; detail: string }
  | { kind: "ok"; entries: EpochEntry[] };

export function formatEpochCheckpoint(entries: readonly EpochEntry[]): string {
  checkEntries(entries);
  const lines = [String(FORMAT_VERSION), String(entries.length)];
  for (const e of entries) lines.push(`${e.epoch} ${e.startOffset}`);
  return lines.join("\n") + "\n";
}

/** The entries of a checkpoint's text, or why it is not one. */
export function parseEpochCheckpoint(
  text: string,
): { entries: EpochEntry[] } | { detail: string } {
  if (!text.endsWith("\n")) return { detail: "no final newline" };
  const lines = text.slice(0, -1).split("\n");
  if (lines[0] !== String(FORMAT_VERSION)) return { detail: `version line "${lines[0]}"` };
  if (!/^\d{1,8}$/.test(lines[1] ?? "")) return { detail: `count line "${lines[1]}"` };
  const count = Number(lines[1]);
  if (lines.length !== count + 2) {
    return { detail: `${lines.length - 2} entry lines, count says ${count}` };
  }
  const entries: EpochEntry[] = [];
  for (let i = 2; i < lines.length; i++) {
    const match = ENTRY_LINE.exec(lines[i]);
    const entry = match === null
      ? null
      : { epoch: Number(match[1]), startOffset: Number(match[2]) };
    if (entry === null || entry.epoch > 0x7fffffff || !Number.isSafeInteger(entry.startOffset)) {
      return { detail: `entry line ${i - 1} "${lines[i].slice(0, 40)}"` };
    }
    entries.push(entry);
  }
  try {
    checkEntries(entries);
  } catch (err) {
    return { detail: err instanceof Error ? err.message : String(err) };
  }
  return { entries };
}

export async function readEpochCheckpoint(
  fs: FileSystem,
  dir: string,
): Promise<EpochCheckpointRead> {
  const file = await readSmallTextFile(
    fs,
    joinPath(dir, LEADER_EPOCH_CHECKPOINT_FILE),
    CHECKPOINT_BYTES_MAX,
  );
  if (file === null) return { kind: "missing" };
  if (file.text === "") return { kind: "corrupt", detail: `${file.byteLength} bytes` };
  const parsed = parseEpochCheckpoint(file.text);
  return "entries" in parsed
    ? { kind: "ok", entries: parsed.entries }
    : { kind: "corrupt", detail: parsed.detail };
}

export async function writeEpochCheckpoint(
  fs: FileSystem,
  dir: string,
  entries: readonly EpochEntry[],
): Promise<void> {
  const bytes = new TextEncoder().encode(formatEpochCheckpoint(entries));
  await writeFileAtomic(fs, dir, LEADER_EPOCH_CHECKPOINT_FILE, bytes);
}
