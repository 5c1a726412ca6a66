// The Python programs confluent-python.test.ts runs with Debian's /usr/bin/python3: each takes
// the bootstrap address (and names) on its command line and prints one JSON line, so the test
// asserts on what the client itself saw. confluent-kafka 1.7 (Debian's) has no
// list_consumer_groups/describe_consumer_groups/incremental_alter_configs yet: its AdminClient
// lists groups with list_groups (ListGroups then DescribeGroups) and alters with alter_configs,
// and the committed offsets are read back with Consumer.committed (OffsetFetch).

/** Creates a 2-partition topic, sends 200 records idempotently, then reads both partitions. */
export const IDEMPOTENT_PRODUCER = `
import json, sys
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
bootstrap, topic = sys.argv[1], sys.argv[2]
admin = AdminClient({"bootstrap.servers": bootstrap})
admin.create_topics([NewTopic(topic, 2, 1)])[topic].result(20)
reports = []
def delivered(err, msg):
    reports.append([None if err is None else str(err), msg.partition(), msg.offset()])
p = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True,
              "linger.ms": 5, "message.timeout.ms": 20000})
for i in range(200):
    p.produce(topic, key=b"k%d" % (i % 3), value=b"v-%d" % i, partition=i % 2,
              on_delivery=delivered)
    if i % 50 == 0:
        p.poll(0)
left = p.flush(20)
c = Consumer({"bootstrap.servers": bootstrap, "group.id": "idempotent-reader",
              "enable.auto.commit": False})
c.assign([TopicPartition(topic, 0, 0), TopicPartition(topic, 1, 0)])
got = []
for _ in range(60):
    if len(got) >= 200:
        break
    for m in c.consume(num_messages=500, timeout=0.5):
        if m.error() is None:
            got.append([m.partition(), m.offset(), m.value().decode()])
c.close()
print(json.dumps({"left": left, "reports": reports, "records": got}))
`;

/** Sends 20 records over 2 partitions (g-0 .. g-19, partition i % 2) to a new topic. */
export const PLAIN_PRODUCER = `
import json, sys
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic
bootstrap, topic = sys.argv[1], sys.argv[2]
admin = AdminClient({"bootstrap.servers": bootstrap})
admin.create_topics([NewTopic(topic, 2, 1)])[topic].result(20)
p = Producer({"bootstrap.servers": bootstrap})
for i in range(20):
    p.produce(topic, value=b"g-%d" % i, partition=i % 2)
print(json.dumps({"left": p.flush(20)}))
`;

/**
 * A group member with manual commits: reads LIMIT records, commits them synchronously, reads
 * the committed offsets back, and leaves.
 */
export const MANUAL_COMMIT_CONSUMER = `
import json, sys, time
from confluent_kafka import Consumer, TopicPartition
bootstrap, topic, group, limit = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
c = Consumer({"bootstrap.servers": bootstrap, "group.id": group,
              "enable.auto.commit": False, "auto.offset.reset": "earliest",
              "session.timeout.ms": 10000})
c.subscribe([topic])
got = []
deadline = time.time() + 40
while len(got) < limit and time.time() < deadline:
    m = c.poll(0.5)
    if m is None or m.error() is not None:
        continue
    got.append([m.partition(), m.offset(), m.value().decode()])
committed = c.commit(asynchronous=False)
back = c.committed([TopicPartition(topic, 0), TopicPartition(topic, 1)], timeout=10)
c.close()
print(json.dumps({"records": got,
                  "committed": sorted([t.partition, t.offset] for t in committed),
                  "fetched": sorted([t.partition, t.offset] for t in back)}))
`;

export const T0 = 1_700_000_000_000;

/**
 * Records with explicit timestamps (partition 0: one per second from T0; partition 1: two per
 * second), compressed with the codec named (none, gzip, ...), then offsets_for_times at times
 * before, on, between and after them: the broker must look inside the stored batches.
 */
