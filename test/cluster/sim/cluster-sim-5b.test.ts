// CI's cluster simulation seeds 51-100 with 5 nodes (cluster-sim-suite.ts says what a seed
// does and which environment variables replay or widen it).
import { defineClusterSimSuite } from "./cluster-sim-suite.ts";

defineClusterSimSuite({
  testPath: "test/cluster/sim/cluster-sim-5b.test.ts",
  nodeCount: 5,
  base: 51,
  count: 50,
});
