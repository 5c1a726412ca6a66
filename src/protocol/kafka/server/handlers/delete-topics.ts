// DeleteTopics: each topic deleted through the broker core (its metadata log, or the
// controller), one at a time so one failing leaves the others. v6 may name a topic by id: it
// is looked up here, and an unknown id answers UNKNOWN_TOPIC_ID.

import { TributaryError } from "../../../../model/errors.ts";
import { KafkaAdminError, NONE } from "../../error-codes.ts";
import {
  type DeletableTopicResult,
  decodeDeleteTopicsRequest,
  type DeleteTopicState,
  encodeDeleteTopicsResponse,
} from "../../messages/delete-topics.ts";
import type { KafkaReader } from "../../reader.ts";
import { isZeroUuid, uuidBytes, uuidHex } from "../../uuid.ts";
import type { KafkaWriter } from "../../writer.ts";
import type { KafkaContext } from "../context.ts";
import { itemError } from "./admin-errors.ts";

export async function deleteTopics(
  ctx: KafkaContext,
  r: KafkaReader,
  version: number,
  w: KafkaWriter,
): Promise<void> {
  const request = decodeDeleteTopicsRequest(r, version);
  r.expectEnd(`DeleteTopics v${version}`);
  const responses: DeletableTopicResult[] = [];
  for (const t of request.topics) responses.push(await deleteOne(ctx, t));
  encodeDeleteTopicsResponse(w, version, { throttleTimeMs: 0, responses });
}

async function deleteOne(ctx: KafkaContext, t: DeleteTopicState): Promise<DeletableTopicResult> {
  const byId = t.name === null;
  const name = byId ? ctx.admin?.topicNameOf(uuidHex(t.topicId)) ?? null : t.name;
  if (name === null) {
    return {
      name: null,
      topicId: t.topicId,
      errorCode: isZeroUuid(t.topicId)
        ? KafkaAdminError.INVALID_REQUEST
        : KafkaAdminError.UNKNOWN_TOPIC_ID,
      errorMessage: isZeroUuid(t.topicId)
        ? "a topic needs a name or a topic id"
        : `no topic has id ${uuidHex(t.topicId)}`,
    };
  }
  const topicId = byId ? t.topicId : uuidBytes(ctx.admin?.topicId(name));
  try {
    if (name.length === 0) throw new TributaryError("INVALID_TOPIC_EXCEPTION", "empty topic name");
    await ctx.broker.deleteTopic(name);
    return { name, topicId, errorCode: NONE, errorMessage: null };
  } catch (err) {
    return { name, topicId, ...itemError(err) };
  }
}
