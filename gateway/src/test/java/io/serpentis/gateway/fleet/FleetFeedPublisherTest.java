package io.serpentis.gateway.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import io.serpentis.gateway.config.LimitsConfig;
import io.serpentis.gateway.config.RegistryConfig;
import io.serpentis.gateway.metrics.FleetViewMetrics;
import io.serpentis.gateway.registry.DisconnectReason;
import io.serpentis.gateway.registry.LocalClientRegistry;
import io.serpentis.gateway.registry.NodeIdentity;
import io.serpentis.gateway.registry.StatusUpdate;
import io.serpentis.gateway.testing.RecordingConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/**
 * What a node publishes on its feed: its own clients' records, coalesced to one entry per client whatever the update
 * rate, only once their claim is answered, only while a peer listens, numbered without gaps, and a heartbeat when
 * there is nothing else to say.
 */
class FleetFeedPublisherTest {
    private final LocalClientRegistry registry = new LocalClientRegistry(
            LimitsConfig.defaults(),
            RegistryConfig.defaults(),
            "gw-a",
            true,
            true,
            () -> System.currentTimeMillis() * 1000);
    private final FleetFeedCodec codec = new FleetFeedCodec(JsonMapper.builder().build());
    private final List<String> channels = new ArrayList<>();
    private final List<FleetFeedCodec.Message> sent = new ArrayList<>();
    private final AtomicBoolean peers = new AtomicBoolean(true);
    private final AtomicReference<NodeIdentity> self =
            new AtomicReference<>(new NodeIdentity("gw-a", "1-aaaaaa", "http://127.0.0.1:1"));
    private final FleetFeedPublisher publisher = new FleetFeedPublisher(
            registry,
            codec,
            (channel, message) -> {
                channels.add(channel);
                sent.add(codec.decode(message));
                return CompletableFuture.completedFuture(1L);
            },
            self::get,
            peers::get,
            new FleetViewMetrics(),
            Duration.ofHours(1));

    {
        registry.addListener(publisher);
    }

    private static StatusUpdate update(String id, String... pairs) {
        String[] names = new String[pairs.length / 2];
        String[] values = new String[pairs.length / 2];
        for (int i = 0; i < names.length; i++) {
            names[i] = pairs[2 * i];
            values[i] = pairs[2 * i + 1];
        }
        return new StatusUpdate(id, names, values);
    }

    /** Registers {@code id} on a connection of its own, as claimed by Redis with {@code epoch}. */
    private RecordingConnection claimed(String id, long epoch) {
        RecordingConnection c = new RecordingConnection(id);
        registry.apply(c, update(id, "n", "0"));
        registry.find(id).takeStoreWrite();
        registry.find(id).claimed(epoch);
        return c;
    }

    @Test
    void manyUpdatesOfOneClientMakeOneEntryWithItsLatestRecord() {
        RecordingConnection c = claimed("busy", 7);
        for (int i = 1; i <= 10_000; i++) {
            registry.apply(c, update("busy", "n", Integer.toString(i)));
        }
        assertThat(publisher.pending())
                .as("one entry per client, whatever the rate")
                .isEqualTo(1);
        publisher.tick();
        assertThat(channels).containsExactly("serpentis:{node:gw-a}:feed");
        assertThat(sent).hasSize(1);
        FleetFeedCodec.Message m = sent.get(0);
        assertThat(m.type()).isEqualTo(FleetFeedCodec.FEED);
        assertThat(m.seq()).isEqualTo(1);
        assertThat(m.incarnation()).isEqualTo("1-aaaaaa");
        assertThat(m.clients()).hasSize(1);
        Map<String, String> fields = m.clients().get(0).fields();
        assertThat(fields)
                .containsEntry("n", "10000")
                .containsEntry("gateway_epoch", "7")
                .containsEntry(
                        "gateway_version", Long.toString(registry.find("busy").version()))
                .containsEntry("connected", "true")
                .containsEntry("gateway_node", "gw-a");
        assertThat(publisher.pending()).isZero();
    }

