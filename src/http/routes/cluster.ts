// The cluster: who is in it (GET /v1/cluster), preferred-leader election
// (POST /v1/cluster/elect-leaders) and adding partitions (POST /v1/topics/:topic/partitions).

import type { Hono } from "hono";
import { readBody } from "../codec.ts";
import type { ElectTarget, HttpClusterApi } from "../cluster-api.ts";
import type { HttpDeps } from "../reply.ts";
import { reply } from "../reply.ts";
import { describeBody } from "./topics.ts";
import {
  invalid,
  isPlainObject,
  optionalInteger,
  pathParam,
  rejectUnknownFields,
  requireInteger,
  requireObject,
  requireString,
} from "../validate.ts";

const PARTITIONS_MAX = 100_000;
const ELECT_TARGETS_MAX = 10_000;

export function registerClusterRoutes(app: Hono, deps: HttpDeps, cluster: HttpClusterApi): void {
  app.get("/v1/cluster", async (c) => reply(c, await cluster.describeCluster()));

  app.post("/v1/topics/:topic/partitions", async (c) => {
    const topic = pathParam(c.req.param(), "topic");
    const body = requireObject(await readBody(c.req.raw, deps.bodyBytesMax), "body");
    rejectUnknownFields(body, ["count"], "body");
    const count = requireInteger(body.count, "count", { min: 1, max: PARTITIONS_MAX });
    return reply(c, describeBody(await cluster.createPartitions(topic, count)));
  });

  app.post("/v1/cluster/elect-leaders", async (c) => {
    const body = requireObject(await readBody(c.req.raw, deps.bodyBytesMax), "body");
    rejectUnknownFields(body, ["partitions"], "body");
    const results = await cluster.electLeaders(targetsOf(body.partitions));
    return reply(c, { results });
  });
}

/** Absent or null: every partition. Otherwise [{topic, partition?}, ...], not empty. */
function targetsOf(value: unknown): ElectTarget[] | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value) || value.length === 0 || value.length > ELECT_TARGETS_MAX) {
    throw invalid(
      `partitions must be a list of 1 to ${ELECT_TARGETS_MAX} {topic, partition?}, or absent for all`,
    );
  }
  return value.map((item, i) => {
    if (!isPlainObject(item)) throw invalid(`partitions[${i}] must be {topic, partition?}`);
    rejectUnknownFields(item, ["topic", "partition"], `partitions[${i}]`);
    const topic = requireString(item.topic, `partitions[${i}].topic`);
    const partition = optionalInteger(item.partition, `partitions[${i}].partition`, {
      min: 0,
      max: PARTITIONS_MAX,
    });
    return partition === undefined ? { topic } : { topic, partition };
  });
}
