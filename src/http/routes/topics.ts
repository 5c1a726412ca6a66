// Topic administration: list, create, describe, delete.

import type { Hono } from "hono";
import type { TopicDescription } from "../../model/descriptions.ts";
import { validateTopicName } from "../../model/topic-name.ts";
import { readBody } from "../codec.ts";
import type { HttpDeps } from "../reply.ts";
import { reply } from "../reply.ts";
import { invalid, optionalInteger, rejectUnknownFields, requireObject } from "../validate.ts";
import { isPlainObject, pathParam } from "../validate.ts";

const PARTITIONS_MAX = 100_000;
const REPLICATION_FACTOR_MAX = 1_000;
const CONFIGS_MAX = 100;

/** The describe shape of the HTTP API (a subset of the broker's TopicDescription). */
export function describeBody(topic: TopicDescription): unknown {
  return {
    name: topic.name,
    configs: topic.configs,
    partitions: topic.partitions.map((p) => ({
      partition: p.partition,
      leader: p.leader,
      replicas: p.replicas,
      isr: p.isr,
      logStartOffset: p.logStartOffset,
      highWatermark: p.highWatermark,
    })),
  };
}

export function registerTopicRoutes(app: Hono, deps: HttpDeps): void {
  const { broker } = deps;

  app.get("/v1/topics", (c) => {
    const topics = broker.listTopics().map((t) => ({
      name: t.name,
      partitions: t.partitions,
      replicationFactor: t.replicationFactor,
    }));
    return reply(c, { topics });
  });

  app.post("/v1/topics", async (c) => {
    const body = requireObject(await readBody(c.req.raw, deps.bodyBytesMax), "body");
    rejectUnknownFields(body, ["name", "partitions", "replicationFactor", "configs"], "body");
    validateTopicName(body.name);
    const partitions = optionalInteger(body.partitions, "partitions", {
      min: 1,
      max: PARTITIONS_MAX,
    });
    const replicationFactor = optionalInteger(body.replicationFactor, "replicationFactor", {
      min: 1,
      max: REPLICATION_FACTOR_MAX,
    });
    const created = await broker.createTopic({
      name: body.name,
      partitions,
      replicationFactor,
      configs: configsOf(body.configs),
    });
    return reply(c, describeBody(created), 201);
  });

  app.get("/v1/topics/:topic", (c) => {
    return reply(c, describeBody(broker.describeTopic(pathParam(c.req.param(), "topic"))));
  });

  app.delete("/v1/topics/:topic", async (c) => {
    await broker.deleteTopic(pathParam(c.req.param(), "topic"));
    return c.body(null, 204);
  });
}

// Values may be strings or (as JSON users tend to write them) numbers and booleans; the broker
// checks names and value ranges and answers INVALID_CONFIG.
function configsOf(value: unknown): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isPlainObject(value)) throw invalid("configs must be an object of name -> value");
  const entries = Object.entries(value);
  if (entries.length > CONFIGS_MAX) {
    throw invalid(`configs may hold at most ${CONFIGS_MAX} entries`);
  }
  const out: Record<string, string> = {};
  for (const [name, v] of entries) {
    if (typeof v === "string") out[name] = v;
    else if (typeof v === "boolean" || (typeof v === "number" && Number.isSafeInteger(v))) {
      out[name] = String(v);
    } else throw invalid(`configs.${name} must be a string or an integer`);
  }
  return out;
}
