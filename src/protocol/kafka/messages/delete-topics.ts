// DeleteTopics (key 20), versions 0-6; v4+ flexible.
//
// Request:
//   v0-v5 => topic_names ARRAY(STRING), timeout_ms INT32
//   v6    => topics ARRAY(name COMPACT_NULLABLE_STRING, topic_id UUID, TAG_BUFFER),
//            timeout_ms INT32                    (a topic named by id has a null name)
// Response:
//   throttle_time_ms INT32                                        (v1+)
//   responses ARRAY(name STRING (NULLABLE v6+), topic_id UUID (v6+), error_code INT16,
//                   error_message NULLABLE_STRING (v5+))

import type { KafkaReader } from "../reader.ts";
import type { KafkaWriter } from "../writer.ts";

export const DELETE_TOPICS_FIRST_FLEXIBLE = 4;

export interface DeleteTopicState {
  /** Null when a v6 client names the topic by id only. */
  name: string | null;
  /** All zeros when named (and always before v6). */
  topicId: Uint8Array;
}

export interface DeleteTopicsRequest {
  topics: DeleteTopicState[];
  timeoutMs: number;
}

export interface DeletableTopicResult {
  name: string | null;
  topicId: Uint8Array;
  errorCode: number;
  errorMessage: string | null;
}

export interface DeleteTopicsResponse {
  throttleTimeMs: number;
  responses: DeletableTopicResult[];
}

const ZERO_ID = new Uint8Array(16);

export function decodeDeleteTopicsRequest(r: KafkaReader, version: number): DeleteTopicsRequest {
  const flexible = version >= DELETE_TOPICS_FIRST_FLEXIBLE;
  const topics = version >= 6
    ? r.array(true, "topics", (r) => {
      const name = r.compactNullableString("name");
      const topicId = r.uuid("topic_id");
      r.taggedFields();
      return { name, topicId };
    })
    : r.array(flexible, "topic_names", (r) => ({
      name: flexible ? r.compactString("topic_name") : r.string("topic_name"),
      topicId: ZERO_ID,
    }));
  const timeoutMs = r.int32("timeout_ms");
  if (flexible) r.taggedFields();
  return { topics: topics ?? [], timeoutMs };
}

export function encodeDeleteTopicsResponse(
  w: KafkaWriter,
  version: number,
  body: DeleteTopicsResponse,
): void {
  const flexible = version >= DELETE_TOPICS_FIRST_FLEXIBLE;
  if (version >= 1) w.int32(body.throttleTimeMs);
  w.array(flexible, body.responses, (w, t) => {
    // Before v6 the name is not nullable: an id-only entry cannot occur there.
    w.str(flexible, version >= 6 ? t.name : t.name ?? "");
    if (version >= 6) w.uuid(t.topicId);
    w.int16(t.errorCode);
    if (version >= 5) w.str(flexible, t.errorMessage);
    w.tags(flexible);
  });
  w.tags(flexible);
}
