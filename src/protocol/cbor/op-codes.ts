// The numbers operations travel under: the one place a code is given out, so two operations
// never share one. Each operation's bodies, grammar and validators live in ops/<op-name>.ts and
// ops/index.ts ties them to these names; the envelope around them is envelope.ts.

/** Numeric operation codes. Ranges not listed here are reserved (see OP_RESERVED_RANGES). */
export const Op = {
  ApiVersions: 1,
  Metadata: 2,
  CreateTopics: 3,
  DeleteTopics: 4,
  DescribeTopics: 5,
  ListTopics: 6,
  Produce: 10,
  Fetch: 11,
  ListOffsets: 12,
  InitProducerId: 13,
  FindCoordinator: 20,
  ConsumerGroupHeartbeat: 21,
  LeaveGroup: 22,
  OffsetCommit: 23,
  OffsetFetch: 24,
  ListGroups: 25,
  DescribeGroups: 26,
  ResetOffsets: 27,
  DeleteGroups: 28,
  // Cluster: follower -> partition leader (broker listener).
  ReplicaFetch: 40,
  OffsetForLeaderEpoch: 41,
  // Cluster: broker -> active controller, and controller -> controller (controller listener).
  BrokerRegistration: 42,
  BrokerHeartbeat: 43,
  MetadataFetch: 44,
  AlterPartition: 45,
  ControllerCreateTopics: 46,
  ControllerDeleteTopics: 47,
  ControllerCreatePartitions: 48,
  AllocateProducerIds: 49,
  ElectLeaders: 50,
  RaftMessage: 51,
  ControllerReassignPartitions: 52,
  ControllerAlterConfigs: 53,
} as const;

export type OpName = keyof typeof Op;
export type OpCode = (typeof Op)[OpName];

/** Code ranges set aside for operations that come later; no server answers them yet. */
export const OP_RESERVED_RANGES = [
  { from: 0, to: 0, purpose: "never used (catches zeroed frames)" },
  { from: 7, to: 9, purpose: "further topic administration (configs, partitions, delete records)" },
  { from: 14, to: 19, purpose: "further data-path operations" },
  { from: 29, to: 39, purpose: "further consumer-group operations" },
  { from: 54, to: 59, purpose: "further cluster operations (quorum membership)" },
  { from: 60, to: 69, purpose: "authentication (SASL handshake, SASL authenticate)" },
  { from: 70, to: 99, purpose: "transactions" },
] as const;

const OP_NAMES_BY_CODE: ReadonlyMap<number, OpName> = new Map(
  (Object.keys(Op) as OpName[]).map((name) => [Op[name], name]),
);

export function opName(code: number): OpName | undefined {
  return OP_NAMES_BY_CODE.get(code);
}

/** Operations answered with nothing, ever: a failure is dropped and counted, not sent back. */
export const ONE_WAY_OPS: ReadonlySet<OpName> = new Set<OpName>(["RaftMessage"]);

/** What a controller listener serves: the handshake, and the controller's operations. */
export const CONTROLLER_LISTENER_OPS: readonly OpName[] = [
  "ApiVersions",
  "BrokerRegistration",
  "BrokerHeartbeat",
  "MetadataFetch",
  "AlterPartition",
  "ControllerCreateTopics",
  "ControllerDeleteTopics",
  "ControllerCreatePartitions",
  "AllocateProducerIds",
  "ElectLeaders",
  "RaftMessage",
  "ControllerReassignPartitions",
  "ControllerAlterConfigs",
];

/** Which operations a listener serves ("broker": every one; "controller": see above). */
export type ListenerOps = "broker" | "controller";

export function opsServedBy(kind: ListenerOps): readonly OpName[] {
  return kind === "controller" ? CONTROLLER_LISTENER_OPS : (Object.keys(Op) as OpName[]);
}
