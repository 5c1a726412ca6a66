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
  ApiVersions: 18,
} as const;

export interface ApiEntry {
  key: number;
  name: string;
  minVersion: number;
  maxVersion: number;
  /** The first flexible version of the API in Kafka (not necessarily one we advertise). */
  firstFlexible: number;
}

export const API_TABLE: readonly ApiEntry[] = [
  { key: ApiKey.Produce, name: "Produce", minVersion: 3, maxVersion: 9, firstFlexible: 9 },
  { key: ApiKey.Fetch, name: "Fetch", minVersion: 4, maxVersion: 12, firstFlexible: 12 },
  { key: ApiKey.ListOffsets, name: "ListOffsets", minVersion: 1, maxVersion: 6, firstFlexible: 6 },
  { key: ApiKey.Metadata, name: "Metadata", minVersion: 0, maxVersion: 12, firstFlexible: 9 },
  { key: ApiKey.ApiVersions, name: "ApiVersions", minVersion: 0, maxVersion: 3, firstFlexible: 3 },
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
