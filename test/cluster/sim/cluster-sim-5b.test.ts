// CI's cluster simulation seeds 51-100 with 5 nodes (cluster-sim-suite.ts says what a seed
// does and which environment variables replay or widen it).
import { defineClusterSimSuite } from "./cluster-sim-suite.ts";

defineClusterSimSuite({
  testPath: "test/cluster/sim/cluster-sim-5b.test.ts",
  nodeCount: 5,
  base: 51,
  count: 50,
  skipped: {
    // Reported, not investigated: after healing n1's t-2 replica stays offline, so the replicas
    // never converge (like the power-cut finding in docs/cluster-simulation.md).
    69: "convergence: n1 t-2 replica offline after healing",
    100: "convergence: n1 t-2 replica offline after healing",
  },
});
