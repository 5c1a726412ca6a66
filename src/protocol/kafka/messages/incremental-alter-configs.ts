// IncrementalAlterConfigs (key 44), versions 0-1; v1 flexible. Unlike AlterConfigs it changes
// only the configs it names (KIP-339).
//
// Request:
//   resources ARRAY(resource_type INT8, resource_name STRING,
//     configs ARRAY(name STRING, config_operation INT8, value NULLABLE_STRING))
//   validate_only BOOLEAN
//   (config_operation: 0 SET, 1 DELETE (back to the default), 2 APPEND, 3 SUBTRACT: the last
//    two add to or remove from a list-valued config)
// Response: as AlterConfigs (alter-configs.ts).

import type { KafkaReader } from "../reader.ts";

export const INCREMENTAL_ALTER_CONFIGS_FIRST_FLEXIBLE = 1;

export const ConfigOperation = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;

export interface IncrementalAlterConfigsResource {
  resourceType: number;
  resourceName: string;
  configs: Array<{ name: string; operation: number; value: string | null }>;
}

export interface IncrementalAlterConfigsRequest {
  resources: IncrementalAlterConfigsResource[];
  validateOnly: boolean;
}

export function decodeIncrementalAlterConfigsRequest(
  r: KafkaReader,
  version: number,
): IncrementalAlterConfigsRequest {
  const flexible = version >= INCREMENTAL_ALTER_CONFIGS_FIRST_FLEXIBLE;
  const str = (r: KafkaReader, field: string) =>
    flexible ? r.compactString(field) : r.string(field);
  const resources = r.array(flexible, "resources", (r) => {
    const resourceType = r.int8("resource_type");
    const resourceName = str(r, "resource_name");
    const configs = r.array(flexible, "configs", (r) => {
      const name = str(r, "name");
      const operation = r.int8("config_operation");
      const value = flexible ? r.compactNullableString("value") : r.nullableString("value");
      if (flexible) r.taggedFields();
      return { name, operation, value };
    }) ?? [];
    if (flexible) r.taggedFields();
    return { resourceType, resourceName, configs };
  }) ?? [];
  const validateOnly = r.bool("validate_only");
  if (flexible) r.taggedFields();
  return { resources, validateOnly };
}
