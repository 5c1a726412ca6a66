// The routes addressed to one partition or one group, relayed to its leader or coordinator when
// that is another broker (forward.ts). Registered after the method, query and content-type
// checks, so what reaches another broker is a request this one would have taken; the receiver
// checks everything else. Produce to a topic is split by partition in records.ts instead.

import type { Context, Hono, Next } from "hono";
import type { HttpDeps } from "../reply.ts";
import { pathParam } from "../validate.ts";
import { partitionParam } from "./records.ts";

export function registerForwarding(app: Hono, deps: HttpDeps): void {
  const forwarder = deps.forwarder;
  if (forwarder === null) return;
  const toLeader = async (c: Context, next: Next) => {
    // A reassignment is the controller's business (routes/cluster.ts), and a partition without
    // a leader is just the one an operator moves.
    if (c.req.path.endsWith("/reassignment")) return await next();
    const topic = pathParam(c.req.param(), "topic");
    const target = forwarder.partitionTarget(c.req.raw, topic, partitionParam(c));
    if (target === null) return await next();
    return await forwarder.relay(c.req.raw, target, "NOT_LEADER_OR_FOLLOWER");
  };
  const toCoordinator = async (c: Context, next: Next) => {
    const target = forwarder.groupTarget(c.req.raw, pathParam(c.req.param(), "group"));
    if (target === null) return await next();
    return await forwarder.relay(c.req.raw, target, "NOT_COORDINATOR");
  };
  app.use("/v1/topics/:topic/partitions/:partition/*", toLeader);
  // Also matches /v1/groups/:group itself (describe).
  app.use("/v1/groups/:group/*", toCoordinator);
}