    @Test
    void aRecordWaitsForItsClaimsAnswerAndRemoteRecordsAreNotPublished() {
        registry.apply(new RecordingConnection(), update("new", "k", "v"));
        registry.applyRemote(
                "theirs",
                Map.of("connected", "true", "gateway_node", "gw-b", "gateway_epoch", "3", "gateway_version", "4"));
        publisher.tick();
        assertThat(sent).as("the claim is unanswered: its epoch is unknown").isEmpty();
        registry.find("new").takeStoreWrite();
        registry.find("new").claimed(9);
        publisher.tick();
        assertThat(sent).hasSize(1);
        assertThat(sent.get(0).clients()).extracting(FleetFeedCodec.Entry::id).containsExactly("new");
    }

    @Test
    void nothingGoesOutWithoutPeersOrMembershipAndNothingIsLostMeanwhile() {
        RecordingConnection c = claimed("c", 5);
        peers.set(false);
        publisher.tick();
        self.set(null);
        peers.set(true);
        publisher.tick();
        assertThat(sent).isEmpty();
        self.set(new NodeIdentity("gw-a", "2-bbbbbb", "http://127.0.0.1:1"));
        registry.release(c, "c", DisconnectReason.CONNECTION_LOST);
        publisher.tick();
        assertThat(sent).hasSize(1);
        assertThat(sent.get(0).incarnation()).isEqualTo("2-bbbbbb");
        assertThat(sent.get(0).clients().get(0).fields())
                .containsEntry("connected", "false")
                .containsEntry("status_detail", "Connection lost");
    }

    @Test
    void aLoneNodeMarksNothingPerClientAndPublishesEveryOwnRecordOnceAPeerListens() {
        peers.set(false);
        publisher.tick();
        List<RecordingConnection> clients = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            clients.add(claimed("lone-" + i, 3));
        }
        registry.apply(clients.get(0), update("lone-0", "n", "1"));
        publisher.tick();
        assertThat(publisher.pending())
                .as("nothing kept per client while nobody listens")
                .isZero();
        assertThat(sent).isEmpty();

        peers.set(true);
        publisher.tick();
        assertThat(sent).flatExtracting(FleetFeedCodec.Message::clients).hasSize(100);
        assertThat(sent.get(0).clients())
                .filteredOn(e -> e.id().equals("lone-0"))
                .singleElement()
                .satisfies(e -> assertThat(e.fields()).containsEntry("n", "1"));
        sent.clear();
        registry.apply(clients.get(1), update("lone-1", "n", "2"));
        publisher.tick();
        assertThat(sent)
                .flatExtracting(FleetFeedCodec.Message::clients)
                .extracting(FleetFeedCodec.Entry::id)
                .containsExactly("lone-1");
    }

    @Test
    void messagesAreNumberedWithoutGapsAndAHeartbeatRepeatsTheLastNumber() throws Exception {
        FleetFeedPublisher quick = new FleetFeedPublisher(
                registry,
                codec,
                (channel, message) -> {
                    sent.add(codec.decode(message));
                    return CompletableFuture.completedFuture(1L);
                },
                self::get,
                peers::get,
                new FleetViewMetrics(),
                Duration.ofMillis(1));
        registry.addListener(quick);
        RecordingConnection c = claimed("c", 5);
        quick.tick();
        registry.apply(c, update("c", "n", "1"));
        quick.tick();
        Thread.sleep(5);
        quick.tick();
        assertThat(sent)
                .extracting(FleetFeedCodec.Message::type)
                .containsExactly(FleetFeedCodec.FEED, FleetFeedCodec.FEED, FleetFeedCodec.HEARTBEAT);
        assertThat(sent).extracting(FleetFeedCodec.Message::seq).containsExactly(1L, 2L, 2L);
        assertThat(quick.seq()).isEqualTo(2);
    }

    @Test
    void aRelayedRecordIsPublishedThoughAnotherNodeOwnsIt() {
        registry.applyRemote(
                "lost",
                Map.of(
                        "connected",
                        "false",
                        "gateway_node",
                        "gw-dead",
                        "status_detail",
                        "Gateway node lost",
                        "gateway_epoch",
                        "12",
                        "gateway_version",
                        "40"));
        publisher.tick();
        assertThat(sent).isEmpty();
        publisher.relay("lost");
        publisher.tick();
        assertThat(sent).hasSize(1);
        assertThat(sent.get(0).clients().get(0).fields())
                .containsEntry("gateway_node", "gw-dead")
                .containsEntry("gateway_epoch", "12")
                .containsEntry("status_detail", "Gateway node lost");
    }
}
