// A two-broker "cluster" for the forwarding tests: each node is a real single-node Broker on an
// in-memory file system with its own HTTP app on a real 127.0.0.1 port, wrapped so that it leads
// only the partitions a shared leader table gives it (NOT_LEADER_OR_FOLLOWER for the others, as
// src/broker/cluster-routing.ts answers) and so that its metadata lists both brokers and those
// leaders. Node 2 runs the group coordinator for every group (it leads all of __consumer_offsets).
// No test framework here: forward-smoke.ts runs it under Deno and Bun too.
import { MemoryFileSystem } from "../../runtime/memory/memory-fs.ts";
import type { HttpServer, Runtime } from "../../runtime/types.ts";
import { Broker } from "../../src/broker/broker.ts";
import type { BrokerApi, FetchRequest } from "../../src/broker/types.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { GroupService } from "../../src/coordinator/group-service.ts";
import { HttpMembers } from "../../src/coordinator/http-members.ts";
import { createHttpApp } from "../../src/http/app.ts";
import type { ForwardTargets } from "../../src/http/forward-targets.ts";
import { leaderTargets } from "../../src/http/forward-targets.ts";
import { MetricsRegistry } from "../../src/metrics/registry.ts";
import type { BrokerMetadata } from "../../src/model/descriptions.ts";
import { TributaryError } from "../../src/model/errors.ts";
import { CONSUMER_OFFSETS_TOPIC } from "../../src/model/topic-name.ts";

export interface ClusterNode {
  nodeId: number;
  broker: Broker;
  base: string;
  /** Every fetch the broker was handed (their signals show cancellation). */
  fetches: FetchRequest[];
  /** Requests this node's forwarder sent, with the URL they went to. */
  forwarded: Request[];
  /** Leaders as this node believes them: "topic/partition" -> node id (default: 1). */
  leaders: Map<string, number>;
  /** HTTP ports as this node's metadata lists them (a test may point one at a dead port). */
  httpPorts: Map<number, number>;
  groups: GroupService;
  unexpected: unknown[];
  metrics: MetricsRegistry;
  /** JSON log lines of the node's HTTP app. */
  logLines: string[];
}

export interface TestCluster {
  nodes: ClusterNode[];
  close(): Promise<void>;
}

const OFFSETS_PARTITIONS = 2;

export interface ClusterOptions {
  sseHeartbeatMs?: number;
  forwardTimeoutMs?: number;
  bodyBytesMax?: number;
  /** Instead of leaderTargets over each node's metadata. */
  targets?: ForwardTargets;
}

