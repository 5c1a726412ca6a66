// A static HTTP member (joined with an instanceId) leaves with DELETE like any other: the leave
// names its instance, so the coordinator removes it (not FENCED_INSTANCE_ID), and its HTTP member
// record goes with it.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HttpMembers } from "../../src/coordinator/http-members.ts";
import { type CoordinatorEnv, coordinatorEnv } from "./support.ts";

let env: CoordinatorEnv;
beforeEach(async () => {
  env = await coordinatorEnv();
});
afterEach(async () => {
  await env.cleanup();
});

describe("a static HTTP member", () => {
  it("leaves at once with its instance, and its record is tombstoned", async () => {
    const node = await env.open();
    await node.broker.createTopic({ name: "t", partitions: 1 });
    const members = new HttpMembers(node.groups, node.broker, env.rt);
    const joined = await members.join({ groupId: "g", topics: ["t"], instanceId: "worker-1" });
    expect(node.groups.describeGroup("g").members.map((m) => m.instanceId)).toEqual(["worker-1"]);
    await members.leave("g", joined.memberId);
    expect(node.groups.describeGroup("g").members).toEqual([]);
    expect(node.groups.httpMemberOf("g", joined.memberId).record).toBeUndefined();
    expect(env.reported).toEqual([]);
  });
});
