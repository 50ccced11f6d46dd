package io.serpentis.gateway.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.serpentis.gateway.config.FeedConfig;
import io.serpentis.gateway.config.GatewayConfig;
import io.serpentis.gateway.registry.DisconnectReason;
import io.serpentis.gateway.registry.LocalClientRegistry;
import io.serpentis.gateway.registry.NodeIdentity;
import io.serpentis.gateway.registry.StatusUpdate;
import io.serpentis.gateway.testing.RecordingConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The fleet's history ({@link FleetHistory}): an hour kept in a bounded ring, rates from acknowledged updates, the
 * fleet's rate summed over the live members, and the ring following the samples kept in Redis (here a store with
 * Redis's rule: the first sample of an interval wins).
 */
class FleetHistoryTest {
    private static final long T0 = 1_767_225_600_000L; // 2026-01-01T00:00:00Z
    private static final FeedConfig FEED = GatewayConfig.defaults().feed();

    private final AtomicLong updates = new AtomicLong();
    private final AtomicLong nanos = new AtomicLong();
    private final AtomicLong wallMillis = new AtomicLong(T0);
    private final GatewayConfig config = GatewayConfig.defaults();
    private final LocalClientRegistry registry =
            new LocalClientRegistry(config.limits(), config.registry(), "history-node");

    private static HistorySample sample(long t, int connected) {
        return new HistorySample(t, connected, 0, 0);
    }

    private FleetHistory history(FleetHistory.@Nullable Store store, @Nullable FleetMembers fleet) {
        return new FleetHistory(
                FEED,
                registry,
                new FleetHistory.UpdateRate(updates::get, nanos::get),
                "history-node",
                fleet,
                store,
                wallMillis::get);
    }

    private static FleetMembers.Member member(String id, FleetMembers.State state, double rate) {
        return new FleetMembers.Member(id, "1-abc", "http://x", state, 0, 0, 0, 0, 0, rate);
    }

    @Test
    void theRingKeepsAnHourOfSamplesOldestFirstAndNoMore() {
        HistoryRing ring = new HistoryRing(FEED.historySamples(), FeedConfig.HISTORY_KEPT.toMillis());
        assertThat(ring.capacity()).isEqualTo(360);
        for (int i = 0; i < 400; i++) {
            assertThat(ring.add(sample(T0 + i * 10_000L, i))).isTrue();
        }
        List<HistorySample> kept = ring.samples();
        assertThat(kept).hasSize(360);
        assertThat(kept.get(0).connected()).isEqualTo(40);
        assertThat(kept.get(359).connected()).isEqualTo(399);
        assertThat(ring.newestMillis()).isEqualTo(T0 + 399 * 10_000L);
    }

