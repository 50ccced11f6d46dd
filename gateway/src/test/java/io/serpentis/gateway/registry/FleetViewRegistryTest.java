package io.serpentis.gateway.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.serpentis.gateway.config.LimitsConfig;
import io.serpentis.gateway.config.RegistryConfig;
import io.serpentis.gateway.testing.RecordingConnection;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The registry as a fleet member's view of the whole fleet (issue 13 point 1): remote records count as connected
 * when their owner says so, fleet-wide counts stay exact through every transition, and the feed publishes only what
 * this node owns, once its claim is answered.
 */
class FleetViewRegistryTest {
    private final AtomicLong clock = new AtomicLong(1_780_000_000_000_000L);
    private final LocalClientRegistry fleet = new LocalClientRegistry(
            LimitsConfig.defaults(),
            new RegistryConfig(Duration.ofSeconds(60), Duration.ofSeconds(5)),
            "node-a",
            true,
            true,
            clock::get);

    private static StatusUpdate update(String id, String... pairs) {
        String[] names = new String[pairs.length / 2];
        String[] values = new String[pairs.length / 2];
        for (int i = 0; i < names.length; i++) {
            names[i] = pairs[2 * i];
            values[i] = pairs[2 * i + 1];
        }
        return new StatusUpdate(id, names, values);
    }

    private static Map<String, String> remote(String node, boolean connected, long epoch, long version) {
        return Map.of(
                "k",
                "v",
                "connected",
                Boolean.toString(connected),
                "gateway_node",
                node,
                "gateway_epoch",
                Long.toString(epoch),
                "gateway_version",
                Long.toString(version));
    }

    @Test
    void aRemoteRecordIsConnectedWhenItsOwnerSaysSoAndCountsFleetWide() {
        assertThat(fleet.applyRemote("far", remote("node-b", true, 5, 10))).isTrue();
        ClientRecord far = fleet.find("far");
        assertThat(far.connected()).isTrue();
        assertThat(far.snapshot().connected()).isTrue();
        assertThat(far.snapshot().get("gateway_node")).isEqualTo("node-b");
        assertThat(fleet.connectedCount()).as("connected to this node").isZero();
        assertThat(fleet.fleetConnectedCount()).isEqualTo(1);

        assertThat(fleet.applyRemote("far", remote("node-b", false, 5, 11))).isTrue();
        assertThat(far.connected()).isFalse();
        assertThat(fleet.fleetConnectedCount()).isZero();
        assertThat(fleet.applyRemote("far", remote("node-b", true, 5, 9)))
                .as("older: dropped")
                .isFalse();
        assertThat(fleet.fleetConnectedCount()).isZero();
    }

    @Test
    void fleetCountsStayExactWhenAClientMovesHereAndAwayAgain() {
        fleet.applyRemote("c", remote("node-b", true, 5, 10));
        assertThat(fleet.fleetConnectedCount()).isEqualTo(1);

        RecordingConnection here = new RecordingConnection();
        fleet.apply(here, update("c", "k", "w")); // reconnected here
        assertThat(fleet.connectedCount()).isEqualTo(1);
        assertThat(fleet.fleetConnectedCount()).as("counted once").isEqualTo(1);
        ClientRecord c = fleet.find("c");
        c.takeStoreWrite();
        c.claimed(20);

        // It moved on to node-c: its feed tells, the kick lets the local connection go.
        assertThat(fleet.kicked("c", 30)).isTrue();
        assertThat(fleet.applyRemote("c", remote("node-c", true, 30, 1))).isTrue();
        assertThat(here.isSuperseded()).isTrue();
        assertThat(fleet.connectedCount()).isZero();
        assertThat(fleet.fleetConnectedCount()).isEqualTo(1);
        assertThat(c.snapshot().get("gateway_node")).isEqualTo("node-c");

        // Gone for the retention: purged, and no longer counted.
        fleet.applyRemote(
                "c",
                Map.of(
                        "connected",
                        "false",
                        "gateway_node",
                        "node-c",
                        "disconnect_time",
                        "2026-01-01T00:00:00.000000+00:00",
                        "gateway_epoch",
                        "30",
                        "gateway_version",
                        "2"));
        assertThat(fleet.fleetConnectedCount()).isZero();
        assertThat(fleet.purgeExpired()).isEqualTo(1);
        assertThat(fleet.size()).isZero();
    }

    @Test
    void aRecordFencedAwayStillCountsAsConnectedElsewhere() {
        RecordingConnection here = new RecordingConnection();
        fleet.apply(here, update("c", "k", "v"));
        ClientRecord c = fleet.find("c");
        c.takeStoreWrite();
        c.claimed(10);
        assertThat(fleet.fenced(c)).isTrue();
        assertThat(fleet.connectedCount()).isZero();
        assertThat(fleet.fleetConnectedCount()).as("its new owner holds it").isEqualTo(1);
        assertThat(c.connected()).isTrue();
    }

    @Test
    void onlyAnOwnedRecordWithAnAnsweredClaimIsPublished() {
        fleet.applyRemote("theirs", remote("node-b", true, 5, 10));
        assertThat(fleet.find("theirs").ownedSnapshot()).as("another node's").isNull();
        assertThat(fleet.find("theirs").fleetSnapshot().epoch())
                .as("relayed as it stands")
                .isEqualTo(5);

        RecordingConnection here = new RecordingConnection();
        fleet.apply(here, update("mine", "k", "v"));
        ClientRecord mine = fleet.find("mine");
        assertThat(mine.ownedSnapshot().settled()).as("not claimed yet").isFalse();
        mine.takeStoreWrite();
        assertThat(mine.ownedSnapshot().settled()).as("claim in flight").isFalse();
        mine.claimed(42);
        OwnedSnapshot s = mine.ownedSnapshot();
        assertThat(s.settled()).isTrue();
        assertThat(s.epoch()).isEqualTo(42);
        assertThat(s.snapshot().get("k")).isEqualTo("v");

        fleet.release(here, "mine", DisconnectReason.CONNECTION_LOST);
        assertThat(mine.ownedSnapshot().snapshot().get("connected"))
                .as("its end, published by its owner")
                .isEqualTo("false");
    }

    @Test
    void outsideAFleetNothingIsPublishedAndCountsAreLocal() {
        LocalClientRegistry single =
                new LocalClientRegistry(LimitsConfig.defaults(), RegistryConfig.defaults(), "node-a", true, clock::get);
        single.apply(new RecordingConnection(), update("c", "k", "v"));
        assertThat(single.find("c").ownedSnapshot()).isNull();
        assertThat(single.fleetConnectedCount())
                .isEqualTo(single.connectedCount())
                .isEqualTo(1);
    }
}
