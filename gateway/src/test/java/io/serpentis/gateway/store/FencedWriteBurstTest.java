package io.serpentis.gateway.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.serpentis.gateway.config.LimitsConfig;
import io.serpentis.gateway.config.RegistryConfig;
import io.serpentis.gateway.metrics.RedisMetrics;
import io.serpentis.gateway.registry.ClientRecord;
import io.serpentis.gateway.registry.DisconnectReason;
import io.serpentis.gateway.registry.LocalClientRegistry;
import io.serpentis.gateway.registry.NodeIdentity;
import io.serpentis.gateway.registry.StatusUpdate;
import io.serpentis.gateway.registry.StoreWrite;
import io.serpentis.gateway.store.WriteBurst.Outcome;
import io.serpentis.gateway.store.WriteBurstTest.RecordingCommands;
import io.serpentis.gateway.store.WriteBurstTest.Sent;
import io.serpentis.gateway.testing.RecordingConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The write burst of a fleet member, without Redis: a registration's first write claims the client after adding
 * its id to the node's client set; the claim's answer sets the epoch every later write carries (the hot path
 * included); a claim that took the client from another node's connection tells that node; a write Redis refused
 * (fenced) stops the record being written and supersedes its connection; the index and the client set follow only
 * the writes Redis took.
 */
class FencedWriteBurstTest {
    private static final long RETENTION_MILLIS = 60_000;
    private static final NodeIdentity LIFE = new NodeIdentity("gw-1", "1-aaaaaa", "http://127.0.0.1:1");

    private final AtomicLong clock = new AtomicLong(1_780_000_000_000_000L);
    private final LocalClientRegistry registry = new LocalClientRegistry(
            LimitsConfig.defaults(),
            new RegistryConfig(Duration.ofMillis(RETENTION_MILLIS), Duration.ofSeconds(5)),
            "gw-1",
            true,
            true,
            clock::get);
    private final RecordingConnection conn = new RecordingConnection();
    private final RecordingCommands redis = new RecordingCommands();
    private final WriteQueue queue = new WriteQueue();
    private final ReplyAwaiter replies = new ReplyAwaiter(Duration.ofMillis(50));
    private final RedisMetrics metrics = new RedisMetrics(
            new SimpleMeterRegistry(),
            new RedisMetrics.Source() {
                @Override
                public boolean redisUp() {
                    return true;
                }

                @Override
                public int dirtyClients() {
                    return 0;
                }
            },
            512);
    private final FleetFencing fencing = new FleetFencing("gw-1");
    private final List<String> kicks = new ArrayList<>();

    FencedWriteBurstTest() {
        fencing.join(LIFE);
        fencing.addListener(new FleetFencing.Listener() {
            @Override
            public void claimedFrom(String clientId, String previousNode, long newEpoch) {
                kicks.add(clientId + " from " + previousNode + " at " + newEpoch);
            }
        });
    }

    private static StatusUpdate update(String id, String x) {
        return new StatusUpdate(id, new String[] {"x"}, new String[] {x});
    }

    private WriteBurst burst() {
        return new WriteBurst(redis, RedisScripts.CLIENTS_PER_CALL, RETENTION_MILLIS, clock.get() / 1000, fencing);
    }

    /** Answers what the burst sent so far, then (during settle) the index and set updates as they come. */
    private Outcome settle(WriteBurst b, Object... scriptReplies) {
        int next = 0;
        for (Sent s : redis.sent) {
            if (!s.reply().isDone()) {
                s.answer(s.command().equals("EVALSHA") ? scriptReplies[next++] : 1L);
            }
        }
        redis.autoAnswer = true; // the second round trip: index entries and the client set
        Outcome o = b.settle(replies, queue, metrics);
        redis.autoAnswer = false;
        return o;
    }

    private static List<Object> claimed(String previousNode, String previousConnected, long epoch) {
        return List.of(
                1L, previousNode, previousNode.isEmpty() ? "" : "x-1", "7", previousConnected, Long.toString(epoch));
    }

    /** Registers {@code id} and answers its claim with {@code epoch}; returns its record. */
    private ClientRecord claimedRecord(String id, long epoch) {
        registry.apply(conn, update(id, "1"));
        ClientRecord record = registry.find(id);
        WriteBurst b = burst();
        b.add(record);
        b.flush();
        settle(b, claimed("", "", epoch));
        redis.sent.clear();
        return record;
    }