    @Test
    void theRingIgnoresASampleNotNewerThanItsNewestAndDropsWhatIsOlderThanAnHour() {
        HistoryRing ring = new HistoryRing(360, FeedConfig.HISTORY_KEPT.toMillis());
        ring.add(sample(T0, 1));
        ring.add(sample(T0 + 10_000, 2));
        assertThat(ring.add(sample(T0 + 10_000, 3)))
                .as("the same interval again")
                .isFalse();
        assertThat(ring.add(sample(T0, 4))).as("a clock that stepped back").isFalse();
        // After a gap of an hour (every node down), the samples before it are no longer the last hour.
        ring.add(sample(T0 + 3_600_000, 5));
        assertThat(ring.samples()).extracting(HistorySample::connected).containsExactly(2, 5);
        assertThatThrownBy(() -> new HistoryRing(0, 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theRateIsTheAcknowledgedUpdatesSinceTheLastSampleOverTheSecondsBetween() {
        FleetHistory.UpdateRate rate = new FleetHistory.UpdateRate(updates::get, nanos::get);
        updates.set(250);
        nanos.set(Duration.ofSeconds(10).toNanos());
        assertThat(rate.next()).isEqualTo(25.0);
        updates.addAndGet(5);
        nanos.addAndGet(Duration.ofSeconds(2).toNanos());
        assertThat(rate.next()).isEqualTo(2.5);
        assertThat(rate.next()).as("no time passed").isZero();
        updates.set(0); // a counter that went back
        nanos.addAndGet(Duration.ofSeconds(10).toNanos());
        assertThat(rate.next()).isZero();
    }

    @Test
    void theFleetRateIsThisNodesOwnPlusEveryOtherLiveMembersLastReportedRate() {
        List<FleetMembers.Member> members = List.of(
                member("history-node", FleetMembers.State.LIVE, 1000), // this node's own, from its last heartbeat
                member("b", FleetMembers.State.LIVE, 12.5),
                member("c", FleetMembers.State.LIVE, 7.5),
                member("d", FleetMembers.State.STALE, 500)); // its heartbeat is late, and so is its rate
        assertThat(FleetHistory.fleetRate(3, "history-node", members)).isEqualTo(23.0);
        assertThat(FleetHistory.fleetRate(3, "history-node", List.of())).isEqualTo(3.0);
    }

    @Test
    void aSampleCountsTheFleetsConnectedAndDisconnectedClientsAndItsUpdateRate() {
        for (int i = 0; i < 5; i++) {
            RecordingConnection conn = new RecordingConnection("c" + i);
            registry.apply(conn, new StatusUpdate("c" + i, new String[] {"client_state"}, new String[] {"running"}));
            if (i < 2) {
                registry.release(conn, "c" + i, DisconnectReason.CLIENT);
            }
        }
        FleetMembers fleet = new StaticMembers(List.of(
                member("history-node", FleetMembers.State.LIVE, 0), member("peer", FleetMembers.State.LIVE, 4.25)));
        FleetHistory history = history(null, fleet);
        updates.set(30);
        nanos.set(Duration.ofSeconds(10).toNanos());
        wallMillis.set(T0 + 12_345);

        HistorySample s = history.sample();

        assertThat(s.epochMillis()).as("the start of the interval").isEqualTo(T0 + 10_000);
        assertThat(s.time()).isEqualTo("2026-01-01T00:00:10Z");
        assertThat(s.connected()).isEqualTo(3);
        assertThat(s.disconnected()).isEqualTo(2);
        assertThat(history.ownRate()).isEqualTo(3.0);
        assertThat(s.updatesPerSecond()).isEqualTo(7.25);
        assertThat(history.samples()).containsExactly(s);
    }

    @Test
    void withAStoreTheRingFollowsTheSamplesKeptThereAndWithoutOneItsOwn() {
        FirstWriterWins redis = new FirstWriterWins();
        redis.kept.put(T0 - 20_000, sample(T0 - 20_000, 7)); // written before this node started
        redis.kept.put(T0 - 10_000, sample(T0 - 10_000, 8));
        FleetHistory history = history(redis, null);
        history.start();
        try {
            await().atMost(Duration.ofSeconds(5)).until(() -> history.samples().size() == 2);
        } finally {
            history.close();
        }
        assertThat(redis.closed).isTrue();

        FleetHistory node = history(redis, null);
        redis.kept.put(T0, sample(T0, 9)); // a peer sampled this interval first
        wallMillis.set(T0 + 1_000);
        node.sample();
        wallMillis.set(T0 + 10_000);
        node.sample();
        assertThat(node.samples())
                .extracting(HistorySample::connected)
                .as("everything after the ring's newest, the peer's sample of this interval included")
                .containsExactly(7, 8, 9, 0);

        redis.failing = true; // Redis does not answer: the node keeps its own samples meanwhile
        wallMillis.set(T0 + 20_000);
        node.sample();
        assertThat(node.samples()).hasSize(5);
        assertThat(node.samples().get(4).epochMillis()).isEqualTo(T0 + 20_000);
    }

    /** The Redis store's rule in memory: the first sample of an interval is kept, later ones find it there. */
    private final class FirstWriterWins implements FleetHistory.Store {
        final TreeMap<Long, HistorySample> kept = new TreeMap<>();
        volatile boolean failing;
        volatile boolean closed;

        @Override
        public synchronized List<HistorySample> load() {
            return new ArrayList<>(kept.values());
        }

        @Override
        public synchronized List<HistorySample> append(HistorySample sample, long afterMillis) {
            if (failing) {
                throw new IllegalStateException("Redis did not answer");
            }
            kept.putIfAbsent(sample.epochMillis(), sample);
            return new ArrayList<>(kept.tailMap(afterMillis, false).values());
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    /** A member table that does not change. */
    private record StaticMembers(List<Member> members) implements FleetMembers {
        @Override
        public @Nullable NodeIdentity self() {
            return null;
        }

        @Override
        public @Nullable Member member(String nodeId) {
            return null;
        }

        @Override
        public List<LostNode> lost() {
            return List.of();
        }

        @Override
        public void addListener(Listener listener) {}
    }
}
