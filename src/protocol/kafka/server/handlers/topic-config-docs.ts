// What DescribeConfigs v3+ says about each topic config: its Kafka type and a line of
// documentation (ours, in our words: what the setting does on this broker).

import type { TopicConfigName } from "../../../../broker/topic-config.ts";
import { ConfigType } from "../../messages/describe-configs.ts";

export const TOPIC_CONFIG_DOCS: Readonly<
  Record<TopicConfigName, { type: number; doc: string }>
> = {
  "cleanup.policy": {
    type: ConfigType.LIST,
    doc: "delete (drop old segments), compact (keep the latest record per key) or both.",
  },
  "compression.type": {
    type: ConfigType.STRING,
    doc: "producer keeps each batch as sent; gzip, snappy, lz4, zstd or uncompressed re-encode on append.",
  },
  "delete.retention.ms": {
    type: ConfigType.LONG,
    doc: "How long a compacted topic keeps tombstones (null values) once cleaned.",
  },
  "flush.messages": {
    type: ConfigType.LONG,
    doc: "Records appended between forced fsyncs of the log; the largest long means never.",
  },
  "flush.ms": {
    type: ConfigType.LONG,
    doc: "Longest time appended records wait for a forced fsync; the largest long means never.",
  },
  "max.message.bytes": {
    type: ConfigType.INT,
    doc: "Largest record batch the topic accepts, in bytes.",
  },
  "message.timestamp.type": {
    type: ConfigType.STRING,
    doc: "CreateTime keeps the producer's timestamps; LogAppendTime stamps batches on append.",
  },
  "min.cleanable.dirty.ratio": {
    type: ConfigType.DOUBLE,
    doc: "Share of a compacted log not yet cleaned at which the cleaner takes it up.",
  },
  "min.compaction.lag.ms": {
    type: ConfigType.LONG,
    doc: "Records younger than this are never compacted away.",
  },
  "min.insync.replicas": {
    type: ConfigType.INT,
    doc: "In-sync replicas an acks=all write needs, else NOT_ENOUGH_REPLICAS.",
  },
  "retention.bytes": {
    type: ConfigType.LONG,
    doc: "Largest size a partition's log keeps before deleting old segments; -1: no limit.",
  },
  "retention.ms": {
    type: ConfigType.LONG,
    doc: "How long records are kept before their segment is deleted; -1: forever.",
  },
  "segment.bytes": {
    type: ConfigType.INT,
    doc: "Size at which the log rolls to a new segment file.",
  },
  "segment.ms": {
    type: ConfigType.LONG,
    doc: "Age at which the log rolls to a new segment even when not full.",
  },
};
