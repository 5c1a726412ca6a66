// DescribeConfigs (key 32), versions 0-4; v4 flexible. v2 only changed throttling.
//
// Request:
//   resources ARRAY(resource_type INT8, resource_name STRING,
//                   configuration_keys NULLABLE ARRAY(STRING))      (null: every config)
//   include_synonyms BOOLEAN                                        (v1+)
//   include_documentation BOOLEAN                                   (v3+)
// Response:
//   throttle_time_ms INT32
//   results ARRAY(error_code INT16, error_message NULLABLE_STRING, resource_type INT8,
//     resource_name STRING,
//     configs ARRAY(name STRING, value NULLABLE_STRING, read_only BOOLEAN,
//       is_default BOOLEAN (v0 only), config_source INT8 (v1+), is_sensitive BOOLEAN,
//       synonyms ARRAY(name STRING, value NULLABLE_STRING, source INT8) (v1+),
//       config_type INT8 (v3+), documentation NULLABLE_STRING (v3+)))
//
// Resource types: 2 topic, 4 broker. Config sources: 1 topic, 4 static broker, 5 default.
// Config types: 1 boolean, 2 string, 3 int, 5 long, 6 double, 7 list.

import type { KafkaReader } from "../reader.ts";
import type { KafkaWriter } from "../writer.ts";

export const DESCRIBE_CONFIGS_FIRST_FLEXIBLE = 4;

export const ResourceType = { TOPIC: 2, BROKER: 4 } as const;

export const ConfigSource = {
  TOPIC_CONFIG: 1,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
} as const;

export const ConfigType = {
  UNKNOWN: 0,
  BOOLEAN: 1,
  STRING: 2,
  INT: 3,
  LONG: 5,
  DOUBLE: 6,
  LIST: 7,
} as const;

export interface DescribeConfigsResource {
  resourceType: number;
  resourceName: string;
  /** null: every config. */
  configurationKeys: string[] | null;
}

export interface DescribeConfigsRequest {
  resources: DescribeConfigsResource[];
  includeSynonyms: boolean;
  includeDocumentation: boolean;
}

export interface ConfigSynonym {
  name: string;
  value: string | null;
  source: number;
}

export interface DescribedConfig {
  name: string;
  value: string | null;
  readOnly: boolean;
  /** ConfigSource; v0 carries only whether it is the default (source 5). */
  configSource: number;
  isSensitive: boolean;
  synonyms: ConfigSynonym[];
  configType: number;
  documentation: string | null;
}

export interface DescribeConfigsResult {
  errorCode: number;
  errorMessage: string | null;
  resourceType: number;
  resourceName: string;
  configs: DescribedConfig[];
}

export interface DescribeConfigsResponse {
  throttleTimeMs: number;
  results: DescribeConfigsResult[];
}

export function decodeDescribeConfigsRequest(
  r: KafkaReader,
  version: number,
): DescribeConfigsRequest {
  const flexible = version >= DESCRIBE_CONFIGS_FIRST_FLEXIBLE;
  const str = (r: KafkaReader, field: string) =>
    flexible ? r.compactString(field) : r.string(field);
  const resources = r.array(flexible, "resources", (r) => {
    const resourceType = r.int8("resource_type");
    const resourceName = str(r, "resource_name");
    const configurationKeys = r.array(flexible, "configuration_keys", (r) => str(r, "key"));
    if (flexible) r.taggedFields();
    return { resourceType, resourceName, configurationKeys };
  }) ?? [];
  const includeSynonyms = version >= 1 ? r.bool("include_synonyms") : false;
  const includeDocumentation = version >= 3 ? r.bool("include_documentation") : false;
  if (flexible) r.taggedFields();
  return { resources, includeSynonyms, includeDocumentation };
}

export function encodeDescribeConfigsResponse(
  w: KafkaWriter,
  version: number,
  body: DescribeConfigsResponse,
): void {
  const flexible = version >= DESCRIBE_CONFIGS_FIRST_FLEXIBLE;
  w.int32(body.throttleTimeMs);
  w.array(flexible, body.results, (w, res) => {
    w.int16(res.errorCode).str(flexible, res.errorMessage).int8(res.resourceType);
    w.str(flexible, res.resourceName);
    w.array(flexible, res.configs, (w, c) => {
      w.str(flexible, c.name).str(flexible, c.value).bool(c.readOnly);
      if (version === 0) w.bool(c.configSource === ConfigSource.DEFAULT_CONFIG);
      else w.int8(c.configSource);
      w.bool(c.isSensitive);
      if (version >= 1) {
        w.array(flexible, c.synonyms, (w, s) => {
          w.str(flexible, s.name).str(flexible, s.value).int8(s.source).tags(flexible);
        });
      }
      if (version >= 3) w.int8(c.configType).str(flexible, c.documentation);
      w.tags(flexible);
    });
    w.tags(flexible);
  });
  w.tags(flexible);
}
