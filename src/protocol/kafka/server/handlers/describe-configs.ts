// DescribeConfigs for topics (resource type 2) and brokers (4). A topic's configs come with
// their source: set on the topic (1), a broker-wide default from its configuration (4), or
// Kafka's default (5). Synonyms (v1+, when asked) list the value in effect and, below it,
// Kafka's default, under the topic config's name (not the broker's log.* names). Only broker
// configs are read-only, nothing is sensitive, and unknown keys asked for are left out.

import type { TopicConfigEntry, TopicConfigSource } from "../../../../broker/topic-config.ts";
import { TOPIC_CONFIGS } from "../../../../broker/topic-config.ts";
import { TributaryError } from "../../../../model/errors.ts";
import { NONE } from "../../error-codes.ts";
import {
  ConfigSource,
  ConfigType,
  decodeDescribeConfigsRequest,
  type DescribeConfigsResource,
  type DescribeConfigsResult,
  type DescribedConfig,
  encodeDescribeConfigsResponse,
  ResourceType,
} from "../../messages/describe-configs.ts";
import type { KafkaReader } from "../../reader.ts";
import type { KafkaWriter } from "../../writer.ts";
import type { KafkaAdmin, KafkaContext } from "../context.ts";
import { itemError, unsupported } from "./admin-errors.ts";
import { TOPIC_CONFIG_DOCS } from "./topic-config-docs.ts";

export function configSourceOf(source: TopicConfigSource): number {
  if (source === "topic") return ConfigSource.TOPIC_CONFIG;
  if (source === "broker") return ConfigSource.STATIC_BROKER_CONFIG;
  return ConfigSource.DEFAULT_CONFIG;
}

interface Shown {
  includeSynonyms: boolean;
  includeDocumentation: boolean;
}

export function describeConfigs(
  ctx: KafkaContext,
  r: KafkaReader,
  version: number,
  w: KafkaWriter,
): void {
  const request = decodeDescribeConfigsRequest(r, version);
  r.expectEnd(`DescribeConfigs v${version}`);
  const results = request.resources.map((res): DescribeConfigsResult => {
    try {
      if (ctx.admin === undefined) throw unsupported("DescribeConfigs");
      const configs = configsOf(ctx.admin, res, request);
      const wanted = res.configurationKeys === null ? null : new Set(res.configurationKeys);
      return {
        errorCode: NONE,
        errorMessage: null,
        resourceType: res.resourceType,
        resourceName: res.resourceName,
        configs: wanted === null ? configs : configs.filter((c) => wanted.has(c.name)),
      };
    } catch (err) {
      return {
        ...itemError(err),
        resourceType: res.resourceType,
        resourceName: res.resourceName,
        configs: [],
      };
    }
  });
  encodeDescribeConfigsResponse(w, version, { throttleTimeMs: 0, results });
}

function configsOf(admin: KafkaAdmin, res: DescribeConfigsResource, shown: Shown) {
  if (res.resourceType === ResourceType.TOPIC) {
    return admin.topicConfigEntries(res.resourceName).map((e) => topicConfig(e, shown));
  }
  if (res.resourceType === ResourceType.BROKER) {
    checkBrokerName(admin, res.resourceName);
    return admin.brokerConfigs().map((c): DescribedConfig => {
      const source = c.isDefault ? ConfigSource.DEFAULT_CONFIG : ConfigSource.STATIC_BROKER_CONFIG;
      return {
        name: c.name,
        value: c.value,
        readOnly: true,
        configSource: source,
        isSensitive: false,
        synonyms: shown.includeSynonyms ? [{ name: c.name, value: c.value, source }] : [],
        configType: ConfigType.UNKNOWN,
        documentation: null,
      };
    });
  }
  throw new TributaryError(
    "INVALID_REQUEST",
    `resource type ${res.resourceType} is not described here (2: topic, 4: broker)`,
  );
}

function topicConfig(e: TopicConfigEntry, shown: Shown): DescribedConfig {
  const docs = TOPIC_CONFIG_DOCS[e.name];
  return {
    name: e.name,
    value: e.value,
    readOnly: false,
    configSource: configSourceOf(e.source),
    isSensitive: false,
    synonyms: shown.includeSynonyms ? synonymsOf(e) : [],
    configType: docs.type,
    documentation: shown.includeDocumentation ? docs.doc : null,
  };
}

/** The value in effect, then Kafka's default below it (when something overrides that). */
function synonymsOf(e: TopicConfigEntry) {
  const out = [{ name: e.name, value: e.value, source: configSourceOf(e.source) }];
  if (e.source !== "default") {
    out.push({
      name: e.name,
      value: TOPIC_CONFIGS[e.name].default,
      source: ConfigSource.DEFAULT_CONFIG,
    });
  }
  return out;
}

/** A broker resource names this broker's id, or "" for the cluster-wide defaults. */
function checkBrokerName(admin: KafkaAdmin, name: string): void {
  const id = admin.brokerConfigs().find((c) => c.name === "broker.id")?.value;
  if (name !== "" && name !== id) {
    throw new TributaryError(
      "INVALID_REQUEST",
      `broker ${name}'s configs are described by that broker; this is broker ${id ?? "?"}`,
    );
  }
}
