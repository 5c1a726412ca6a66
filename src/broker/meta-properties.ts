// dataDir/meta.properties, as Kafka keeps it: which cluster and node a data directory belongs
// to, so a directory is never silently served under another node id or cluster id.
//
//   version=1
//   cluster.id=<id>
//   node.id=<n>
import { TributaryError } from "../model/errors.ts";
import { readSmallTextFile, writeFileAtomic } from "../log/durable-file.ts";
import { joinPath } from "../log/segment-files.ts";
import type { FileSystem, Random } from "../../runtime/types.ts";

export const META_PROPERTIES_FILE = "meta.properties";
const META_BYTES_MAX = 4096;

export interface MetaProperties {
  clusterId: string;
  nodeId: number;
}

/** Kafka-style cluster id: 16 random bytes, base64url without padding (22 characters). */
export function newClusterId(random: Pick<Random, "bytes">): string {
  const b64 = btoa(String.fromCharCode(...random.bytes(16)));
  return b64.replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

export async function readMetaProperties(
  fs: FileSystem,
  dataDir: string,
): Promise<MetaProperties | null> {
  const path = joinPath(dataDir, META_PROPERTIES_FILE);
  const file = await readSmallTextFile(fs, path, META_BYTES_MAX);
  if (file === null) return null;
  const props = new Map<string, string>();
  for (const line of file.text.split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) props.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  const clusterId = props.get("cluster.id");
  const nodeId = Number(props.get("node.id"));
  if (props.get("version") !== "1" || !clusterId || !Number.isSafeInteger(nodeId)) {
    throw new TributaryError("KAFKA_STORAGE_ERROR", `malformed ${path}`);
  }
  return { clusterId, nodeId };
}

/**
 * The directory's identity: created on first use, checked on every later start. A mismatch
 * with the configured node id or cluster id is INVALID_CONFIG.
 */
export async function claimDataDir(
  fs: FileSystem,
  random: Pick<Random, "bytes">,
  dataDir: string,
  wanted: { nodeId: number; clusterId?: string },
): Promise<MetaProperties> {
  const existing = await readMetaProperties(fs, dataDir);
  if (existing !== null) {
    if (existing.nodeId !== wanted.nodeId) {
      throw new TributaryError(
        "INVALID_CONFIG",
        `${dataDir} belongs to node ${existing.nodeId}, not node ${wanted.nodeId}`,
      );
    }
    if (wanted.clusterId !== undefined && wanted.clusterId !== existing.clusterId) {
      throw new TributaryError(
        "INVALID_CONFIG",
        `${dataDir} belongs to cluster ${existing.clusterId}, not ${wanted.clusterId}`,
      );
    }
    return existing;
  }
  const meta = { clusterId: wanted.clusterId ?? newClusterId(random), nodeId: wanted.nodeId };
  const text = `version=1\ncluster.id=${meta.clusterId}\nnode.id=${meta.nodeId}\n`;
  await writeFileAtomic(fs, dataDir, META_PROPERTIES_FILE, new TextEncoder().encode(text));
  return meta;
}