export const OFFSETS_FOR_TIMES = `
import json, sys
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
bootstrap, topic, T0 = sys.argv[1], sys.argv[2], ${T0}
admin = AdminClient({"bootstrap.servers": bootstrap})
admin.create_topics([NewTopic(topic, 2, 1)])[topic].result(20)
p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 50, "compression.type": sys.argv[4]})
for i in range(10):
    p.produce(topic, value=b"a-%d" % i, partition=0, timestamp=T0 + 1000 * i)
    for j in range(2):
        p.produce(topic, value=b"b-%d-%d" % (i, j), partition=1, timestamp=T0 + 1000 * i)
left = p.flush(20)
c = Consumer({"bootstrap.servers": bootstrap, "group.id": "times-reader",
              "enable.auto.commit": False})
answers = []
for t in [int(a) for a in sys.argv[3].split(",")]:
    found = c.offsets_for_times([TopicPartition(topic, 0, t), TopicPartition(topic, 1, t)],
                                timeout=10)
    answers.append([[tp.partition, tp.offset, None if tp.error is None else str(tp.error)]
                    for tp in found])
# The record at an answered offset carries the producer's timestamp (CreateTime).
c.assign([TopicPartition(topic, 0, 3)])
stamp = None
for _ in range(40):
    m = c.poll(0.5)
    if m is not None and m.error() is None:
        stamp = [m.offset(), list(m.timestamp())]
        break
c.close()
print(json.dumps({"left": left, "answers": answers, "stamp": stamp}))
`;

/** AdminClient on one node: topics, configs, partitions, groups, deletion. */
export const ADMIN_CLIENT = `
import json, sys, time
from confluent_kafka import Consumer, KafkaException
from confluent_kafka.admin import AdminClient, ConfigResource, NewPartitions, NewTopic
bootstrap, topic, group = sys.argv[1], sys.argv[2], sys.argv[3]
a = AdminClient({"bootstrap.servers": bootstrap})
out = {}
def err(f):
    try:
        f.result(20)
        return None
    except KafkaException as e:
        return e.args[0].name()
new = NewTopic(topic, 3, 1, config={"retention.ms": "3600000", "cleanup.policy": "compact"})
out["create"] = err(a.create_topics([new])[topic])
out["create_again"] = err(a.create_topics([NewTopic(topic, 3, 1)])[topic])
md = a.list_topics(timeout=10)
t = md.topics.get(topic)
out["listed"] = None if t is None else sorted(t.partitions)
out["brokers"] = sorted([b.id, b.host, b.port] for b in md.brokers.values())
out["controller"] = md.controller_id
res = ConfigResource("topic", topic)
def configs(names):
    entries = a.describe_configs([res])[res].result(20)
    return {n: [entries[n].value, entries[n].is_default] for n in names}
out["described"] = configs(["retention.ms", "cleanup.policy", "segment.bytes"])
# AlterConfigs replaces the topic's whole set: retention.ms goes back to its default.
alter = ConfigResource("topic", topic,
                       set_config={"cleanup.policy": "delete", "max.message.bytes": "65536"})
out["alter"] = err(a.alter_configs([alter])[alter])
out["altered"] = configs(["retention.ms", "cleanup.policy", "max.message.bytes"])
out["grow_validate"] = err(a.create_partitions([NewPartitions(topic, 5)], validate_only=True)[topic])
out["shrink_validate"] = err(a.create_partitions([NewPartitions(topic, 2)], validate_only=True)[topic])
out["grow"] = err(a.create_partitions([NewPartitions(topic, 5)])[topic])
# A member, so that list_groups has a group to show with its state and members.
c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "auto.offset.reset": "earliest"})
c.subscribe([topic])
deadline = time.time() + 30
while time.time() < deadline and not c.assignment():
    c.poll(0.5)
out["assignment"] = sorted(tp.partition for tp in c.assignment())
mine = [g for g in a.list_groups(timeout=10) if g.id == group]
out["groups"] = [[g.id, g.state, g.protocol_type, g.protocol, len(g.members)] for g in mine]
c.close()
out["deleted"] = err(a.delete_topics([topic])[topic])
deadline = time.time() + 10
while time.time() < deadline and topic in a.list_topics(timeout=10).topics:
    time.sleep(0.2)
out["after_delete"] = topic in a.list_topics(timeout=10).topics
out["delete_again"] = err(a.delete_topics([topic])[topic])
print(json.dumps(out))
`;

// The two kafka-python programs of issue 12, as written but for the port (argv[1]).
export const QUICKSTART_PRODUCER = `
import sys
from kafka import KafkaProducer
producer = KafkaProducer(bootstrap_servers=sys.argv[1])
for i in range(5):
    producer.send('test_topic', b'message %d' % i)
producer.flush()
`;

export const QUICKSTART_CONSUMER = `
import sys
from kafka import KafkaConsumer
# Added to the program as written: auto_offset_reset='earliest', because the producer ran
# before this new group existed and the default 'latest' would start after its records; and
# consumer_timeout_ms, because the for loop otherwise waits for more records for ever.
consumer = KafkaConsumer('test_topic', group_id='test_group', bootstrap_servers=sys.argv[1],
                         auto_offset_reset='earliest', consumer_timeout_ms=10000)
for message in consumer:
    print(message.topic, message.partition, message.offset, message.value.decode())
`;

