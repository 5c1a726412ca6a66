// The offset committer sends a commit as the member that asked for it: a commit that waits in
// the queue or is retried across a rebalance keeps the epoch its offsets belong to, so the
// coordinator can refuse positions of partitions the member no longer holds.
import { describe, expect, it } from "vitest";
import { SimWorld } from "../../runtime/sim/world.ts";
import { TributaryError } from "../../src/model/errors.ts";
import { OffsetCommitter } from "../../src/client/offset-committer.ts";
import type { GroupClient } from "../../src/client/group-client.ts";
import type { OffsetCommitRequestBody } from "../../src/protocol/cbor/ops/offset-commit.ts";

const bounds = { maxSteps: 100_000, maxVirtualMs: 60_000 };

function setup(failFirst: number) {
  const world = new SimWorld({ seed: 1 });
  const rt = world.runtime("client");
  const member = { memberId: "m1", memberEpoch: 1 };
  const sent: OffsetCommitRequestBody[] = [];
  let failures = 0;
  const client = {
    commit: (body: OffsetCommitRequestBody) => {
      sent.push(body);
      // The coordinator moved: the member rebalances to epoch 3 while the commit is retried.
      if (failures++ < failFirst) {
        member.memberEpoch = 3;
        return Promise.reject(new TributaryError("COORDINATOR_LOAD_IN_PROGRESS", "loading"));
      }
      return Promise.resolve();
    },
  } as unknown as GroupClient;
  const committer = new OffsetCommitter(rt, client, {
    groupId: "g",
    member: () => ({ ...member }),
    retries: 5,
    retryBackoffMs: 10,
    retryBackoffMsMax: 100,
  });
  return { world, committer, sent, member };
}

describe("OffsetCommitter", () => {
  it("retries a commit at the epoch it was asked at, not at the one the member moved to", async () => {
    const { world, committer, sent } = setup(2);
    await world.run(
      () => committer.commit([{ topic: "t", partition: 2, offset: 68 }]),
      bounds,
    );
    expect(sent.map((b) => b.memberEpoch)).toEqual([1, 1, 1]);
  });

  it("sends a queued commit at the epoch of its own call", async () => {
    const { world, committer, sent, member } = setup(1);
    await world.run(async () => {
      const first = committer.commit([{ topic: "t", partition: 0, offset: 5 }]);
      member.memberEpoch = 2;
      const second = committer.commit([{ topic: "t", partition: 1, offset: 7 }]);
      await Promise.all([first, second]);
    }, bounds);
    expect(sent.map((b) => [b.offsets[0].partition, b.memberEpoch])).toEqual([[0, 1], [0, 1], [
      1,
      2,
    ]]);
  });
});
