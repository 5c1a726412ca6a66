// The controller side of topic metadata, as the broker sees it: the changes a broker asks for
// (create or delete a topic, reserve producer ids). A writer validates the change against the
// committed image, commits it (the local metadata log on a single node; the Raft quorum in a
// cluster) and resolves with the metadata offset it was committed at. It never opens or removes a
// partition: the broker does that when its PartitionCatalog applies the committed delta, and
// waits for the offset (PartitionCatalog.waitForOffset) before it answers its caller.
import type { CreateTopicRequest } from "../model/create-topic.ts";
import type { TopicConfigEdit } from "./topic-config-edit.ts";

export interface CreatedTopic {
  /** Metadata offset of the batch that created the topic. */
  offset: number;
  topicId: string;
}

export interface ReservedProducerIds {
  offset: number;
  /** First id of the block reserved. */
  start: number;
}

export interface MetadataWriter {
  /** With `internal` the topic is the broker's own (e.g. `__consumer_offsets`). */
  createTopic(request: CreateTopicRequest, options?: { internal?: boolean }): Promise<CreatedTopic>;
  /** Resolves with the offset of the batch that removed it. */
  deleteTopic(name: string): Promise<{ offset: number }>;
  /**
   * Changes a topic's explicit configs (topic-config-edit.ts); `inherited` is what each config
   * falls back to, `current` the explicit configs as this broker last applied them (a cluster
   * writer edits those and sends the controller the whole new set). Resolves with the commit's
   * offset, or -1 when validateOnly or nothing changed.
   */
  alterTopicConfigs?(
    name: string,
    edit: TopicConfigEdit,
    options: {
      inherited: Record<string, string>;
      current: Record<string, string>;
      validateOnly: boolean;
    },
  ): Promise<{ offset: number }>;
  /**
   * Grows a topic to `count` partitions (never shrinks it). Absent where another path does it
   * (a cluster node grows topics through its controller).
   */
  createPartitions?(name: string, count: number): Promise<{ offset: number }>;
  /** Reserves the next block of producer ids durably. */
  reserveProducerIds(blockSize: number): Promise<ReservedProducerIds>;
}
