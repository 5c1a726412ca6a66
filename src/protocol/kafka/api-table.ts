// The APIs this listener serves and the versions it advertises in ApiVersions. Only versions
// implemented completely are listed (clients trust the advertised maximum; librdkafka's feature
// gates also read the minimums, docs/kafka.md). firstFlexible is the first version that uses
// the KIP-482 encodings and request header v2 / response header v1 (from Kafka's message
// schemas' flexibleVersions).

export const ApiKey = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  JoinGroup: 11,
  Heartbeat: 12,
  LeaveGroup: 13,
  SyncGroup: 14,
  DescribeGroups: 15,
  ListGroups: 16,
  ApiVersions: 18,
  // Admin, producer-id, epoch and SASL APIs (kept in their own block).
  SaslHandshake: 17,
  CreateTopics: 19,
  DeleteTopics: 20,
  DeleteRecords: 21,
  InitProducerId: 22,
  OffsetForLeaderEpoch: 23,
  DescribeConfigs: 32,
  AlterConfigs: 33,
  SaslAuthenticate: 36,
  CreatePartitions: 37,
  IncrementalAlterConfigs: 44,
  DeleteGroups: 42,
} as const;

export interface ApiEntry {
  key: number;
  name: string;
  minVersion: number;
  maxVersion: number;
  /** The first flexible version of the API in Kafka (not necessarily one we advertise). */
  firstFlexible: number;
}

/** firstFlexible of an API with no flexible version (SaslHandshake). */
const NEVER_FLEXIBLE = 0x7fff;

// Admin, producer-id, epoch and SASL APIs. Minimums stay at 0: librdkafka's feature gates
// need SaslHandshake 0 and InitProducerId 0 inside the range.
const ADMIN_APIS: readonly ApiEntry[] = [
  {
    key: ApiKey.SaslHandshake,
    name: "SaslHandshake",
    minVersion: 0,
    maxVersion: 1,
    firstFlexible: NEVER_FLEXIBLE,
  },
  {
    key: ApiKey.CreateTopics,
    name: "CreateTopics",
    minVersion: 0,
    maxVersion: 7,
    firstFlexible: 5,
  },
  {
    key: ApiKey.DeleteTopics,
    name: "DeleteTopics",
    minVersion: 0,
    maxVersion: 6,
    firstFlexible: 4,
  },
  {
    key: ApiKey.DeleteRecords,
    name: "DeleteRecords",
    minVersion: 0,
    maxVersion: 2,
    firstFlexible: 2,
  },
  {
    key: ApiKey.InitProducerId,
    name: "InitProducerId",
    minVersion: 0,
    maxVersion: 4,
    firstFlexible: 2,
  },
  {
    key: ApiKey.OffsetForLeaderEpoch,
    name: "OffsetForLeaderEpoch",
    minVersion: 0,
    maxVersion: 4,
    firstFlexible: 4,
  },
  {
    key: ApiKey.DescribeConfigs,
    name: "DescribeConfigs",
    minVersion: 0,
    maxVersion: 4,
    firstFlexible: 4,
  },
  {
    key: ApiKey.AlterConfigs,
    name: "AlterConfigs",
    minVersion: 0,
    maxVersion: 2,
    firstFlexible: 2,
  },
  {
    key: ApiKey.SaslAuthenticate,
    name: "SaslAuthenticate",
    minVersion: 0,
    maxVersion: 2,
    firstFlexible: 2,
  },
  {
    key: ApiKey.CreatePartitions,
    name: "CreatePartitions",
    minVersion: 0,
    maxVersion: 3,
    firstFlexible: 2,
  },
  {
    key: ApiKey.IncrementalAlterConfigs,
    name: "IncrementalAlterConfigs",
    minVersion: 0,
    maxVersion: 1,
    firstFlexible: 1,
  },
];

export const API_TABLE: readonly ApiEntry[] = [
  { key: ApiKey.Produce, name: "Produce", minVersion: 0, maxVersion: 9, firstFlexible: 9 },
  { key: ApiKey.Fetch, name: "Fetch", minVersion: 2, maxVersion: 15, firstFlexible: 12 },
  { key: ApiKey.ListOffsets, name: "ListOffsets", minVersion: 1, maxVersion: 6, firstFlexible: 6 },
  { key: ApiKey.Metadata, name: "Metadata", minVersion: 0, maxVersion: 12, firstFlexible: 9 },
  {
    key: ApiKey.OffsetCommit,
    name: "OffsetCommit",
    minVersion: 2,
    maxVersion: 8,
    firstFlexible: 8,
  },
  { key: ApiKey.OffsetFetch, name: "OffsetFetch", minVersion: 1, maxVersion: 8, firstFlexible: 6 },
  {
    key: ApiKey.FindCoordinator,
    name: "FindCoordinator",
    minVersion: 0,
    maxVersion: 4,
    firstFlexible: 3,
  },
  { key: ApiKey.JoinGroup, name: "JoinGroup", minVersion: 0, maxVersion: 9, firstFlexible: 6 },
  { key: ApiKey.Heartbeat, name: "Heartbeat", minVersion: 0, maxVersion: 4, firstFlexible: 4 },
  { key: ApiKey.LeaveGroup, name: "LeaveGroup", minVersion: 0, maxVersion: 5, firstFlexible: 4 },
  { key: ApiKey.SyncGroup, name: "SyncGroup", minVersion: 0, maxVersion: 5, firstFlexible: 4 },
  {
    key: ApiKey.DescribeGroups,
    name: "DescribeGroups",
    minVersion: 0,
    maxVersion: 5,
    firstFlexible: 5,
  },
  { key: ApiKey.ListGroups, name: "ListGroups", minVersion: 0, maxVersion: 5, firstFlexible: 3 },
  { key: ApiKey.ApiVersions, name: "ApiVersions", minVersion: 0, maxVersion: 3, firstFlexible: 3 },
  ...ADMIN_APIS,
  {
    key: ApiKey.DeleteGroups,
    name: "DeleteGroups",
    minVersion: 0,
    maxVersion: 2,
    firstFlexible: 2,
  },
];

const byKey = new Map(API_TABLE.map((e) => [e.key, e]));

export function apiEntry(key: number): ApiEntry | undefined {
  return byKey.get(key);
}

/** Whether the listener serves this key at this version. */
export function isSupported(key: number, version: number): boolean {
  const e = byKey.get(key);
  return e !== undefined && version >= e.minVersion && version <= e.maxVersion;
}

export function isFlexible(entry: ApiEntry, version: number): boolean {
  return version >= entry.firstFlexible;
}
