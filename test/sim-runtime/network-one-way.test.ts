// One-way cuts of SimNetwork: a silent direction stalls bytes instead of resetting, and hangs new
// handshakes, as TCP does when only one direction of a path drops packets.
import { describe, expect, it } from "vitest";
import { SimWorld } from "../../runtime/sim/world.ts";
import type { Connection, Runtime } from "../../runtime/types.ts";
import { ioRejectionCode } from "../support/error-codes.ts";

const bounds = { maxSteps: 200_000, maxVirtualMs: 600_000 };
const encode = (s: string) => new TextEncoder().encode(s);
const decode = (b: Uint8Array) => new TextDecoder().decode(b);

async function listen(rt: Runtime, port: number) {
  const accepted: Connection[] = [];
  await rt.net.listen({ host: "0.0.0.0", port }, (conn) => accepted.push(conn));
  return accepted;
}

/** Reads until text has length chars or the stream ends (null marks the end). */
async function readText(conn: Connection, length: number): Promise<string | null> {
  let text = "";
  for (let i = 0; i < 10_000 && text.length < length; i++) {
    const chunk = await conn.read();
    if (chunk === null) return text === "" ? null : text;
    text += decode(chunk);
  }
  return text;
}

/** Tracks whether p has settled, to tell a stall from a slow delivery. */
function watch<T>(p: Promise<T>): { settled: () => boolean; value: Promise<T> } {
  let done = false;
  void p.then(() => (done = true), () => (done = true));
  return { settled: () => done, value: p };
}

