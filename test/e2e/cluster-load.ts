// Load and checks for the cluster suites: a produce loop that keeps a window of sends in flight
// and remembers which values were acknowledged (and when), the partition state as the cluster
// reports it, and a read-back of a whole partition. Every wait is bounded in time.
import { Admin, Consumer, type Producer } from "../../src/index.ts";
import type { Connector } from "../../src/client/cluster.ts";
import { ProtocolClient } from "../../src/protocol/cbor/client.ts";
import { VERSION } from "../../src/version.ts";
import type { PartitionDescription } from "../../src/model/descriptions.ts";

/** promise, or a rejection naming what did not finish within ms. */
export async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not settled within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

export interface SendFailure {
  value: string;
  error: string;
}

/**
 * Sends `${prefix}-${n}` values to one partition as fast as the producer takes them, at most
 * windowMax unacknowledged at a time, until stop().
 */
export class ProduceLoad {
  readonly acked: string[] = [];
  readonly failures: SendFailure[] = [];
  /** The longest time between two acknowledgements (and when it ended). */
  gapMsMax = 0;
  gapEndedAtMs = 0;
  readonly #producer: Producer;
  readonly #topic: string;
  readonly #partition: number;
  readonly #prefix: string;
  readonly #windowMax: number;
  readonly #pending = new Set<Promise<void>>();
  #waiters: Array<{ count: number; resolve: () => void }> = [];
  #sent = 0;
  #lastAckMs = 0;
  #stopping = false;
  #loop: Promise<void> | null = null;

  constructor(
    producer: Producer,
    options: { topic: string; partition?: number; prefix?: string; windowMax?: number },
  ) {
    this.#producer = producer;
    this.#topic = options.topic;
    this.#partition = options.partition ?? 0;
    this.#prefix = options.prefix ?? "v";
    this.#windowMax = options.windowMax ?? 200;
  }

  get sent(): number {
    return this.#sent;
  }

  start(): void {
    this.#lastAckMs = Date.now();
    this.#loop = this.#run();
  }

  async #run(): Promise<void> {
    while (!this.#stopping) {
      if (this.#pending.size >= this.#windowMax) {
        await Promise.race(this.#pending);
        continue;
      }
      const value = `${this.#prefix}-${this.#sent++}`;
      const send = this.#producer.send({ topic: this.#topic, partition: this.#partition, value })
        .then(
          () => this.#onAck(value),
          (err: unknown) => {
            this.failures.push({ value, error: String(err) });
          },
        );
      const tracked = send.finally(() => this.#pending.delete(tracked));
      this.#pending.add(tracked);
      // Lets the producer's batching and the sockets run between sends.
      if (this.#sent % 50 === 0) await new Promise((r) => setImmediate(r));
    }
  }

  #onAck(value: string): void {
    const now = Date.now();
    const gap = now - this.#lastAckMs;
    if (gap > this.gapMsMax) {
      this.gapMsMax = gap;
      this.gapEndedAtMs = now;
    }
    this.#lastAckMs = now;
    this.acked.push(value);
    const ready = this.#waiters.filter((w) => this.acked.length >= w.count);
    this.#waiters = this.#waiters.filter((w) => this.acked.length < w.count);
    for (const w of ready) w.resolve();
  }

  /** Resolves once `count` values in all have been acknowledged. */
  waitForAcked(count: number, timeoutMs: number): Promise<void> {
    if (this.acked.length >= count) return Promise.resolve();
    const reached = new Promise<void>((resolve) => this.#waiters.push({ count, resolve }));
    return within(
      timeoutMs,
      `${count} acknowledged (have ${this.acked.length}, ${this.failures.length} failed: ${
        this.failures.slice(0, 3).map((f) => f.error).join("; ")
      })`,
      reached,
    );
  }

  /** Stops sending and waits for every send in flight to settle. */
  async stop(timeoutMs: number): Promise<void> {
    this.#stopping = true;
    await within(
      timeoutMs,
      "produce load stop",
      (async () => {
        await this.#loop;
        await Promise.all(this.#pending);
      })(),
    );
  }
}

/** The partition as the cluster describes it (through any live broker). */
export async function describePartition(
  admin: Admin,
  topic: string,
  partition = 0,
): Promise<PartitionDescription> {
  const d = await admin.describeTopic(topic);
  const p = d.partitions.find((x) => x.partition === partition);
  if (p === undefined) throw new Error(`${topic}-${partition} not described`);
  return p;
}

/**
 * Polls (every 100 ms, bounded) one broker's view of a partition until ok(p) holds; a fresh
 * Admin per broker so the answer is that broker's own image.
 */
export async function waitForPartition(
  bootstrap: string,
  topic: string,
  ok: (p: PartitionDescription) => boolean,
  timeoutMs: number,
  partition = 0,
): Promise<PartitionDescription> {
  const admin = new Admin({ bootstrap, requestTimeoutMs: 2_000 });
  const deadline = Date.now() + timeoutMs;
  let last: PartitionDescription | null = null;
  let error: unknown = null;
  try {
    while (Date.now() < deadline) {
      try {
        last = await within(3_000, "describe", describePartition(admin, topic, partition));
        if (ok(last)) return last;
      } catch (err) {
        error = err;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await admin.close().catch(() => undefined);
  }
  throw new Error(
    `${topic}-${partition} did not reach the state in ${timeoutMs} ms: ${JSON.stringify(last)} ${
      String(error)
    }`,
  );
}

/** Every value in the partition from offset 0 to its end, in offset order. */
export async function readPartition(
  bootstrap: string,
  topic: string,
  endOffset: number,
  timeoutMs: number,
  partition = 0,
): Promise<string[]> {
  const consumer = new Consumer({ bootstrap, autoOffsetReset: "earliest" });
  consumer.assign([{ topic, partition }]);
  const values: string[] = [];
  const deadline = Date.now() + timeoutMs;
  try {
    let next = 0;
    while (next < endOffset && Date.now() < deadline) {
      for (const r of await consumer.poll({ timeoutMs: 500 })) {
        values.push(new TextDecoder().decode(r.value ?? undefined));
        next = r.offset + 1;
      }
    }
  } finally {
    await consumer.close();
  }
  return values;
}

/** Values that occur more than once. */
export function duplicates(values: readonly string[]): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const v of values) (seen.has(v) ? twice : seen).add(v);
  return [...twice];
}

/**
 * A client connector that records every Produce request that failed, whether the request threw
 * or a partition answered an error: what the producer's retries hide from send().
 */
export function produceErrorRecorder(): { connector: Connector; errors: string[] } {
  const errors: string[] = [];
  const connector: Connector = async (rt, address, options) => {
    const conn = await ProtocolClient.connect(rt, {
      ...address,
      ...options,
      clientVersion: VERSION,
    });
    const request: typeof conn.request = async (op, body) => {
      try {
        const response = await conn.request(op, body);
        if (op === "Produce") {
          const partitions = (response as { partitions: Array<{ error?: { code?: string } }> })
            .partitions;
          for (const p of partitions) if (p.error) errors.push(JSON.stringify(p.error));
        }
        return response;
      } catch (err) {
        if (op === "Produce") {
          const code = (err as { code?: unknown }).code ?? "THROWN";
          errors.push(JSON.stringify({ code, message: String(err) }));
        }
        throw err;
      }
    };
    return {
      request,
      send: (op, body) => conn.send(op, body),
      close: () => conn.close(),
      closed: conn.closed,
    };
  };
  return { connector, errors };
}
