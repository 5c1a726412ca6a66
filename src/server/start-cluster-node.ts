// The composition of one node of a cluster (`serve --controller-quorum ...`): as a controller,
// its Raft driver and quorum controller behind the controller listener; as a broker, the
// Broker following the committed metadata log (membership: registration, heartbeats), its
// replica manager, the group coordinator and the CBOR and HTTP listeners.
//
// Start-up order: the controller listener first, so the quorum can form while the rest waits;
// then the broker waits for its first committed metadata (the cluster id is in it), claims its
// data directory for that cluster, opens, binds its listeners and only then registers (with
// the ports it really has). Shutdown: controlled shutdown first (leadership moves away while
// this node still serves), then listeners, coordinator, broker, replica manager, membership,
// controller, and the data directory lock last.
import type { Runtime } from "../../runtime/types.ts";
import { MemoryFileSystem } from "../../runtime/memory/mod.ts";
import { Broker } from "../broker/broker.ts";
import { DataDirLock } from "../broker/data-dir-lock.ts";
import { claimDataDir, newClusterId, readMetaProperties } from "../broker/meta-properties.ts";
import { ReplicaRoles } from "../broker/replica-roles.ts";
import { normalizeTopicConfigs } from "../broker/topic-config.ts";
import type { BrokerApi } from "../broker/types.ts";
import { BrokerMembership } from "../cluster/broker-membership.ts";
import { ClusterMetadataWriter } from "../cluster/cluster-writer.ts";
import { ControllerNode } from "../cluster/controller-node.ts";
import { ControllerRouter } from "../cluster/controller-router.ts";
import { registerClusterMetrics } from "../cluster/cluster-metrics.ts";
import { PeerLinks } from "../cluster/peer-links.ts";
import { RemoteController } from "../cluster/remote-controller.ts";
import { RemoteReplicas } from "../cluster/remote-replicas.ts";
import { GroupService } from "../coordinator/group-service.ts";
import { HttpMembers } from "../coordinator/http-members.ts";
import { httpMemberReads } from "./http-member-reads.ts";
import type { ClusterBody } from "../http/cluster-api.ts";
import { mkdirDurable } from "../metadata/durable-dir.ts";
import { MetricsRegistry } from "../metrics/registry.ts";
import {
  CLUSTER_DEFAULTS,
  type ControllerService,
  type ListenerEndpoint,
} from "../model/cluster.ts";
import { TributaryError } from "../model/errors.ts";
import { CONSUMER_OFFSETS_TOPIC } from "../model/topic-name.ts";
import { type Logger, silentLogger } from "../logging/logger.ts";
import { reassignmentOf } from "./reassignment-view.ts";
import { serveProtocol } from "../protocol/cbor/server/server.ts";
import { startKafka } from "./kafka-listener.ts";
import { KAFKA_LISTENER } from "../broker/cluster-routing.ts";
import { ReplicaManager } from "../replication/manager/replica-manager.ts";
import { VERSION } from "../version.ts";
import { closeAll, type Closer } from "./close-all.ts";
import type { ClusterServeOptions } from "./cluster-options.ts";
import {
  checkConnectionLimits,
  definedOnly,
  running,
  type RunningBroker,
  type StartBrokerHooks,
  type StartBrokerOptions,
  startHttp,
  stopOnFatalInvariant,
} from "./node-parts.ts";

export interface StartClusterNodeOptions extends StartBrokerOptions {
  cluster: ClusterServeOptions;
  /** Longest a controlled shutdown waits for leadership to move away (default 10 s). */
  controlledShutdownMsMax?: number;
}

export interface RunningClusterNode extends RunningBroker {
  /** This node's controller, when it is one. */
  readonly controller: ControllerNode | null;
  readonly controllerPort: number | null;
  readonly membership: BrokerMembership;
  readonly replicas: ReplicaManager;
}