describe("SimNetwork one-way cut", () => {
  it("stalls bytes of the cut direction without a reset and delivers them in order after the heal", async () => {
    const world = new SimWorld({ seed: 31 });
    const a = world.runtime("a");
    const b = world.runtime("b");
    const accepted = await listen(b, 7100);
    const result = await world.run(async () => {
      const conn = await a.net.connect({ host: "b", port: 7100 });
      const server = accepted[0];
      world.net.cutOneWay("a", "b");
      const message = Array.from({ length: 300 }, (_, i) => `${i},`).join("");
      for (let i = 0; i < message.length; i += 100) {
        await conn.write(encode(message.slice(i, i + 100)));
      }
      const reading = watch(readText(server, message.length));
      // The other direction flows meanwhile.
      await server.write(encode("back"));
      const back = await readText(conn, 4);
      await a.timers.sleep(5_000);
      const stalledAfter5s = !reading.settled();
      const healedAt = a.clock.monotonicMs();
      world.net.healOneWay("a", "b");
      const text = await reading.value;
      return {
        back,
        stalledAfter5s,
        text,
        message,
        deliveredMs: a.clock.monotonicMs() - healedAt,
        states: [conn, server].map((c) => (c as unknown as { state: string }).state),
      };
    }, bounds);
    expect(result.back).toBe("back");
    expect(result.stalledAfter5s).toBe(true);
    expect(result.text).toBe(result.message);
    expect(result.deliveredMs).toBeLessThan(100);
    expect(result.states).toEqual(["open", "open"]);
  });

  it("holds the writer back once the stalled bytes fill the in-flight budget", async () => {
    const world = new SimWorld({ seed: 32, inFlightBytesMax: 10_000 });
    const a = world.runtime("a");
    const b = world.runtime("b");
    const accepted = await listen(b, 7101);
    const result = await world.run(async () => {
      const conn = await a.net.connect({ host: "b", port: 7101 });
      world.net.cutOneWay("a", "b");
      const writing = watch(conn.write(new Uint8Array(30_000)));
      await a.timers.sleep(2_000);
      const heldBack = !writing.settled();
      world.net.healAll();
      let got = 0;
      for (let i = 0; i < 1_000 && got < 30_000; i++) {
        got += (await accepted[0].read() as Uint8Array).length;
      }
      await writing.value;
      return { heldBack, got };
    }, bounds);
    expect(result.heldBack).toBe(true);
    expect(result.got).toBe(30_000);
  });

  it("hangs a new connection either way until the heal, or until its timeout", async () => {
    const world = new SimWorld({ seed: 33 });
    const a = world.runtime("a");
    const b = world.runtime("b");
    const c = world.runtime("c");
    await listen(b, 7102);
    await listen(a, 7102);
    const result = await world.run(async () => {
      // Only b -> a is cut: a's SYN reaches b, the SYN-ACK does not come back.
      world.net.cutOneWay("b", "a");
      let start = a.clock.monotonicMs();
      const timedOut = await ioRejectionCode(
        a.net.connect({ host: "b", port: 7102, timeoutMs: 3000 }),
      );
      const waitedMs = a.clock.monotonicMs() - start;
      const reverse = await ioRejectionCode(
        b.net.connect({ host: "a", port: 7102, timeoutMs: 500 }),
      );
      const fromC = await ioRejectionCode(c.net.connect({ host: "b", port: 7102 }));
      start = a.clock.monotonicMs();
      const hung = watch(a.net.connect({ host: "b", port: 7102, timeoutMs: 10_000 }));
      await a.timers.sleep(2_000);
      const hungAfter2s = !hung.settled();
      world.net.healOneWay("b", "a");
      const conn = await hung.value;
      return {
        timedOut,
        waitedMs,
        reverse,
        fromC,
        hungAfter2s,
        connectedMs: a.clock.monotonicMs() - start,
        remote: conn.remoteAddress,
      };
    }, bounds);
    expect(result.timedOut).toBe("ETIMEDOUT");
    expect(result.waitedMs).toBe(3000);
    expect(result.reverse).toBe("ETIMEDOUT");
    expect(result.fromC).toBe("ok");
    expect(result.hungAfter2s).toBe(true);
    expect(result.connectedMs).toBeGreaterThan(2_000);
    expect(result.connectedMs).toBeLessThan(2_100);
    expect(result.remote).toBe("b");
  });

  it("drops stalled bytes when their writer closes: close returns, the peer is reset at the heal", async () => {
    const world = new SimWorld({ seed: 34 });
    const a = world.runtime("a");
    const b = world.runtime("b");
    const accepted = await listen(b, 7103);
    const result = await world.run(async () => {
      const conn = await a.net.connect({ host: "b", port: 7103 });
      world.net.cutOneWay("a", "b");
      await conn.write(encode("lost"));
      const reading = watch(accepted[0].read());
      const start = a.clock.monotonicMs();
      await conn.close();
      const closeMs = a.clock.monotonicMs() - start;
      await a.timers.sleep(1_000);
      const readPendingWhileCut = !reading.settled();
      world.net.healAll();
      const read = await reading.value;
      const writeCode = await ioRejectionCode(accepted[0].write(encode("x")));
      return { closeMs, readPendingWhileCut, read, writeCode };
    }, bounds);
    expect(result.closeMs).toBe(0);
    expect(result.readPendingWhileCut).toBe(true);
    expect(result.read).toBeNull();
    expect(result.writeCode).toBe("ECONNRESET");
  });

  it("never delivers the stalled bytes of a crashed writer: the peer is reset at the heal", async () => {
    const world = new SimWorld({ seed: 35 });
    const a = world.runtime("a");
    const b = world.runtime("b");
    const accepted = await listen(b, 7104);
    const result = await world.run(async () => {
      const conn = await a.net.connect({ host: "b", port: 7104 });
      world.net.cutOneWay("a", "b");
      await conn.write(encode("gone"));
      const reading = watch(accepted[0].read());
      // A hung connect from a dies with it too: after the heal nothing new reaches b.
      void a.net.connect({ host: "b", port: 7104, timeoutMs: 60_000 });
      world.crash("a");
      await b.timers.sleep(1_000);
      const pendingWhileCut = !reading.settled();
      world.net.healOneWay("a", "b");
      const read = await reading.value;
      await b.timers.sleep(1_000);
      return { pendingWhileCut, read, accepted: accepted.length };
    }, bounds);
    expect(result.pendingWhileCut).toBe(true);
    expect(result.read).toBeNull();
    expect(result.accepted).toBe(1);
  });
});
