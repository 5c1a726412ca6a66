// What a client asks for when it creates a topic; configs use Kafka's names, values as strings.

export interface CreateTopicRequest {
  name: string;
  partitions?: number;
  replicationFactor?: number;
  configs?: Record<string, string>;
}
