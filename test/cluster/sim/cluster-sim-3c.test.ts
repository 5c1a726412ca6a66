// CI's cluster simulation seeds 101-150 with 3 nodes (cluster-sim-suite.ts says what a seed
// does and which environment variables replay or widen it).
import { defineClusterSimSuite } from "./cluster-sim-suite.ts";

defineClusterSimSuite({
  testPath: "test/cluster/sim/cluster-sim-3c.test.ts",
  nodeCount: 3,
  base: 101,
  count: 50,
});
