import { describe, expect, it } from "vitest";
import type { ClassicJoinResponse } from "../../../src/coordinator/classic-types.ts";
import { ClassicShell, codeOf, INITIAL_DELAY_MS } from "./support.ts";

const nativeJoin = (groupId = "g") => ({
  groupId,
  memberId: "",
  memberEpoch: 0,
  subscribedTopics: ["t"],
});

describe("classic groups: one protocol per group id", () => {
  it("a classic join to a native group with members is INCONSISTENT_GROUP_PROTOCOL", () => {
    const shell = new ClassicShell();
    shell.record(shell.coordinator.heartbeat(nativeJoin(), shell.nowMs));
    expect(codeOf(() => shell.join())).toBe("INCONSISTENT_GROUP_PROTOCOL");
    expect(shell.coordinator.listGroupsKafka()).toEqual([
      { groupId: "g", protocolType: "consumer", state: "Stable", groupType: "consumer" },
    ]);
  });

  it("a native join to a classic group with members is INCONSISTENT_GROUP_PROTOCOL", () => {
    const shell = new ClassicShell();
    shell.join({ requireKnownMemberId: true }); // even a member that only has its id counts
    expect(codeOf(() => shell.coordinator.heartbeat(nativeJoin(), shell.nowMs))).toBe(
      "INCONSISTENT_GROUP_PROTOCOL",
    );
  });

  it("an empty group changes protocol: offsets stay, the old state is tombstoned", () => {
    const shell = new ClassicShell();
    shell.record(shell.coordinator.commitOffsets({
      groupId: "g",
      memberId: "",
      memberEpoch: -1,
      offsets: [{ topic: "t", partition: 0, offset: 5 }],
    }, shell.nowMs));
    // Native (epoch 0 metadata) -> classic.
    const j = shell.join({ clientId: "a" });
    expect(shell.records).toContainEqual({
      type: "Tombstone",
      key: { type: "GroupMetadata", groupId: "g" },
    });
    shell.advance(INITIAL_DELAY_MS);
    const ja = shell.value<ClassicJoinResponse>(j.waitId);
    shell.sync({ memberId: ja.memberId, generationId: 1 });
    expect(shell.coordinator.fetchOffsets({ groupId: "g" }, shell.nowMs)).toMatchObject([
      { topic: "t", partition: 0, offset: 5 },
    ]);
    shell.record(shell.coordinator.leaveClassic("g", [
      { memberId: ja.memberId, groupInstanceId: null },
    ], shell.nowMs));
    // Classic (Empty) -> native.
    const native = shell.coordinator.heartbeat(nativeJoin(), shell.nowMs);
    shell.record(native);
    expect(native.records).toContainEqual({
      type: "Tombstone",
      key: { type: "ClassicGroup", groupId: "g" },
    });
    expect(shell.coordinator.describeGroupKafka("g").protocolType).toBe("consumer");
    expect(shell.coordinator.fetchOffsets({ groupId: "g" }, shell.nowMs)).toMatchObject([
      { topic: "t", partition: 0, offset: 5 },
    ]);
    shell.coordinator.checkInvariants();
  });

  it("classic groups show in the native listing and description", () => {
    const shell = new ClassicShell();
    const j = shell.join({ clientId: "a" });
    expect(shell.coordinator.listGroups()).toMatchObject([
      { groupId: "g", state: "reconciling", memberCount: 1 },
    ]);
    shell.advance(INITIAL_DELAY_MS);
    const ja = shell.value<ClassicJoinResponse>(j.waitId);
    expect(shell.coordinator.describeGroupKafka("g").state).toBe("CompletingRebalance");
    expect(shell.coordinator.groupState("g")).toBe("assigning");
    shell.sync({ memberId: ja.memberId, generationId: 1 });
    expect(shell.coordinator.describeGroup("g")).toMatchObject({
      groupId: "g",
      state: "stable",
      epoch: 1,
      assignor: "range",
      members: [{ memberId: ja.memberId, clientId: "a", memberEpoch: 1 }],
    });
    expect(shell.coordinator.describeGroupKafka("nope")).toEqual({
      groupId: "nope",
      state: "Dead",
      protocolType: "",
      protocolName: "",
      members: [],
    });
  });
});
