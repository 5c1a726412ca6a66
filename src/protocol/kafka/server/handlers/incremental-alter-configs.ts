// IncrementalAlterConfigs: SET, DELETE, APPEND and SUBTRACT on the named topic configs only
// (topic-config-edit.ts applies them); the same resource rules as AlterConfigs.

import { TributaryError } from "../../../../model/errors.ts";
import type { TopicConfigEdit, TopicConfigOp } from "../../../../broker/topic-config-edit.ts";
import {
  type AlterConfigsResourceResponse,
  encodeAlterConfigsResponse,
} from "../../messages/alter-configs.ts";
import {
  ConfigOperation,
  decodeIncrementalAlterConfigsRequest,
  INCREMENTAL_ALTER_CONFIGS_FIRST_FLEXIBLE,
  type IncrementalAlterConfigsResource,
} from "../../messages/incremental-alter-configs.ts";
import type { KafkaReader } from "../../reader.ts";
import type { KafkaWriter } from "../../writer.ts";
import type { KafkaContext } from "../context.ts";
import { alterOne } from "./alter-configs.ts";

const OPS: Record<number, TopicConfigOp> = {
  [ConfigOperation.SET]: "set",
  [ConfigOperation.DELETE]: "delete",
  [ConfigOperation.APPEND]: "append",
  [ConfigOperation.SUBTRACT]: "subtract",
};

export async function incrementalAlterConfigs(
  ctx: KafkaContext,
  r: KafkaReader,
  version: number,
  w: KafkaWriter,
): Promise<void> {
  const request = decodeIncrementalAlterConfigsRequest(r, version);
  r.expectEnd(`IncrementalAlterConfigs v${version}`);
  const responses: AlterConfigsResourceResponse[] = [];
  for (const res of request.resources) {
    responses.push(
      await alterOne(ctx, res.resourceType, res.resourceName, editOf(res), request.validateOnly),
    );
  }
  encodeAlterConfigsResponse(w, version >= INCREMENTAL_ALTER_CONFIGS_FIRST_FLEXIBLE, {
    throttleTimeMs: 0,
    responses,
  });
}

function editOf(res: IncrementalAlterConfigsResource): TopicConfigEdit | TributaryError {
  const ops: Array<TopicConfigEdit["ops"][number]> = [];
  for (const c of res.configs) {
    const op = OPS[c.operation];
    if (op === undefined) {
      return new TributaryError(
        "INVALID_REQUEST",
        `config ${c.name}: operation ${c.operation} is not SET (0), DELETE (1), APPEND (2) or SUBTRACT (3)`,
      );
    }
    ops.push({ name: c.name, op, value: c.value });
  }
  return { replace: false, ops };
}
