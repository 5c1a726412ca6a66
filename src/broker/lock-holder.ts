// Who holds a lock file (dataDir/.lock and its takeover files), as a few `key=value` lines:
//
//   pid=12345
//   start.time=<host token: boot id and start ticks on Linux; empty when the host cannot tell>
//   runtime=node
//   nonce=<16 hex digits, unique per claim>
//
// A holder is live while its pid runs with the start time it recorded: a dead pid, or a live pid
// that started at another time (a reused pid), is stale. The nonce tells two claims by the same
// process apart, so a lock file's bytes identify one claim.
import type { HostProcess } from "../../runtime/types.ts";

export interface LockHolder {
  pid: number;
  startTime: string | null;
  runtime: string;
  nonce: string;
}

/** Longest holder text accepted; a longer file is not ours and counts as unreadable. */
export const HOLDER_BYTES_MAX = 1024;

export function formatHolder(holder: LockHolder): Uint8Array {
  const text = `pid=${holder.pid}\nstart.time=${holder.startTime ?? ""}\n` +
    `runtime=${holder.runtime}\nnonce=${holder.nonce}\n`;
  return new TextEncoder().encode(text);
}

/** The holder a lock file names, or null when its bytes are not a holder (torn by a crash). */
export function parseHolder(bytes: Uint8Array): LockHolder | null {
  if (bytes.length > HOLDER_BYTES_MAX) return null;
  const props = new Map<string, string>();
  for (const line of new TextDecoder().decode(bytes).split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) props.set(line.slice(0, eq), line.slice(eq + 1));
  }
  const pid = Number(props.get("pid"));
  const nonce = props.get("nonce");
  if (!Number.isSafeInteger(pid) || pid <= 0 || !nonce) return null;
  const startTime = props.get("start.time");
  return {
    pid,
    startTime: startTime ? startTime : null,
    runtime: props.get("runtime") || "?",
    nonce,
  };
}

export type Staleness = "live" | "dead" | "pid-reused";

export async function stalenessOf(
  host: Pick<HostProcess, "processStatus">,
  holder: LockHolder,
): Promise<Staleness> {
  const status = await host.processStatus(holder.pid);
  if (!status.alive) return "dead";
  // Without a start time on either side a live pid has to be taken at its word.
  if (holder.startTime === null || status.startTime === null) return "live";
  return status.startTime === holder.startTime ? "live" : "pid-reused";
}
