// Shared setup for coordinator tests: a real Broker on the Node runtime and a temp dir, with a
// GroupService on top, reopened on the same directory as often as a test likes.
import { createNodeRuntime } from "../../runtime/node/mod.ts";
import type { Runtime } from "../../runtime/types.ts";
import { Broker } from "../../src/broker/broker.ts";
import { GroupService, type GroupServiceOptions } from "../../src/coordinator/group-service.ts";

export interface Node {
  broker: Broker;
  groups: GroupService;
  close(): Promise<void>;
}

export interface CoordinatorEnv {
  rt: Runtime;
  dataDir: string;
  reported: unknown[];
  open(options?: GroupServiceOptions): Promise<Node>;
  cleanup(): Promise<void>;
}

export async function coordinatorEnv(): Promise<CoordinatorEnv> {
  const rt = createNodeRuntime();
  const dataDir = await rt.fs.makeTempDir("tributary-coordinator-");
  const open: Node[] = [];
  const reported: unknown[] = [];
  return {
    rt,
    dataDir,
    reported,
    async open(options = {}) {
      const broker = await Broker.open(rt, { nodeId: 1, dataDir, host: "127.0.0.1", port: 0 });
      const groups = await GroupService.start(rt, broker, {
        offsetsTopicPartitions: 3,
        report: (_what, err) => reported.push(err),
        ...options,
      });
      const node: Node = {
        broker,
        groups,
        async close() {
          open.splice(open.indexOf(node), 1);
          await groups.close();
          await broker.close();
        },
      };
      open.push(node);
      return node;
    },
    async cleanup() {
      for (const node of [...open]) await node.close();
      await rt.fs.remove(dataDir, { recursive: true });
    },
  };
}

/** Polls `check` until it returns true, every 10 ms, for at most `timeoutMs`. */
export async function eventually(
  rt: Runtime,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 5_000,
): Promise<void> {
  const deadline = rt.clock.monotonicMs() + timeoutMs;
  while (!(await check())) {
    if (rt.clock.monotonicMs() > deadline) throw new Error(`not true within ${timeoutMs} ms`);
    await rt.timers.sleep(10);
  }
}
