// AlterConfigs (key 33), versions 0-2; v2 flexible. v1 only changed throttling. It replaces a
// resource's whole set of explicit configs: a config not named goes back to its default.
//
// Request:
//   resources ARRAY(resource_type INT8, resource_name STRING,
//                   configs ARRAY(name STRING, value NULLABLE_STRING))
//   validate_only BOOLEAN
// Response:
//   throttle_time_ms INT32
//   responses ARRAY(error_code INT16, error_message NULLABLE_STRING, resource_type INT8,
//                   resource_name STRING)

import type { KafkaReader } from "../reader.ts";
import type { KafkaWriter } from "../writer.ts";

export const ALTER_CONFIGS_FIRST_FLEXIBLE = 2;

export interface AlterConfigsResource {
  resourceType: number;
  resourceName: string;
  configs: Array<{ name: string; value: string | null }>;
}

export interface AlterConfigsRequest {
  resources: AlterConfigsResource[];
  validateOnly: boolean;
}

/** One resource's answer; IncrementalAlterConfigs answers the same shape. */
export interface AlterConfigsResourceResponse {
  errorCode: number;
  errorMessage: string | null;
  resourceType: number;
  resourceName: string;
}

export function decodeAlterConfigsRequest(r: KafkaReader, version: number): AlterConfigsRequest {
  const flexible = version >= ALTER_CONFIGS_FIRST_FLEXIBLE;
  const str = (r: KafkaReader, field: string) =>
    flexible ? r.compactString(field) : r.string(field);
  const resources = r.array(flexible, "resources", (r) => {
    const resourceType = r.int8("resource_type");
    const resourceName = str(r, "resource_name");
    const configs = r.array(flexible, "configs", (r) => {
      const name = str(r, "name");
      const value = flexible ? r.compactNullableString("value") : r.nullableString("value");
      if (flexible) r.taggedFields();
      return { name, value };
    }) ?? [];
    if (flexible) r.taggedFields();
    return { resourceType, resourceName, configs };
  }) ?? [];
  const validateOnly = r.bool("validate_only");
  if (flexible) r.taggedFields();
  return { resources, validateOnly };
}

/** AlterConfigs and IncrementalAlterConfigs responses (same fields, own flexible versions). */
export function encodeAlterConfigsResponse(
  w: KafkaWriter,
  flexible: boolean,
  body: { throttleTimeMs: number; responses: AlterConfigsResourceResponse[] },
): void {
  w.int32(body.throttleTimeMs);
  w.array(flexible, body.responses, (w, res) => {
    w.int16(res.errorCode).str(flexible, res.errorMessage).int8(res.resourceType);
    w.str(flexible, res.resourceName).tags(flexible);
  });
  w.tags(flexible);
}
