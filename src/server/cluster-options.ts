// What `serve` hands the cluster composition (issue 11): one node's place in a cluster, parsed
// and checked by src/cli/cluster-config.ts from flags and config keys (Kafka's names). Without
// a quorum there is no ClusterServeOptions and `serve` runs today's single node.

export type ProcessRole = "broker" | "controller";

/** One entry of controller.quorum.voters: `id@host:port`. */
export interface QuorumVoter {
  id: number;
  host: string;
  port: number;
}

export interface ClusterServeOptions {
  /** node.id: given explicitly in a cluster (every node needs its own). */
  nodeId: number;
  /** process.roles: broker, controller or both, each once. */
  processRoles: readonly ProcessRole[];
  /** controller.quorum.voters, in the order given; ids and host:port pairs are unique. */
  voters: readonly QuorumVoter[];
  /** controller.port: what this node's controller listener binds; null unless a controller. */
  controllerPort: number | null;
  /** broker.rack, or null. */
  rack: string | null;
  /** advertised.host: the host other nodes and clients reach this one at; null: the bind host. */
  advertisedHost: string | null;
  brokerSessionTimeoutMs: number;
  brokerHeartbeatIntervalMs: number;
  replicaLagTimeMaxMs: number;
  /** min.insync.replicas: the broker-wide default of the topic config. */
  minInsyncReplicas: number;
  /** default.replication.factor: topics created without one. */
  defaultReplicationFactor: number;
  offsetsTopicReplicationFactor: number;
  /** Only false exists: a replica outside the ISR never becomes leader. */
  uncleanLeaderElectionEnable: false;
  autoLeaderRebalanceEnable: boolean;
  controlledShutdownEnable: boolean;
}

/**
 * The cluster settings as read, before checking (flags override the config file). The serve
 * config carries them under `cluster`; src/cli/cluster-config.ts resolves them.
 */
export interface ClusterSettings {
  processRoles?: string;
  quorumVoters?: string;
  controllerPort?: number;
  rack?: string;
  advertisedHost?: string;
  brokerSessionTimeoutMs?: number;
  brokerHeartbeatIntervalMs?: number;
  replicaLagTimeMaxMs?: number;
  minInsyncReplicas?: number;
  defaultReplicationFactor?: number;
  offsetsTopicReplicationFactor?: number;
  uncleanLeaderElectionEnable?: boolean;
  autoLeaderRebalanceEnable?: boolean;
  controlledShutdownEnable?: boolean;
}
