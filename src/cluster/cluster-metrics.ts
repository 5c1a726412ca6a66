// A cluster node's gauges (issue 11 §4): replication health from the replica manager, the
// controller quorum's state from the Raft driver, and this broker's membership. All are read
// at scrape time, so nothing here keeps state of its own.
import type { MetricsRegistry } from "../metrics/registry.ts";
import type { ReplicaManager } from "../replication/manager/replica-manager.ts";
import type { BrokerMembership } from "./broker-membership.ts";
import type { ControllerNode } from "./controller-node.ts";

const ROLES = ["follower", "preCandidate", "candidate", "leader"] as const;

export function registerClusterMetrics(
  registry: MetricsRegistry,
  parts: {
    replicas: ReplicaManager;
    membership: BrokerMembership;
    controller: ControllerNode | null;
  },
): void {
  const one = (value: number) => () => [{ labels: {}, value }];
  const replication = () => parts.replicas.metrics();
  const gauge = (name: string, help: string, read: () => number) =>
    registry.gauge(name, help, [], () => one(read())());
  gauge(
    "tributary_under_replicated_partitions",
    "Partitions this broker leads whose ISR is smaller than their replica set.",
    () => replication().underReplicatedPartitions,
  );
  gauge(
    "tributary_under_min_isr_partitions",
    "Partitions this broker leads whose ISR is below min.insync.replicas.",
    () => replication().underMinIsrPartitions,
  );
  gauge(
    "tributary_offline_replicas",
    "Replicas on this broker taken offline (a storage failure or a broken invariant).",
    () => replication().offlinePartitions,
  );
  gauge(
    "tributary_leader_partitions",
    "Partitions this broker leads.",
    () => replication().leaderPartitions,
  );
  gauge(
    "tributary_isr_shrinks_total",
    "ISR shrinks this broker proposed as leader since start.",
    () => replication().isrShrinks,
  );
  gauge(
    "tributary_isr_expands_total",
    "ISR expansions this broker proposed as leader since start.",
    () => replication().isrExpands,
  );
  gauge(
    "tributary_replica_truncations_below_hw_total",
    "Follower truncations below the local high watermark (records lost with a power-cut leader).",
    () => replication().truncationsBelowHighWatermark,
  );
  gauge(
    "tributary_replica_fetch_lag_max",
    "The largest (leader log end - own log end) over the partitions this broker follows.",
    () => replication().fetchLagMax,
  );
  gauge(
    "tributary_broker_fenced",
    "1 while the controller keeps this broker fenced (it leads nothing).",
    () => (parts.membership.state.fenced ? 1 : 0),
  );
  gauge(
    "tributary_metadata_applied_offset",
    "The last committed metadata offset this broker applied.",
    () => parts.membership.committed.committedOffset,
  );
  const controller = parts.controller;
  if (controller === null) return;
  gauge(
    "tributary_raft_term",
    "The controller quorum's current Raft term as this node knows it.",
    () => controller.status().term,
  );
  gauge(
    "tributary_raft_commit_lag",
    "Raft log entries this controller holds that are not committed yet.",
    () => {
      const s = controller.status();
      return Math.max(0, s.lastIndex - s.commitIndex);
    },
  );
  gauge(
    "tributary_controller_active",
    "1 on the active controller (the Raft leader that has applied its own term's first entry).",
    () => (controller.status().active ? 1 : 0),
  );
  registry.gauge(
    "tributary_raft_role",
    "1 for this controller's current Raft role.",
    ["role"],
    () => {
      const role = controller.status().role;
      return ROLES.map((r) => ({ labels: { role: r }, value: r === role ? 1 : 0 }));
    },
  );
}
