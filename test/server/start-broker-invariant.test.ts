// An invariant violation no partition contains, under an embedded broker (startBroker without
// serve's exit hook): one `invariant.violated` line, the broker closes itself instead of carrying
// on, the violation goes to onUnexpectedError, and the host process lives on. The request that
// hit it over CBOR is answered INVARIANT_VIOLATED, which the client does not retry. The
// violations are injected by hooks the test sets on the running broker's objects.
import { afterEach, describe, expect, it } from "vitest";
import { createNodeRuntime } from "../../runtime/node/mod.ts";
import { Admin } from "../../src/client/admin.ts";
import { assert, TributaryError } from "../../src/model/errors.ts";
import { InvariantViolation } from "../../src/model/invariant.ts";
import { type RunningBroker, startBroker } from "../../src/server/start-broker.ts";
import { eventually } from "../support/eventually.ts";
import { captureLogs } from "../support/log-capture.ts";

const rt = createNodeRuntime();
let node: RunningBroker | null = null;
let admin: Admin | null = null;

afterEach(async () => {
  await admin?.close();
  await node?.close();
  admin = null;
  node = null;
});

async function start() {
  const { logger, lines } = captureLogs();
  const unexpected: unknown[] = [];
  node = await startBroker(rt, {
    storage: "memory",
    port: 0,
    httpPort: null,
    logger,
    onUnexpectedError: (err) => void unexpected.push(err),
  });
  return { node, lines, unexpected };
}

const rejection = (p: Promise<unknown>) => p.then(() => null, (err: unknown) => err);

/** Whether the broker refuses requests as closing or closed (without anyone calling close). */
function refusing(node: RunningBroker): boolean {
  try {
    node.broker.listTopics();
    return false;
  } catch (err) {
    return err instanceof TributaryError && err.code === "BROKER_SHUTTING_DOWN";
  }
}

describe("a global invariant violation under an embedded broker", () => {
  it("in a CBOR request: answered INVARIANT_VIOLATED once, not retried; the broker closes", async () => {
    const { node, lines, unexpected } = await start();
    let calls = 0;
    // The hook: the topic listing breaks an invariant of the metadata it reads.
    const listTopics = node.broker.listTopics.bind(node.broker);
    node.broker.listTopics = () => {
      if (calls > 0) return listTopics(); // once: refusing() uses it to see the broker close
      calls++;
      assert(false, "test hook: metadata image is inconsistent");
    };
    admin = new Admin(rt, { bootstrap: node.bootstrap, requestTimeoutMs: 5_000 });
    const err = await rejection(admin.listTopics());
    expect(err).toBeInstanceOf(TributaryError);
    expect((err as TributaryError).code).toBe("INVARIANT_VIOLATED");
    expect((err as TributaryError).retriable).toBe(false);
    expect(calls).toBe(1);

    // Nobody calls close(): the violation did.
    await eventually(() => refusing(node), 15_000);
    const violated = lines.filter((l) => l.event === "invariant.violated");
    expect(violated).toEqual([
      expect.objectContaining({
        level: "error",
        invariant: "test hook: metadata image is inconsistent",
        where: "error mapping",
      }),
    ]);
    expect(unexpected.some((e) => e instanceof InvariantViolation)).toBe(true);
  });

  it("in a background listener: logged once, the broker closes, the next request is refused", async () => {
    const { node, lines, unexpected } = await start();
    // The hook: a topic listener (global state, like the group coordinator) breaks an invariant.
    node.broker.onTopicChange((topic) => {
      assert(topic !== "boom", "test hook: topic boom must not exist");
    });
    await node.broker.createTopic({ name: "fine" });
    expect(lines.filter((l) => l.event === "invariant.violated")).toEqual([]);
    await node.broker.createTopic({ name: "boom" });

    await eventually(() => refusing(node), 15_000);
    expect(lines.filter((l) => l.event === "invariant.violated")).toEqual([
      expect.objectContaining({ invariant: "test hook: topic boom must not exist" }),
    ]);
    expect(unexpected.filter((e) => e instanceof InvariantViolation)).toHaveLength(1);
    const refused = await rejection(
      Promise.resolve().then(() => node.broker.createTopic({ name: "later" })),
    );
    expect((refused as TributaryError).code).toBe("BROKER_SHUTTING_DOWN");
  });
});
