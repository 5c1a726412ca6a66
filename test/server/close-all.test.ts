// Shutdown bounds: each part gets the shared grace period unless it has its own bound (the
// broker's log flush, which with thousands of partitions outlasts the listeners' grace).
import { describe, expect, it } from "vitest";
import { closeAll } from "../../src/server/close-all.ts";
import { ManualTime } from "../log/support.ts";

function slowCloser(closeMsMax?: number) {
  let finish!: () => void;
  const closer = {
    name: "broker",
    close: () => new Promise<void>((resolve) => (finish = resolve)),
    ...(closeMsMax === undefined ? {} : { closeMsMax }),
  };
  return { closer, finish: () => finish() };
}

describe("closeAll", () => {
  it("lets a part with its own bound run past the grace period", async () => {
    const time = new ManualTime();
    const { closer, finish } = slowCloser(1000);
    const closing = closeAll([closer], time, 100);
    time.advance(500);
    finish();
    await expect(closing).resolves.toBeUndefined();
  });

  it("still bounds that part, and the others by the grace period", async () => {
    const time = new ManualTime();
    const own = slowCloser(1000);
    const closing = closeAll([own.closer], time, 100);
    time.advance(1000);
    await expect(closing).rejects.toThrow(/closing the broker took over 1000 ms/);
    const shared = slowCloser();
    const cut = closeAll([shared.closer], time, 100);
    time.advance(100);
    await expect(cut).rejects.toThrow(/took over 100 ms/);
  });
});
