// Reads for HTTP members in a cluster. The group's coordinator consumes for its HTTP members, but
// the partitions assigned to them are led by any broker, and only a leader serves reads. So a
// fetch is split by partition leader: partitions led here (or whose leader is unknown: the local
// broker answers for them, e.g. NOT_LEADER_OR_FOLLOWER) are read locally, the others from their
// leaders over the broker links (`remoteFetch`, a Fetch on the leader's broker listener).
//
// The answer comes as soon as one part has records, or once every part is done, so records of
// one partition are not held back by a long poll waiting on another broker. Parts still waiting
// are left behind (a local one is aborted): nothing is lost, since a member's positions move only
// by the records handed out. A part that fails answers its partitions with the failure's code,
// which HttpMembers treats as "not readable this time" when it is a leadership or network one.
import type { FetchPartitionResult, FetchRequest } from "../broker/types.ts";
import { TributaryError } from "../model/errors.ts";
import type { HttpMembersBroker } from "./http-members.ts";

export interface LeaderFetchDeps {
  nodeId: number;
  /** This broker: its own partitions' reads and offsets. */
  local: HttpMembersBroker;
  /** The leader's broker id, or -1 when there is none (or the partition is unknown). */
  leaderOf(topic: string, partition: number): number;
  /** A Fetch sent to another broker's listener; answers one result per requested partition. */
  remoteFetch(leaderId: number, request: FetchRequest): Promise<FetchPartitionResult[]>;
}

export function leaderRoutedBroker(deps: LeaderFetchDeps): HttpMembersBroker {
  return {
    partitionOffsets: (topic, partition) => deps.local.partitionOffsets(topic, partition),
    fetch: (request) => fetchFromLeaders(deps, request),
  };
}

async function fetchFromLeaders(
  deps: LeaderFetchDeps,
  request: FetchRequest,
): Promise<FetchPartitionResult[]> {
  const byLeader = new Map<number, FetchRequest["partitions"]>();
  for (const p of request.partitions) {
    const leader = deps.leaderOf(p.topic, p.partition);
    const at = leader < 0 || leader === deps.nodeId ? deps.nodeId : leader;
    const list = byLeader.get(at);
    if (list === undefined) byLeader.set(at, [p]);
    else list.push(p);
  }
  if (byLeader.size === 1 && byLeader.has(deps.nodeId)) return await deps.local.fetch(request);
  const aborter = new AbortController();
  const onAbort = () => aborter.abort(request.signal?.reason);
  request.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    return await firstWithRecords(
      [...byLeader].map(([leader, partitions]) => {
        const part: FetchRequest = { ...request, partitions, signal: aborter.signal };
        const answer = leader === deps.nodeId
          ? deps.local.fetch(part)
          : deps.remoteFetch(leader, { ...part, signal: undefined });
        return answer.then(undefined, (err: unknown) => failed(partitions, err));
      }),
    );
  } finally {
    request.signal?.removeEventListener("abort", onAbort);
    aborter.abort("answered");
  }
}

/** Every part's results once all are in, or those in so far once one has records. */
function firstWithRecords(
  parts: Promise<FetchPartitionResult[]>[],
): Promise<FetchPartitionResult[]> {
  return new Promise((resolve) => {
    const results: FetchPartitionResult[] = [];
    let pending = parts.length;
    for (const part of parts) {
      void part.then((answer) => {
        results.push(...answer);
        pending--;
        if (pending === 0 || answer.some((r) => r.records.length > 0)) resolve([...results]);
      });
    }
  });
}

function failed(partitions: FetchRequest["partitions"], err: unknown): FetchPartitionResult[] {
  const code = err instanceof TributaryError ? err.code : "UNKNOWN_SERVER_ERROR";
  const message = err instanceof Error ? err.message : String(err);
  return partitions.map((p) => ({
    topic: p.topic,
    partition: p.partition,
    error: code,
    errorMessage: message,
    highWatermark: -1,
    logStartOffset: -1,
    records: new Uint8Array(0),
  }));
}