/** host: the runtime the nodes run on (its clock, timers and HTTP listener). */
export async function startCluster(
  host: Runtime,
  options: ClusterOptions = {},
): Promise<TestCluster> {
  const closers: Array<() => Promise<void>> = [];
  const nodes: ClusterNode[] = [];
  const ports = new Map<number, number>();
  for (const nodeId of [1, 2]) {
    const rt: Runtime = { ...host, fs: new MemoryFileSystem({ random: host.random }) };
    const metrics = new MetricsRegistry();
    const broker = await Broker.open(rt, {
      nodeId,
      dataDir: "/data",
      host: "127.0.0.1",
      port: 0,
      metrics,
    });
    closers.push(() => broker.close());
    const groups = await GroupService.start(rt, broker, {
      offsetsTopicPartitions: OFFSETS_PARTITIONS,
    });
    closers.push(() => groups.close());
    const leaders = new Map<string, number>();
    for (let p = 0; p < OFFSETS_PARTITIONS; p++) leaders.set(`${CONSUMER_OFFSETS_TOPIC}/${p}`, 2);
    const node: ClusterNode = {
      nodeId,
      broker,
      base: "",
      fetches: [],
      forwarded: [],
      leaders,
      httpPorts: new Map(),
      groups,
      unexpected: [],
      logLines: [],
      metrics,
    };
    const api = leadingOnly(node, ports);
    const app = createHttpApp(api, {
      runtimeName: rt.name,
      version: "test",
      nodeId,
      metrics,
      random: rt.random,
      clock: rt.clock,
      timers: rt.timers,
      onUnexpectedError: (err) => node.unexpected.push(err),
      logger: createLogger({ write: (l) => node.logLines.push(l), format: "json", nowMs: () => 0 }),
      ...(options.sseHeartbeatMs ? { sseHeartbeatMs: options.sseHeartbeatMs } : {}),
      ...(options.forwardTimeoutMs ? { forwardTimeoutMs: options.forwardTimeoutMs } : {}),
      ...(options.bodyBytesMax ? { bodyBytesMax: options.bodyBytesMax } : {}),
      forwardFetch: (request) => {
        node.forwarded.push(request.clone());
        return fetch(request);
      },
      // Node 2's groups answer here; node 1's requests for them must reach node 2.
      ...(nodeId === 2 ? { groups, httpMembers: new HttpMembers(groups, broker, rt) } : {}),
      cluster: options.targets ?? leaderTargets(api, groups),
    });
    const server: HttpServer = await rt.http.serve({
      host: "127.0.0.1",
      port: 0,
      fetch: app.fetch,
    });
    closers.push(() => server.close());
    ports.set(nodeId, server.port);
    node.base = `http://127.0.0.1:${server.port}`;
    nodes.push(node);
  }
  return {
    nodes,
    close: async () => {
      for (const close of closers.reverse()) await close();
    },
  };
}

/** Creates the topic on every node (each has its own log; only the leader's copy is used). */
export async function createTopicEverywhere(
  cluster: TestCluster,
  name: string,
  partitions: number,
): Promise<void> {
  for (const node of cluster.nodes) await node.broker.createTopic({ name, partitions });
}

/** The broker as one member of the cluster sees itself: leading only what `leaders` says. */
function leadingOnly(node: ClusterNode, ports: Map<number, number>): BrokerApi {
  const broker = node.broker;
  const leaderOf = (topic: string, partition: number) =>
    node.leaders.get(`${topic}/${partition}`) ?? 1;
  const refuse = (topic: string, partition: number) => {
    const leader = leaderOf(topic, partition);
    if (leader === node.nodeId) return;
    throw new TributaryError(
      "NOT_LEADER_OR_FOLLOWER",
      `broker ${node.nodeId} does not lead ${topic}-${partition}; the leader is broker ${leader}`,
    );
  };
  const metadata = (topics?: string[]): BrokerMetadata => {
    const inner = broker.metadata(topics);
    return {
      ...inner,
      brokers: [...ports.keys()].map((id) => ({
        nodeId: id,
        host: "127.0.0.1",
        port: 0,
        httpPort: node.httpPorts.get(id) ?? ports.get(id)!,
      })),
      topics: inner.topics.map((t) => ({
        ...t,
        partitions: t.partitions.map((p) => ({ ...p, leader: leaderOf(t.name, p.partition) })),
      })),
    };
  };
  return {
    nodeId: node.nodeId,
    metadata,
    createTopic: (request) => broker.createTopic(request),
    deleteTopic: (name) => broker.deleteTopic(name),
    listTopics: () => broker.listTopics(),
    describeTopic: (name) => broker.describeTopic(name),
    partitionCount: (topic) => broker.partitionCount(topic),
    produce: (request) => {
      refuse(request.topic, request.partition);
      return broker.produce(request);
    },
    fetch: (request) => {
      for (const p of request.partitions) refuse(p.topic, p.partition);
      node.fetches.push(request);
      return broker.fetch(request);
    },
    listOffsets: (topic, partition, spec) => {
      refuse(topic, partition);
      return broker.listOffsets(topic, partition, spec);
    },
    initProducerId: () => broker.initProducerId(),
  };
}