/**
 * kafka-python's KafkaAdminClient on a group (the group APIs confluent-kafka 1.7 lacks):
 * list_consumer_groups, describe_consumer_groups (an empty group and a live one),
 * list_consumer_group_offsets, delete_consumer_groups.
 */
export const KAFKA_PYTHON_GROUP_ADMIN = `
import json, sys, time
from kafka import KafkaAdminClient, KafkaConsumer
bootstrap, topic, group = sys.argv[1], sys.argv[2], sys.argv[3]
a = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=20000)
out = {}
out["listed"] = sorted(g for g in a.list_consumer_groups() if g[0] == group)
d = a.describe_consumer_groups([group])[0]
out["described"] = [d.group, d.state, d.protocol_type, len(d.members)]
offsets = a.list_consumer_group_offsets(group)
out["offsets"] = sorted([tp.partition, m.offset] for tp, m in offsets.items() if tp.topic == topic)
c = KafkaConsumer(topic, group_id=group + "-live", bootstrap_servers=bootstrap)
deadline = time.time() + 30
while time.time() < deadline and not c.assignment():
    c.poll(timeout_ms=500)
live = a.describe_consumer_groups([group + "-live"])[0]
out["live"] = [live.state, live.protocol, len(live.members),
               [sorted(p for t, ps in m.member_assignment.assignment if t == topic for p in ps)
                for m in live.members]]
c.close()
out["deleted"] = [[g, e.__name__] for g, e in a.delete_consumer_groups([group])]
out["after_delete"] = [g[0] for g in a.list_consumer_groups() if g[0] == group]
a.close()
print(json.dumps(out))
`;

/** A transactional producer: init_transactions must fail at once, fatally, saying why. */
export const TRANSACTIONAL_PRODUCER = `
import json, sys, time
from confluent_kafka import KafkaException, Producer
p = Producer({"bootstrap.servers": sys.argv[1], "transactional.id": "tx-app"})
started = time.time()
try:
    p.init_transactions(30)
    print(json.dumps({"initialised": True}))
except KafkaException as x:
    e = x.args[0]
    print(json.dumps({"name": e.name(), "fatal": e.fatal(), "message": e.str(),
                      "seconds": time.time() - started}))
`;

/**
 * Two members of a cooperative-sticky group (KIP-429 incremental rebalancing in librdkafka): the
 * second joins and takes partitions from the first, then leaves and gives them back. Every
 * assign/revoke callback is recorded in order.
 */
export const COOPERATIVE_GROUP = `
import json, sys, time
from confluent_kafka import Consumer
from confluent_kafka.admin import AdminClient, NewTopic
b, topic = sys.argv[1], sys.argv[2]
admin = AdminClient({"bootstrap.servers": b})
admin.create_topics([NewTopic(topic, 4, 1)])[topic].result(20)
events = []
def member(name):
    c = Consumer({"bootstrap.servers": b, "group.id": "coop-" + topic,
                  "partition.assignment.strategy": "cooperative-sticky",
                  "session.timeout.ms": 10000, "heartbeat.interval.ms": 500})
    c.subscribe([topic],
                on_assign=lambda c, ps: events.append([name, "assign", sorted(p.partition for p in ps)]),
                on_revoke=lambda c, ps: events.append([name, "revoke", sorted(p.partition for p in ps)]))
    return c
def owned(c):
    return sorted(p.partition for p in c.assignment())
def poll_until(ready, members):
    deadline = time.time() + 30
    while time.time() < deadline and not ready():
        for c in members:
            c.poll(0.1)
c1 = member("c1")
poll_until(lambda: len(c1.assignment()) == 4, [c1])
alone = owned(c1)
c2 = member("c2")
poll_until(lambda: len(c1.assignment()) + len(c2.assignment()) == 4 and c2.assignment(), [c1, c2])
shared = [owned(c1), owned(c2)]
c2.close()
poll_until(lambda: len(c1.assignment()) == 4, [c1])
print(json.dumps({"alone": alone, "shared": shared, "after": owned(c1), "events": events}))
c1.close()
`;

