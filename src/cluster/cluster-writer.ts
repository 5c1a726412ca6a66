// The broker's MetadataWriter in a cluster: every change goes to the active controller (through
// the router), which decides, commits it to the Raft log and answers with the commit's offset.
// The broker then waits for its own catalog to apply that offset before it answers its caller.
import type { ControllerService } from "../model/cluster.ts";
import type { CreateTopicRequest } from "../model/create-topic.ts";
import { type ErrorCodeName, isErrorCode, TributaryError } from "../model/errors.ts";
import type {
  CreatedTopic,
  MetadataWriter,
  ReservedProducerIds,
} from "../broker/metadata-writer.ts";
import { normalizeTopicConfigs } from "../broker/topic-config.ts";
import { editTopicConfigs, type TopicConfigEdit } from "../broker/topic-config-edit.ts";

export class ClusterMetadataWriter implements MetadataWriter {
  readonly #controller: ControllerService;
  readonly #brokerId: number;

  constructor(controller: ControllerService, brokerId: number) {
    this.#controller = controller;
    this.#brokerId = brokerId;
  }

  async createTopic(
    request: CreateTopicRequest,
    options: { internal?: boolean } = {},
  ): Promise<CreatedTopic> {
    if (typeof request !== "object" || request === null) {
      throw new TributaryError(
        "INVALID_REQUEST",
        "create topic needs {name, partitions?, configs?}",
      );
    }
    const reply = await this.#controller.createTopics({
      topics: [{
        name: request.name,
        ...(request.partitions === undefined ? {} : { partitions: request.partitions }),
        ...(request.replicationFactor === undefined
          ? {}
          : { replicationFactor: request.replicationFactor }),
        ...(request.configs === undefined ? {} : { configs: request.configs }),
        ...(options.internal === true ? { internal: true } : {}),
      }],
    });
    const topic = reply.topics[0];
    if (topic === undefined) {
      throw new TributaryError("UNKNOWN_SERVER_ERROR", "the controller answered no topic");
    }
    if (topic.error !== null) throw errorOf(topic.error);
    if (topic.topicId === null) {
      throw new TributaryError("UNKNOWN_SERVER_ERROR", "the controller answered no topic id");
    }
    return { offset: reply.committedOffset, topicId: topic.topicId };
  }

  async deleteTopic(name: string): Promise<{ offset: number }> {
    const reply = await this.#controller.deleteTopics({ names: [name] });
    const topic = reply.topics[0];
    if (topic?.error !== null && topic?.error !== undefined) throw errorOf(topic.error);
    return { offset: reply.committedOffset };
  }

  /**
   * The edit is applied to the configs this broker last applied, and the whole new set goes to
   * the controller, which checks it again and records only what changed. Two brokers editing one
   * topic at once: the later commit wins as a whole (Kafka's AlterConfigs replaces too).
   */
  async alterTopicConfigs(
    name: string,
    edit: TopicConfigEdit,
    options: {
      inherited: Record<string, string>;
      current: Record<string, string>;
      validateOnly: boolean;
    },
  ): Promise<{ offset: number }> {
    const next = normalizeTopicConfigs(editTopicConfigs(options.current, edit, options.inherited));
    if (options.validateOnly) return { offset: -1 };
    const reply = await this.#controller.alterTopicConfigs({ topic: name, configs: next });
    return { offset: reply.committedOffset };
  }

  async reserveProducerIds(blockSize: number): Promise<ReservedProducerIds> {
    const reply = await this.#controller.allocateProducerIds({
      brokerId: this.#brokerId,
      count: blockSize,
    });
    return { offset: reply.committedOffset, start: reply.start };
  }
}

function errorOf(error: { code: string; message: string }): TributaryError {
  const code: ErrorCodeName = isErrorCode(error.code) ? error.code : "UNKNOWN_SERVER_ERROR";
  return new TributaryError(code, error.message);
}
