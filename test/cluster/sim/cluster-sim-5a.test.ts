// CI's cluster simulation seeds 1-50 with 5 nodes (cluster-sim-suite.ts says what a seed
// does and which environment variables replay or widen it).
import { defineClusterSimSuite } from "./cluster-sim-suite.ts";

defineClusterSimSuite({
  testPath: "test/cluster/sim/cluster-sim-5a.test.ts",
  nodeCount: 5,
  base: 1,
  count: 50,
});
