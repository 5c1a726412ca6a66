// CI's cluster simulation seeds 101-150 with 3 nodes (cluster-sim-suite.ts says what a seed
// does and which environment variables replay or widen it).
import { defineClusterSimSuite } from "./cluster-sim-suite.ts";

defineClusterSimSuite({
  testPath: "test/cluster/sim/cluster-sim-3c.test.ts",
  nodeCount: 3,
  base: 101,
  count: 50,
  skipped: {
    // Reported, not fixed (src/controller/quorum + src/replication): n1 led t-2 in epoch 0 and
    // its AlterPartition was refused FENCED_LEADER_EPOCH carrying a state (leader 2, epoch 1,
    // partition epoch 2) that never committed; n1 resigned, the committed log kept it leader of
    // epoch 0, and no leader role came back: acks=all to t-2 fails NOT_LEADER_OR_FOLLOWER.
    140: "liveness: a leader resigned on an uncommitted AlterPartition answer",
  },
});
