// How a cluster node's HTTP members read (src/coordinator/leader-fetch.ts): partitions led here
// from the local broker, the others with a Fetch to their leader over the broker links.
import type { Broker } from "../broker/broker.ts";
import type { FetchPartitionResult, FetchRequest } from "../broker/types.ts";
import type { PeerLinks } from "../cluster/peer-links.ts";
import type { HttpMembersBroker } from "../coordinator/http-members.ts";
import { leaderRoutedBroker } from "../coordinator/leader-fetch.ts";

export function httpMemberReads(
  broker: Broker,
  links: PeerLinks,
  options: { nodeId: number; peerRequestTimeoutMs: number },
): HttpMembersBroker {
  // A remote long poll must answer well inside the link's request timeout.
  const remoteWaitMsMax = Math.max(0, options.peerRequestTimeoutMs - 1_000);
  return leaderRoutedBroker({
    nodeId: options.nodeId,
    local: broker,
    leaderOf: (topic, partition) => {
      const p = broker.metadata([topic]).topics[0]?.partitions.find((x) =>
        x.partition === partition
      );
      return p?.leader ?? -1;
    },
    remoteFetch: async (leaderId, request: FetchRequest): Promise<FetchPartitionResult[]> => {
      const answer = await links.request(leaderId, "Fetch", {
        maxWaitMs: Math.min(request.maxWaitMs, remoteWaitMsMax),
        minBytes: request.minBytes,
        maxBytes: request.maxBytes,
        partitions: request.partitions.map((p) => ({
          topic: p.topic,
          partition: p.partition,
          offset: p.offset,
          maxBytes: p.maxBytes,
        })),
      });
      return answer.partitions.map((r) => {
        const result: FetchPartitionResult = {
          topic: r.topic,
          partition: r.partition,
          highWatermark: r.highWatermark,
          logStartOffset: r.logStartOffset,
          records: r.records,
        };
        if (r.error !== null) {
          result.error = r.error.code;
          result.errorMessage = r.error.message;
        }
        return result;
      });
    },
  });
}