/** A static member (group.instance.id) leaves and comes back as the same member. */
export const STATIC_MEMBER = `
import json, sys, time
from confluent_kafka import Consumer
from confluent_kafka.admin import AdminClient, NewTopic
b, topic = sys.argv[1], sys.argv[2]
group = "static-" + topic
admin = AdminClient({"bootstrap.servers": b})
admin.create_topics([NewTopic(topic, 2, 1)])[topic].result(20)
def run():
    c = Consumer({"bootstrap.servers": b, "group.id": group, "group.instance.id": "instance-1",
                  "session.timeout.ms": 10000})
    c.subscribe([topic])
    deadline = time.time() + 30
    while time.time() < deadline and not c.assignment():
        c.poll(0.1)
    owned = sorted(p.partition for p in c.assignment())
    c.close()  # a static member sends no LeaveGroup: the group keeps it until its session ends
    return owned
runs = [run(), run()]
groups = [[g.state, len(g.members)] for g in admin.list_groups(group, timeout=10)]
print(json.dumps({"runs": runs, "groups": groups}))
`;

/**
 * An idempotent producer whose one batch exceeds the topic's max.message.bytes (1024): that
 * batch fails, and the records sent after it still arrive, once each and in order (the broker
 * must not count the refused batch's sequence numbers as written).
 */
export const IDEMPOTENT_AFTER_REFUSAL = `
import json, sys
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
bootstrap, topic = sys.argv[1], sys.argv[2]
admin = AdminClient({"bootstrap.servers": bootstrap})
admin.create_topics([NewTopic(topic, 1, 1, config={"max.message.bytes": "1024"})])[topic].result(20)
reports = []
def report(name):
    return lambda err, msg: reports.append([name, None if err is None else err.name(), msg.offset()])
p = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "linger.ms": 0})
p.produce(topic, value=b"before", on_delivery=report("before"))
p.flush(10)
p.produce(topic, value=b"x" * 5000, on_delivery=report("big"))
p.flush(10)
for i in range(3):
    p.produce(topic, value=b"after-%d" % i, on_delivery=report("after-%d" % i))
    p.flush(10)
c = Consumer({"bootstrap.servers": bootstrap, "group.id": "refusal-reader",
              "enable.auto.commit": False})
c.assign([TopicPartition(topic, 0, 0)])
got = []
for _ in range(40):
    if len(got) >= 4:
        break
    m = c.poll(0.5)
    if m is not None and m.error() is None:
        got.append([m.offset(), m.value().decode()])
c.close()
print(json.dumps({"reports": reports, "records": got}))
`;

/**
 * Timestamps out of order (CreateTime as the producer set it) in one partition, sent in one
 * batch or one batch per record (argv[3] is linger.ms): offsets_for_times answers the first
 * OFFSET whose timestamp is at or after each time, as Kafka does, not the nearest timestamp.
 */
export const OUT_OF_ORDER_TIMES = `
import json, sys
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
b, topic, linger, T0 = sys.argv[1], sys.argv[2], int(sys.argv[3]), ${T0}
admin = AdminClient({"bootstrap.servers": b})
admin.create_topics([NewTopic(topic, 1, 1)])[topic].result(20)
p = Producer({"bootstrap.servers": b, "linger.ms": linger})
for ms in [1000, 5000, 2000, 3000, 7000, 6000]:
    p.produce(topic, value=b"%d" % ms, timestamp=T0 + ms)
    if linger == 0:
        p.flush(10)
left = p.flush(10)
c = Consumer({"bootstrap.servers": b, "group.id": "out-of-order-reader"})
answers = []
for ms in [0, 1500, 2500, 4000, 5500, 6500, 7000, 7001]:
    found = c.offsets_for_times([TopicPartition(topic, 0, T0 + ms)], timeout=10)[0]
    answers.append([ms, found.offset])
c.close()
print(json.dumps({"left": left, "answers": answers}))
`;

/**
 * Auto-creation follows the Metadata request's allow flag: librdkafka's consumer asks without
 * it (allow.auto.create.topics defaults to false there) and is told the topic is unknown, its
 * producer asks with it and the topic is made.
 */
export const AUTO_CREATE = `
import json, sys, time
from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient
b, wanted, written = sys.argv[1], sys.argv[2], sys.argv[3]
admin = AdminClient({"bootstrap.servers": b})
c = Consumer({"bootstrap.servers": b, "group.id": "auto-create-probe"})
c.subscribe([wanted])
errors = []
deadline = time.time() + 20
while time.time() < deadline and not errors:
    m = c.poll(0.5)
    if m is not None and m.error() is not None:
        errors.append(m.error().name())
c.close()
p = Producer({"bootstrap.servers": b})
reports = []
p.produce(written, value=b"x", on_delivery=lambda e, m: reports.append(None if e is None else e.name()))
p.flush(15)
topics = admin.list_topics(timeout=10).topics
print(json.dumps({"consumer": errors, "consumer_made": wanted in topics,
                  "producer": reports, "producer_made": written in topics}))
`;