const memoryDataDir = "/tributary";
const BROKER_CLOSE_MS_MAX = 120_000;
const PEER_REQUEST_TIMEOUT_MS = 5_000;
const PEER_CONNECT_TIMEOUT_MS = 2_000;
/** A broker that cannot get unfenced in this long does not start (its controller is gone). */
const UNFENCED_WAIT_MS_MAX = 60_000;

/** A cluster node's parts, filled in as they come up (closed in the module comment's order). */
interface NodeParts {
  lock?: DataDirLock;
  controller?: ControllerNode;
  controllerListener?: { close(): Promise<void> };
  controllerLinks?: PeerLinks;
  brokerLinks?: PeerLinks;
  router?: ControllerRouter;
  membership?: BrokerMembership;
  replicas?: ReplicaManager;
  broker?: Broker;
  groups?: GroupService;
  listeners: Closer[];
}

export async function startClusterNode(
  rt: Runtime,
  options: StartClusterNodeOptions,
  hooks: StartBrokerHooks = {},
): Promise<RunningClusterNode> {
  const c = options.cluster;
  if (!c.processRoles.includes("broker")) {
    throw new TributaryError(
      "INVALID_CONFIG",
      "startClusterNode runs brokers; a controller-only node starts with startControllerNode",
    );
  }
  const host = options.host ?? "127.0.0.1";
  const advertisedHost = c.advertisedHost ?? host;
  const nodeId = c.nodeId;
  const storage = options.storage ?? "disk";
  const hostRt: Runtime = storage === "memory"
    ? { ...rt, fs: new MemoryFileSystem({ random: rt.random, dirtyOpsMax: 0 }) }
    : rt;
  const dataDir = storage === "memory" ? memoryDataDir : (options.dataDir ?? "./data");
  const metrics = new MetricsRegistry();
  const logger = (options.logger ?? silentLogger).with({ nodeId });
  const onUnexpectedError = options.onUnexpectedError;
  const graceMs = options.shutdownGraceMsMax ?? 10_000;
  checkConnectionLimits(options);
  // Filled in as the parts come up; closed in the order of the module comment.
  const parts: NodeParts = { listeners: [] };
  let closing: Promise<void> | null = null;
  const close = () => (closing ??= shutdown(
    parts,
    rt,
    graceMs,
    options.controlledShutdownMsMax ??
      (c.controlledShutdownEnable ? 10_000 : 0),
  ).finally(() => offFatal()));
  const offFatal = stopOnFatalInvariant(
    logger,
    hooks.onFatalInvariant ?? ((violation) => {
      void close();
      onUnexpectedError?.(violation);
    }),
  );
  try {
    await mkdirDurable(hostRt.fs, dataDir);
    if (storage !== "memory") parts.lock = await DataDirLock.acquire(hostRt, dataDir, logger);
    const existing = await readMetaProperties(hostRt.fs, dataDir);
    if (existing !== null && existing.nodeId !== nodeId) {
      throw new TributaryError(
        "INVALID_CONFIG",
        `${dataDir} belongs to node ${existing.nodeId}, not node ${nodeId}`,
      );
    }
    const voters = new Map(c.voters.map((v) => [v.id, v]));
    const controllerLinks = new PeerLinks(hostRt, {
      clientId: `tributary-node-${nodeId}`,
      address: (id) => voters.get(id) ?? null,
      requestTimeoutMs: PEER_REQUEST_TIMEOUT_MS,
      connectTimeoutMs: PEER_CONNECT_TIMEOUT_MS,
      logger,
    });
    parts.controllerLinks = controllerLinks;
    let controllerPort: number | null = null;
    if (c.processRoles.includes("controller")) {
      const opened = await openController(hostRt, {
        c,
        host,
        dataDir,
        clusterIdHint: existing?.clusterId ?? null,
        defaultPartitions: options.defaultPartitions ?? 1,
        metrics,
        logger,
        links: controllerLinks,
        ...(onUnexpectedError ? { onUnexpectedError } : {}),
      });
      parts.controller = opened.controller;
      parts.controllerListener = opened.listener;
      controllerPort = opened.listener.port;
    }
    const remote = new Map<number, ControllerService>();
    const router = new ControllerRouter(hostRt, {
      voterIds: c.voters.map((v) => v.id),
      link: (id) => {
        if (id === nodeId && parts.controller !== undefined) return parts.controller;
        let link = remote.get(id);
        if (link === undefined) {
          link = new RemoteController(controllerLinks, id);
          remote.set(id, link);
        }
        return link;
      },
    });
    parts.router = router;
    const membership = new BrokerMembership(hostRt, {
      brokerId: nodeId,
      clusterId: existing?.clusterId ?? null,
      incarnationId: newClusterId(hostRt.random),
      endpoints: [],
      rack: c.rack,
      heartbeatIntervalMs: c.brokerHeartbeatIntervalMs,
      controller: router,
      logger,
    });
    parts.membership = membership;
    membership.start();
    logger.info("cluster.waiting", "waiting for the controller quorum's committed metadata", {
      voters: c.voters.map((v) => `${v.id}@${v.host}:${v.port}`).join(","),
    });
    await membership.synced;
    const clusterId = membership.clusterId;
    if (clusterId === null) {
      throw new TributaryError("BROKER_NOT_AVAILABLE", "the quorum's metadata has no cluster id");
    }
    const brokerLinks = new PeerLinks(hostRt, {
      clientId: `tributary-replica-${nodeId}`,
      address: (id) => cborAddressOf(membership, id),
      requestTimeoutMs: PEER_REQUEST_TIMEOUT_MS,
      connectTimeoutMs: PEER_CONNECT_TIMEOUT_MS,
      logger,
    });
    parts.brokerLinks = brokerLinks;
    const replicas = new ReplicaManager({
      runtime: hostRt,
      brokerId: nodeId,
      incarnationId: membership.incarnationId,
      channel: new RemoteReplicas(brokerLinks, router),
      logger,
      config: { replicaLagTimeMaxMs: c.replicaLagTimeMaxMs },
    });
    parts.replicas = replicas;
    registerClusterMetrics(metrics, {
      replicas,
      membership,
      controller: parts.controller ?? null,
    });
    const roles = new ReplicaRoles(
      replicas,
      nodeId,
      () => hostRt.clock.nowMs(),
      (what, err) =>
        logger.error("broker.task_failed", `${what} failed: ${messageOf(err)}`, {
          code: err instanceof TributaryError ? err.code : undefined,
        }),
    );
    const broker = await Broker.open(hostRt, {
      nodeId,
      dataDir,
      host: advertisedHost,
      port: options.port ?? 9093,
      clusterId,
      autoCreateTopics: options.autoCreateTopics ?? false,
      lockDataDir: false,
      metrics,
      logger,
      defaultTopicConfigs: {
        "min.insync.replicas": String(c.minInsyncReplicas),
        ...(options.topicDefaults ?? {}),
      },
      ...(options.defaultPartitions ? { defaultPartitions: options.defaultPartitions } : {}),
      ...(options.producerIdExpirationMs !== undefined
        ? { producerIdExpirationMs: options.producerIdExpirationMs }
        : {}),
      ...(options.retentionCheckIntervalMs !== undefined
        ? { retentionCheckIntervalMs: options.retentionCheckIntervalMs }
        : {}),
      ...(options.openFilesMax !== undefined ? { openFilesMax: options.openFilesMax } : {}),
      cluster: {
        writer: new ClusterMetadataWriter(router, nodeId),
        committed: membership.committed,
        controllerId: () => activeControllerOf(parts.controller, router),
        roles,
        incarnationId: membership.incarnationId,
      },
    });
    parts.broker = broker;
    // With the ports known up front the broker registers now and serves once unfenced (its
    // metadata caught up), as a Kafka broker does; with port 0 it registers once bound.
    const early = endpointsOf(
      advertisedHost,
      options.port ?? 9093,
      options.httpPort,
      controllerPort,
      options.kafkaPort ?? null,
    );
    if (early !== null) {
      membership.setEndpoints(early);
      await membership.waitFor((s) => s.registered && !s.fenced, UNFENCED_WAIT_MS_MAX);
    }
    const groups = await GroupService.start(hostRt, broker, {
      // A quorum smaller than the factor (a one- or two-node cluster) could never create the
      // topic: it gets as many replicas as there are voters.
      offsetsTopicReplicationFactor: Math.min(c.offsetsTopicReplicationFactor, c.voters.length),
      ...(options.offsetsTopicPartitions
        ? { offsetsTopicPartitions: options.offsetsTopicPartitions }
        : {}),
      ...(options.groupCoordinator ? { config: options.groupCoordinator } : {}),
      logger,
      ...(onUnexpectedError
        ? { report: (_what: string, err: unknown) => onUnexpectedError(err) }
        : {}),
    });
    parts.groups = groups;
    const protocol = await serveProtocol(hostRt, broker, {
      host,
      port: options.port ?? 9093,
      metrics,
      version: VERSION,
      groups,
      replication: replicas,
      controller: clientFacing(router),
      logger,
      ...definedOnly({
        connectionsMax: options.connectionsMax,
        connectionsPerIpMax: options.connectionsPerIpMax,
        idleMsMax: options.connectionsIdleMsMax,
        connectionResponseBytesMax: options.connectionResponseBytesMax,
        responseBytesMax: options.responseBytesMax,
      }),
      ...(onUnexpectedError ? { onUnexpectedError } : {}),
    });
    parts.listeners.push({ name: "protocol listener", close: () => protocol.close() });
    const httpMembers = new HttpMembers(
      groups,
      httpMemberReads(broker, brokerLinks, {
        nodeId,
        peerRequestTimeoutMs: PEER_REQUEST_TIMEOUT_MS,
      }),
      hostRt,
    );
    // Adding partitions goes to the controller; answered once this broker applied the commit.
    const growTopic = async (topic: string, count: number) => {
      const { committedOffset } = await router.createPartitions({ topic, count });
      await broker.waitForMetadataOffset(committedOffset);
      return broker.describeTopic(topic);
    };
    const httpClosers: Closer[] = [];
    const httpPort = await startHttp(
      hostRt,
      broker,
      {
        ...options,
        host,
        nodeId,
        metrics,
        groups,
        httpMembers,
        httpCluster: {
          describeCluster: () => describeCluster(membership, broker, parts, router),
          createPartitions: growTopic,
          electLeaders: async (targets) => {
            const before = electTargets(membership, targets);
            const { committedOffset } = await router.electLeaders({
              partitions: before.map(({ topic, partition }) => ({ topic, partition })),
            });
            if (committedOffset >= 0) await broker.waitForMetadataOffset(committedOffset);
            return before.map(({ topic, partition, leader }) => {
              const p = membership.committed.image.topic(topic)?.partitions[partition];
              const now = p?.leader ?? leader;
              return {
                topic,
                partition,
                leader: now,
                outcome: now !== leader ? "elected" as const : "already-preferred" as const,
              };
            });
          },
          reassignPartition: async (topic, partition, replicas) => {
            const { committedOffset } = await router.reassignPartitions({
              partitions: [{
                topic,
                partition,
                replicas: replicas === null ? null : [...replicas],
              }],
            });
            if (committedOffset >= 0) await broker.waitForMetadataOffset(committedOffset);
            return reassignmentOf(membership.committed.image, topic, partition);
          },
          describeReassignment: (topic, partition) =>
            reassignmentOf(membership.committed.image, topic, partition),
          ...httpTargets(membership, nodeId, groups),
        },
      },
      httpClosers,
    );
    parts.listeners.unshift(...httpClosers);
    const kafkaClosers: Closer[] = [];
    const kafkaPort = await startKafka(
      hostRt,
      broker,
      { ...options, host, logger, kafkaCluster: { createPartitions: growTopic }, groups },
      kafkaClosers,
    );
    parts.listeners.unshift(...kafkaClosers);
    broker.advertise({
      port: protocol.port,
      ...(httpPort !== null ? { httpPort } : {}),
      ...(kafkaPort !== null ? { kafkaPort } : {}),
    });
    if (early === null) {
      membership.setEndpoints(
        endpointsOf(advertisedHost, protocol.port, httpPort, controllerPort, kafkaPort)!,
      );
    }
    const base = running({
      nodeId,
      host,
      port: protocol.port,
      httpPort,
      kafkaPort,
      broker,
      groups,
      metrics,
      close,
    });
    return {
      ...base,
      controller: parts.controller ?? null,
      controllerPort,
      membership,
      replicas,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

async function shutdown(
  parts: NodeParts,
  rt: Runtime,
  graceMs: number,
  controlledShutdownMs: number,
): Promise<void> {
  const closers: Closer[] = [];
  const { membership } = parts;
  if (membership !== undefined && controlledShutdownMs > 0 && parts.broker !== undefined) {
    closers.push({
      name: "controlled shutdown",
      close: async () => {
        const startedMs = rt.clock.monotonicMs();
        if (!await membership.controlledShutdown(controlledShutdownMs)) return;
        const leftMs = controlledShutdownMs - (rt.clock.monotonicMs() - startedMs);
        if (parts.replicas) await handedOver(rt, parts.replicas, Math.max(0, leftMs));
        // Clients still sending here learn of the move from NOT_LEADER_OR_FOLLOWER answers
        // (and go to the new leader at once) rather than from dropped connections (a retry
        // after a backoff).
        await rt.timers.sleep(CLIENT_MOVE_GRACE_MS);
      },
      closeMsMax: controlledShutdownMs + 1_000,
    });
  }
  closers.push(...parts.listeners);
  if (parts.groups) closers.push({ name: "group coordinator", close: () => parts.groups!.close() });
  if (parts.broker) {
    closers.push({
      name: "broker",
      close: () => parts.broker!.close(),
      closeMsMax: Math.max(graceMs, BROKER_CLOSE_MS_MAX),
    });
  }
  if (parts.replicas) closers.push({ name: "replicas", close: () => parts.replicas!.close() });
  if (membership) closers.push({ name: "membership", close: () => membership.close() });
  if (parts.router) {
    closers.push({
      name: "router",
      close: () => Promise.resolve(parts.router!.close()),
    });
  }
  if (parts.brokerLinks) {
    closers.push({
      name: "replica links",
      close: () => parts.brokerLinks!.close(),
    });
  }
  if (parts.controllerListener) {
    closers.push({ name: "controller listener", close: () => parts.controllerListener!.close() });
  }
  if (parts.controller) {
    closers.push({
      name: "controller",
      close: () => parts.controller!.close(),
    });
  }
  if (parts.controllerLinks) {
    closers.push({ name: "controller links", close: () => parts.controllerLinks!.close() });
  }
  if (parts.lock) closers.push({ name: "data dir lock", close: () => parts.lock!.release() });
  await closeAll(closers, rt.timers, graceMs);
}

/** How long the listeners stay open after the handover, answering clients where leaders went. */
const CLIENT_MOVE_GRACE_MS = 300;
/** Checks between looks at the replica manager while it hands over (bounded by the wait). */
const HANDOVER_POLL_MS = 5;

/**
 * After the controller moved this broker's leaderships away: until this broker has applied
 * that (it leads nothing) and answered the acks=all produces it took as leader (the follower
 * it became answers them once the new leader's HW passes them), so its listeners close with
 * nothing of theirs pending; at most waitMs.
 */
async function handedOver(rt: Runtime, replicas: ReplicaManager, waitMs: number): Promise<void> {
  const deadline = rt.clock.monotonicMs() + waitMs;
  for (;;) {
    const m = replicas.metrics();
    if (m.leaderPartitions === 0 && m.acksWaiters === 0) return;
    if (rt.clock.monotonicMs() >= deadline) return;
    await rt.timers.sleep(HANDOVER_POLL_MS);
  }
}

/** A controller's part of a node: its Raft quorum member and the controller listener. */
async function openController(
  rt: Runtime,
  o: {
    c: ClusterServeOptions;
    host: string;
    dataDir: string;
    clusterIdHint: string | null;
    defaultPartitions: number;
    metrics: MetricsRegistry;
    logger: Logger;
    links: PeerLinks;
    onUnexpectedError?: (err: unknown) => void;
    onClusterId?: (clusterId: string) => void;
  },
): Promise<{ controller: ControllerNode; listener: { port: number; close(): Promise<void> } }> {
  const { c, links } = o;
  const nodeId = c.nodeId;
  let controller: ControllerNode | null = null;
  controller = await ControllerNode.open(rt, {
    nodeId,
    voterIds: c.voters.map((v) => v.id),
    dataDir: o.dataDir,
    transport: {
      send: (to, message) =>
        links.send(to, "RaftMessage", {
          clusterId: controller?.clusterId ?? "",
          from: nodeId,
          to,
          message,
        }),
    },
    logger: o.logger,
    clusterIdHint: o.clusterIdHint,
    electionTimeoutMs: CLUSTER_DEFAULTS.controllerElectionTimeoutMs,
    heartbeatIntervalMs: CLUSTER_DEFAULTS.controllerHeartbeatIntervalMs,
    sessionTimeoutMs: c.brokerSessionTimeoutMs,
    defaultReplicationFactor: c.defaultReplicationFactor,
    defaultPartitions: o.defaultPartitions,
    autoLeaderRebalance: c.autoLeaderRebalanceEnable,
    validateConfigs: normalizeTopicConfigs,
    ...(o.onClusterId ? { onClusterId: o.onClusterId } : {}),
  });
  try {
    const listener = await serveProtocol(rt, notABroker(nodeId), {
      host: o.host,
      port: c.controllerPort ?? c.voters.find((v) => v.id === nodeId)?.port ?? 9193,
      metrics: o.metrics,
      version: VERSION,
      logger: o.logger,
      ops: "controller",
      controller,
      ...(o.onUnexpectedError ? { onUnexpectedError: o.onUnexpectedError } : {}),
    });
    return { controller, listener };
  } catch (err) {
    await controller.close();
    throw err;
  }
}

export interface RunningControllerNode {
  readonly nodeId: number;
  readonly host: string;
  readonly controllerPort: number;
  readonly controller: ControllerNode;
  readonly metrics: MetricsRegistry;
  close(): Promise<void>;
}

/**
 * A controller-only node (process.roles has no broker): a voter of the quorum behind its
 * controller listener, no client listeners. Its data directory is claimed for the cluster id
 * the quorum agrees on (a directory of another cluster stops it).
 */
export async function startControllerNode(
  rt: Runtime,
  options: StartClusterNodeOptions,
  hooks: StartBrokerHooks = {},
): Promise<RunningControllerNode> {
  const c = options.cluster;
  const host = options.host ?? "127.0.0.1";
  const storage = options.storage ?? "disk";
  const hostRt: Runtime = storage === "memory"
    ? { ...rt, fs: new MemoryFileSystem({ random: rt.random, dirtyOpsMax: 0 }) }
    : rt;
  const dataDir = storage === "memory" ? memoryDataDir : (options.dataDir ?? "./data");
  const metrics = new MetricsRegistry();
  const logger = (options.logger ?? silentLogger).with({ nodeId: c.nodeId });
  const closers: Closer[] = [];
  let closing: Promise<void> | null = null;
  const close =
    () => (closing ??= closeAll(closers, rt.timers, options.shutdownGraceMsMax ?? 10_000).finally(
      () => offFatal(),
    ));
  const offFatal = stopOnFatalInvariant(
    logger,
    hooks.onFatalInvariant ?? ((violation) => {
      void close();
      options.onUnexpectedError?.(violation);
    }),
  );
  try {
    await mkdirDurable(hostRt.fs, dataDir);
    if (storage !== "memory") {
      const lock = await DataDirLock.acquire(hostRt, dataDir, logger);
      closers.push({ name: "data dir lock", close: () => lock.release() });
    }
    const existing = await readMetaProperties(hostRt.fs, dataDir);
    if (existing !== null && existing.nodeId !== c.nodeId) {
      throw new TributaryError(
        "INVALID_CONFIG",
        `${dataDir} belongs to node ${existing.nodeId}, not node ${c.nodeId}`,
      );
    }
    const voters = new Map(c.voters.map((v) => [v.id, v]));
    const links = new PeerLinks(hostRt, {
      clientId: `tributary-node-${c.nodeId}`,
      address: (id) => voters.get(id) ?? null,
      requestTimeoutMs: PEER_REQUEST_TIMEOUT_MS,
      connectTimeoutMs: PEER_CONNECT_TIMEOUT_MS,
      logger,
    });
    closers.unshift({ name: "controller links", close: () => links.close() });
    const { controller, listener } = await openController(hostRt, {
      c,
      host,
      dataDir,
      clusterIdHint: existing?.clusterId ?? null,
      defaultPartitions: options.defaultPartitions ?? 1,
      metrics,
      logger,
      links,
      ...(options.onUnexpectedError ? { onUnexpectedError: options.onUnexpectedError } : {}),
      onClusterId: (clusterId) => {
        claimDataDir(hostRt.fs, hostRt.random, dataDir, { nodeId: c.nodeId, clusterId }).catch(
          (err: unknown) => {
            logger.error("cluster.wrong_cluster", `${messageOf(err)}; the controller stops`, {
              clusterId,
            });
            void close();
          },
        );
      },
    });
    closers.unshift({ name: "controller", close: () => controller.close() });
    closers.unshift({ name: "controller listener", close: () => listener.close() });
    return { nodeId: c.nodeId, host, controllerPort: listener.port, controller, metrics, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** The listeners to register, or null while a port is still to be picked (0). */
function endpointsOf(
  host: string,
  port: number,
  httpPort: number | null | false | undefined,
  controllerPort: number | null,
  kafkaPort: number | null,
): ListenerEndpoint[] | null {
  const http = httpPort === undefined ? 8080 : httpPort;
  if (port === 0 || http === 0 || kafkaPort === 0) return null;
  const endpoints: ListenerEndpoint[] = [{ listener: "cbor", host, port }];
  if (http !== null && http !== false) endpoints.push({ listener: "http", host, port: http });
  if (kafkaPort !== null) endpoints.push({ listener: KAFKA_LISTENER, host, port: kafkaPort });
  if (controllerPort !== null) {
    endpoints.push({ listener: "controller", host, port: controllerPort });
  }
  return endpoints;
}

/**
 * Where the HTTP API forwards a partition's or a group's requests: the leader's HTTP listener
 * from the committed image (constant time per request), null when this broker answers itself.
 */
function httpTargets(
  membership: BrokerMembership,
  nodeId: number,
  groups: Pick<GroupService, "offsetsPartitionOf">,
): {
  forwardTarget(topic: string, partition: number): string | null;
  coordinatorTarget(groupId: string): string | null;
} {
  const forwardTarget = (topic: string, partition: number): string | null => {
    const image = membership.committed.image;
    const leader = image.topic(topic)?.partitions[partition]?.leader;
    if (leader === undefined || leader < 0 || leader === nodeId) return null;
    const http = image.broker(leader)?.endpoints.find((e) => e.listener === "http");
    if (http === undefined) return null;
    const host = http.host.includes(":") ? `[${http.host}]` : http.host;
    return `http://${host}:${http.port}`;
  };
  return {
    forwardTarget,
    coordinatorTarget: (groupId) =>
      forwardTarget(CONSUMER_OFFSETS_TOPIC, groups.offsetsPartitionOf(groupId)),
  };
}

/** The partitions an election names (all when null), with their leaders now. */
function electTargets(
  membership: BrokerMembership,
  targets: readonly { topic: string; partition?: number }[] | null,
): { topic: string; partition: number; leader: number }[] {
  const image = membership.committed.image;
  const out: { topic: string; partition: number; leader: number }[] = [];
  const topics = targets === null
    ? [...image.topics()].map((t) => ({ topic: t.name, partition: undefined }))
    : targets;
  for (const t of topics) {
    const topic = image.topic(t.topic);
    if (topic === undefined) {
      throw new TributaryError("UNKNOWN_TOPIC_OR_PARTITION", `unknown topic ${t.topic}`);
    }
    for (const p of topic.partitions) {
      if (t.partition === undefined || t.partition === p.partition) {
        out.push({ topic: topic.name, partition: p.partition, leader: p.leader });
      }
    }
  }
  return out;
}

/**
 * What clients may ask of the controller through a broker's listener: the admin changes a
 * cluster makes there (add partitions, elect leaders, reassign partitions). A broker's own channel (registration,
 * heartbeats, AlterPartition, metadata) stays on the controller listener.
 */
function clientFacing(router: ControllerService): ControllerService {
  const refuse = () =>
    Promise.reject(
      new TributaryError("NOT_CONTROLLER", "ask the controller listener for broker operations"),
    );
  return {
    registerBroker: refuse,
    brokerHeartbeat: refuse,
    fetchMetadata: refuse,
    alterPartition: refuse,
    createTopics: refuse,
    deleteTopics: refuse,
    allocateProducerIds: refuse,
    createPartitions: (r) => router.createPartitions(r),
    alterTopicConfigs: (r) => router.alterTopicConfigs(r),
    electLeaders: (r) => router.electLeaders(r),
    reassignPartitions: (r) => router.reassignPartitions(r),
    receiveRaft: () => {},
  };
}

function cborAddressOf(
  membership: BrokerMembership,
  brokerId: number,
): { host: string; port: number } | null {
  const b = membership.committed.image.broker(brokerId);
  const e = b?.endpoints.find((x) => x.listener === "cbor");
  return e === undefined ? null : { host: e.host, port: e.port };
}

function activeControllerOf(local: ControllerNode | undefined, router: ControllerRouter): number {
  const status = local?.status();
  if (status !== undefined && status.leaderId !== null) return status.leaderId;
  return router.activeGuess;
}

function describeCluster(
  membership: BrokerMembership,
  broker: Broker,
  parts: { controller?: ControllerNode },
  router: ControllerRouter,
): ClusterBody {
  const image = membership.committed.image;
  return {
    clusterId: image.clusterId ?? broker.clusterId,
    controllerId: activeControllerOf(parts.controller, router),
    brokers: [...image.brokers()].sort((a, b) => a.brokerId - b.brokerId).map((b) => {
      const cbor = b.endpoints.find((e) => e.listener === "cbor");
      const http = b.endpoints.find((e) => e.listener === "http");
      return {
        id: b.brokerId,
        host: cbor?.host ?? "",
        port: cbor?.port ?? 0,
        httpPort: http?.port ?? null,
        rack: b.rack,
        state: b.fenced ? "fenced" : "running",
      };
    }),
  };
}

/**
 * The controller listener serves no broker operation (its table never reaches one); ApiVersions
 * names the node.
 */
function notABroker(nodeId: number): BrokerApi {
  return new Proxy({ nodeId } as unknown as BrokerApi, {
    get: (target, name) =>
      name === "nodeId" ? target.nodeId : () => {
        throw new TributaryError(
          "NOT_LEADER_OR_FOLLOWER",
          `node ${nodeId}'s controller listener serves no broker operation`,
        );
      },
  });
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
