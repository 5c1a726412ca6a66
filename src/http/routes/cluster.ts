// The cluster: who is in it (GET /v1/cluster), preferred-leader election
// (POST /v1/cluster/elect-leaders), adding partitions (POST /v1/topics/:topic/partitions) and
// moving a partition's replicas (/v1/topics/:topic/partitions/:partition/reassignment: POST
// starts or replaces one, GET shows it, DELETE cancels it). Any broker answers: the controller
// operations go to the active controller, GET reads the answering broker's image.

import type { Hono } from "hono";
import { readBody } from "../codec.ts";
import type { ElectTarget, HttpClusterApi } from "../cluster-api.ts";
import type { HttpDeps } from "../reply.ts";
import { reply } from "../reply.ts";
import { partitionParam } from "./records.ts";
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
/** A replica list longer than this is no cluster's (Kafka sets no bound; the controller checks ids). */
const REPLICAS_MAX = 1_000;
const BROKER_ID_MAX = 2_147_483_647;
const REASSIGNMENT = "/v1/topics/:topic/partitions/:partition/reassignment";

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

  app.get(REASSIGNMENT, (c) => {
    const topic = pathParam(c.req.param(), "topic");
    return reply(c, cluster.describeReassignment(topic, partitionParam(c)));
  });

  app.post(REASSIGNMENT, async (c) => {
    const topic = pathParam(c.req.param(), "topic");
    const partition = partitionParam(c);
    const body = requireObject(await readBody(c.req.raw, deps.bodyBytesMax), "body");
    rejectUnknownFields(body, ["replicas"], "body");
    const replicas = replicasOf(body.replicas);
    return reply(c, await cluster.reassignPartition(topic, partition, replicas), 202);
  });

  app.delete(REASSIGNMENT, async (c) => {
    const topic = pathParam(c.req.param(), "topic");
    return reply(c, await cluster.reassignPartition(topic, partitionParam(c), null));
  });
}

/** [broker id, ...]: 1 to REPLICAS_MAX distinct ids, the first the preferred leader. */
function replicasOf(value: unknown): number[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > REPLICAS_MAX) {
    throw invalid(`replicas must be a list of 1 to ${REPLICAS_MAX} broker ids`);
  }
  const ids = value.map((id, i) =>
    requireInteger(id, `replicas[${i}]`, { min: 0, max: BROKER_ID_MAX })
  );
  if (new Set(ids).size !== ids.length) {
    throw invalid(`replicas name a broker twice: ${ids.join(",")}`, "INVALID_REPLICA_ASSIGNMENT");
  }
  return ids;
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
