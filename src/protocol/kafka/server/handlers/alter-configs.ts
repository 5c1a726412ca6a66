// AlterConfigs: replaces a topic's explicit configs with the ones given (a config left out goes
// back to its default), through the broker's metadata log. validate_only checks and changes
// nothing. Broker resources are read-only here (their configs come from the broker's
// configuration at start), and other resource types are refused.

import { TributaryError } from "../../../../model/errors.ts";
import { NONE } from "../../error-codes.ts";
import {
  ALTER_CONFIGS_FIRST_FLEXIBLE,
  type AlterConfigsResourceResponse,
  decodeAlterConfigsRequest,
  encodeAlterConfigsResponse,
} from "../../messages/alter-configs.ts";
import { ResourceType } from "../../messages/describe-configs.ts";
import type { KafkaReader } from "../../reader.ts";
import type { KafkaWriter } from "../../writer.ts";
import type { KafkaContext } from "../context.ts";
import { itemError, unsupported } from "./admin-errors.ts";
import type { TopicConfigEdit } from "../../../../broker/topic-config-edit.ts";

export async function alterConfigs(
  ctx: KafkaContext,
  r: KafkaReader,
  version: number,
  w: KafkaWriter,
): Promise<void> {
  const request = decodeAlterConfigsRequest(r, version);
  r.expectEnd(`AlterConfigs v${version}`);
  const responses: AlterConfigsResourceResponse[] = [];
  for (const res of request.resources) {
    responses.push(
      await alterOne(ctx, res.resourceType, res.resourceName, {
        replace: true,
        ops: res.configs.map((c) => ({ name: c.name, op: "set", value: c.value })),
      }, request.validateOnly),
    );
  }
  encodeAlterConfigsResponse(w, version >= ALTER_CONFIGS_FIRST_FLEXIBLE, {
    throttleTimeMs: 0,
    responses,
  });
}

/** One resource's change (shared with IncrementalAlterConfigs), answered as its result. */
export async function alterOne(
  ctx: KafkaContext,
  resourceType: number,
  resourceName: string,
  edit: TopicConfigEdit | TributaryError,
  validateOnly: boolean,
): Promise<AlterConfigsResourceResponse> {
  try {
    if (edit instanceof TributaryError) throw edit;
    if (ctx.admin === undefined) throw unsupported("altering configs");
    if (resourceType === ResourceType.BROKER) {
      throw new TributaryError(
        "INVALID_REQUEST",
        "broker configs are read-only here: set them in the broker's configuration and restart",
      );
    }
    if (resourceType !== ResourceType.TOPIC) {
      throw new TributaryError(
        "INVALID_REQUEST",
        `resource type ${resourceType} has no configs here (2: topic)`,
      );
    }
    await ctx.admin.alterTopicConfigs(resourceName, edit, { validateOnly });
    return { errorCode: NONE, errorMessage: null, resourceType, resourceName };
  } catch (err) {
    return { ...itemError(err), resourceType, resourceName };
  }
}
