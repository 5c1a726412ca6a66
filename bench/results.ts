// The shape of bench/results/*.json: one row per measured (or skipped) run.

import type { PerfSummary } from "../src/perf/summary.ts";
import type { Machine } from "./machine.ts";

export const SCENARIOS = [
  "produce",
  "durable",
  "consume",
  "e2e",
  "http-produce",
  "http-consume",
] as const;
export type Scenario = (typeof SCENARIOS)[number];
export type System = "tributary" | "nats" | "redis";

export interface BenchRow {
  scenario: Scenario;
  system: System;
  /** Runtime of the Tributary broker; null for peers. */
  runtime: "node" | "deno" | "bun" | null;
  /** Runtime of the load generator (`tributary perf`); absent: node. */
  client?: "node" | "deno" | "bun";
  recordSize: number;
  partitions: number;
  connections: number;
  acks: string;
  /** Records per second asked for; 0 = unpaced. */
  rate: number;
  records: number;
  durability: string;
  summary: PerfSummary | null;
  /** Why there is no summary (peer not installed, run failed). */
  note?: string;
  /**
   * How a peer was driven: "client" through its official Node client as its docs show, "best"
   * through the fastest path we found (its own benchmark tool, or a tuned driver). Absent: client.
   */
  path?: "client" | "best";
  /** The load generator in a few words (client and settings, or the tool and its flags). */
  driver?: string;
}

export interface BenchResults {
  quick: boolean;
  machine: Machine;
  /** dd if=/dev/zero bs=1M conv=fdatasync, MiB/s, same run. */
  diskWriteMBps: number;
  durationS: number;
  rows: BenchRow[];
  /** Later runs of some scenarios whose rows replaced this run's (BENCH_MERGE=1). */
  merged?: Array<{ date: string; scenarios: string[]; durationS: number }>;
}

export const DURABILITY = {
  tributaryAcks1: "acks=1: in the page cache, OS writeback (Kafka's default)",
  tributaryDurable: "acks=all: fsync (group commit) before the ack",
} as const;
