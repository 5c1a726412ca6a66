// A bare Kafka-protocol TCP client for tests: sends bytes, collects response frames, tells when
// the broker closed the connection. Every wait is bounded.
import { connect, type Socket } from "node:net";
import { FrameReader } from "../../../../src/protocol/kafka/frame.ts";
import { KafkaWriter } from "../../../../src/protocol/kafka/writer.ts";

export interface RawClient {
  send(bytes: Uint8Array): void;
  /** The next response frame (without its size), within timeoutMs. */
  next(timeoutMs?: number): Promise<Uint8Array>;
  /** Resolves true once the broker closed the connection, false after timeoutMs. */
  closed(timeoutMs?: number): Promise<boolean>;
  destroy(): void;
}

export async function rawClient(port: number): Promise<RawClient> {
  const socket: Socket = connect(port, "127.0.0.1");
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  socket.on("error", () => {}); // a reset after the broker closed is expected in some tests
  const frames = new FrameReader();
  const queue: Uint8Array[] = [];
  let waiter: (() => void) | null = null;
  let ended = false;
  socket.on("data", (d: Uint8Array) => {
    queue.push(...frames.push(new Uint8Array(d)));
    waiter?.();
  });
  socket.on("close", () => {
    ended = true;
    waiter?.();
  });
  const until = async (ready: () => boolean, timeoutMs: number): Promise<boolean> => {
    const deadline = Date.now() + timeoutMs;
    while (!ready() && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      waiter = null;
    }
    return ready();
  };
  return {
    send: (bytes) => void socket.write(bytes),
    async next(timeoutMs = 5_000) {
      if (!(await until(() => queue.length > 0, timeoutMs))) {
        throw new Error(ended ? "connection closed before a response" : "no response in time");
      }
      return queue.shift()!;
    },
    closed: (timeoutMs = 5_000) => until(() => ended, timeoutMs),
    destroy: () => socket.destroy(),
  };
}

/** A request frame: size, header v1 (or v2 when flexible), body. */
export function requestFrame(
  apiKey: number,
  apiVersion: number,
  correlationId: number,
  body: Uint8Array,
  options: { flexible?: boolean; clientId?: string | null } = {},
): Uint8Array {
  const w = new KafkaWriter();
  w.int32(0).int16(apiKey).int16(apiVersion).int32(correlationId);
  w.nullableString(options.clientId === undefined ? "test" : options.clientId);
  if (options.flexible) w.unsignedVarint(0);
  w.raw(body);
  const frame = w.finish().slice();
  new DataView(frame.buffer).setInt32(0, frame.length - 4);
  return frame;
}