    @Test
    void aRegistrationClaimsTheClientAfterItsIdJoinsTheNodesClientSet() {
        registry.apply(conn, update("c", "1"));
        ClientRecord record = registry.find("c");
        WriteBurst b = burst();
        b.add(record);
        b.flush();

        assertThat(redis.commands()).containsExactly("SADD", "EVALSHA");
        assertThat(redis.sent.get(0).line()).isEqualTo("serpentis:{node:gw-1}:clients c");
        assertThat(redis.sent.get(1).line()).isEqualTo(RedisScripts.CLAIM_SHA + " MULTI client:c:status");
        assertThat(redis.sent.get(1).args())
                .startsWith("gw-1", "1-aaaaaa", record.snapshot().get("connect_time"), "c", "0", "0");
        Outcome o = settle(b, claimed("", "", 123));

        assertThat(o.fenced()).isEmpty();
        assertThat(record.epoch()).as("the epoch the claim took").isEqualTo(123);
        assertThat(redis.commands()).as("the index follows the claim").endsWith("ZADD");
        assertThat(kicks).as("nobody held the client").isEmpty();
    }

    @Test
    void everyLaterWriteHotPathIncludedCarriesTheEpochTheClaimTook() {
        ClientRecord record = claimedRecord("c", 123);
        registry.apply(conn, update("c", "2"));
        WriteBurst b = burst();
        b.add(record);
        b.flush();

        assertThat(redis.commands()).containsExactly("EVALSHA");
        assertThat(redis.sent.get(0).line()).isEqualTo(RedisScripts.FENCED_WRITE_SHA + " MULTI client:c:status");
        assertThat(redis.sent.get(0).args())
                .startsWith("gw-1", "1-aaaaaa", "123", Long.toString(record.version()), "p", "-1", "0", "3", "x", "2");
        Outcome o = settle(b, List.of(1L));
        assertThat(o.fenced()).isEmpty();
        assertThat(redis.commands())
                .as("a live update touches neither the index nor the set")
                .containsExactly("EVALSHA");
    }

    @Test
    void aClaimThatTookTheClientFromAnotherNodesConnectionTellsThatNode() {
        registry.apply(conn, update("c", "1"));
        WriteBurst b = burst();
        b.add(registry.find("c"));
        b.flush();
        settle(b, claimed("gw-2", "true", 456));
        assertThat(kicks).containsExactly("c from gw-2 at 456");
    }

    @Test
    void aRefusedWriteSupersedesTheConnectionAndTheRecordIsNoLongerWritten() {
        ClientRecord record = claimedRecord("c", 123);
        registry.apply(conn, update("c", "2"));
        WriteBurst b = burst();
        b.add(record);
        b.flush();
        Outcome o = settle(b, List.of(-2L));

        assertThat(o.fenced()).containsExactly(record);
        assertThat(fencing.fencedWrites()).isEqualTo(1);
        assertThat(redis.commands()).as("the id leaves this node's set").endsWith("SREM");
        assertThat(registry.fenced(record)).isTrue();
        assertThat(conn.isSuperseded())
                .as("closed with 4001, no disconnect recorded")
                .isTrue();
        assertThat(record.isRemote()).isTrue();
        assertThat(record.snapshot().get("connected"))
                .as("not marked disconnected by this node")
                .isEqualTo("true");
        registry.apply(conn, update("c", "3")); // a late message on the superseded connection
        assertThat(record.takeStoreWrite())
                .as("never written by this node again")
                .isNull();
    }

    @Test
    void aDisconnectWrittenUnderTheEpochLeavesTheSetAndScoresTheIndexByItsExpiry() {
        ClientRecord record = claimedRecord("c", 123);
        registry.release(conn, "c", DisconnectReason.CLIENT);
        WriteBurst b = burst();
        b.add(record);
        b.flush();
        StoreWrite w = b.pending().get(0).write();
        assertThat(w.disconnected()).isTrue();
        settle(b, List.of(1L));
        assertThat(redis.commands()).containsExactly("EVALSHA", "ZADD", "SREM");
        assertThat(redis.sent.get(1).line())
                .isEqualTo(RedisStatusStore.INDEX_KEY + " "
                        + (double) (w.disconnectedAtMicros() / 1000 + RETENTION_MILLIS) + " c");
    }

    @Test
    void aRecordRedisLostIsClaimedAgain() {
        ClientRecord record = claimedRecord("c", 123);
        registry.apply(conn, update("c", "2"));
        WriteBurst b = burst();
        b.add(record);
        b.flush();
        assertThat(settle(b, List.of(-1L)).missing()).isEqualTo(1);
        assertThat(queue.drain(10)).containsExactly(record);
        StoreWrite again = record.takeStoreWrite();
        assertThat(again.ownership()).isEqualTo(StoreWrite.Ownership.CLAIM);
        assertThat(again.full()).isTrue();
    }
}
