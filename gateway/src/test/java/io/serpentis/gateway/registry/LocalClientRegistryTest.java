package io.serpentis.gateway.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.serpentis.gateway.config.LimitsConfig;
import io.serpentis.gateway.config.RegistryConfig;
import io.serpentis.gateway.testing.RecordingConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LocalClientRegistryTest {
    private final AtomicLong clock = new AtomicLong(1_780_000_000_000_000L);
    private final LocalClientRegistry registry = new LocalClientRegistry(
            LimitsConfig.defaults(),
            new RegistryConfig(Duration.ofSeconds(60), Duration.ofSeconds(5)),
            "node-a",
            false,
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

    private ClientSnapshot snapshot(String id) {
        return registry.find(id).snapshot();
    }

    @Test
    void registersThenMergesInInsertionOrder() {
        RecordingConnection a = new RecordingConnection();
        assertThat(registry.apply(a, update("c", "state", "idle", "n", "42")).kind())
                .isEqualTo(UpdateOutcome.Kind.REGISTERED);
        assertThat(registry.apply(a, update("c", "state", "busy", "extra", "x")).kind())
                .isEqualTo(UpdateOutcome.Kind.UPDATED);
        ClientSnapshot s = snapshot("c");
        assertThat(s.names())
                .containsExactly("state", "n", "connected", "connect_time", "gateway_node", "extra", "last_seen");
        assertThat(s.get("gateway_node")).isEqualTo("node-a");
        assertThat(s.get("state")).isEqualTo("busy");
        assertThat(s.get("connected")).isEqualTo("true");
        assertThat(s.connected()).isTrue();
    }

    @Test
    void ignoresServerOwnedFieldsSentByClients() {
        RecordingConnection a = new RecordingConnection();
        registry.apply(a, update("c", "connected", "false", "disconnect_time", "2000", "connect_time", "1999"));
        ClientSnapshot s = snapshot("c");
        assertThat(s.get("connected")).isEqualTo("true");
        assertThat(s.get("connect_time")).isNotEqualTo("1999");
        assertThat(s.get("disconnect_time")).isNull();
    }

    @Test
    void newerConnectionTakesOverAndOlderReleaseIsIgnored() {
        RecordingConnection a = new RecordingConnection();
        RecordingConnection b = new RecordingConnection();
        registry.apply(a, update("c", "who", "A"));
        assertThat(registry.apply(b, update("c", "who", "B")).kind()).isEqualTo(UpdateOutcome.Kind.REGISTERED);
        assertThat(a.isSuperseded()).isTrue();
        // PROTOCOL.md section 7, row 5: the older connection's end does not mark the client disconnected.
        assertThat(registry.release(a, "c", DisconnectReason.CLIENT)).isFalse();
        assertThat(snapshot("c").get("connected")).isEqualTo("true");
        registry.command("c", ClientCommand.PAUSE);
        assertThat(b.delivered()).containsExactly(ClientCommand.PAUSE);
        assertThat(a.delivered()).isEmpty();
    }

    @Test
    void supersededConnectionCannotTakeTheIdBack() {
        RecordingConnection a = new RecordingConnection();
        RecordingConnection b = new RecordingConnection();
        registry.apply(a, update("c"));
        registry.apply(b, update("c"));
        assertThat(registry.apply(a, update("c", "late", "1")).kind()).isEqualTo(UpdateOutcome.Kind.REJECTED);
        assertThat(registry.find("c").owner()).isSameAs(b);
        assertThat(snapshot("c").get("late")).isNull();
    }

    @Test
    void releaseRecordsOnceAndReRegistrationClearsStaleFields() {
        RecordingConnection a = new RecordingConnection();
        registry.apply(a, update("c", "client_state", "running"));
        assertThat(registry.release(a, "c", DisconnectReason.SERVER)).isTrue();
        assertThat(registry.release(a, "c", DisconnectReason.CLIENT)).isFalse();
        ClientSnapshot gone = snapshot("c");
        assertThat(gone.get("connected")).isEqualTo("false");
        assertThat(gone.get("status_detail")).isEqualTo("Disconnected by server");
        assertThat(gone.get("client_state")).isEqualTo("offline");
        assertThat(gone.get("disconnect_time")).isNotNull();

        RecordingConnection again = new RecordingConnection();
        registry.apply(again, update("c"));
        ClientSnapshot back = snapshot("c");
        // PROTOCOL.md section 7, row 7.
        assertThat(back.get("disconnect_time")).isNull();
        assertThat(back.get("status_detail")).isNull();
        assertThat(back.get("connected")).isEqualTo("true");
    }

    @Test
    void rejectsWholeUpdateOverThePerClientLimitsAndLeavesNoGhost() {
        LocalClientRegistry small = new LocalClientRegistry(
                LimitsConfig.builder()
                        .maxAttributesPerMessage(2)
                        .maxAttributesPerClient(3)
                        .maxClientStatusBytes(40)
                        .build(),
                RegistryConfig.defaults(),
                "node-a",
                false,
                clock::get);
        RecordingConnection a = new RecordingConnection();
        assertThat(small.apply(a, update("c", "a", "1", "b", "2")).kind()).isEqualTo(UpdateOutcome.Kind.REGISTERED);
        UpdateOutcome over = small.apply(a, update("c", "c", "3", "d", "4"));
        assertThat(over.kind()).isEqualTo(UpdateOutcome.Kind.REJECTED);
        assertThat(over.error()).contains("max-attributes-per-client");
        assertThat(small.find("c").snapshot().get("c")).isNull();
        assertThat(small.apply(a, update("c", "a", "x".repeat(40))).error()).contains("max-client-status-bytes");

        // A rejected first message leaves nothing behind (PROTOCOL.md section 7, row 9).
        assertThat(small.apply(new RecordingConnection(), update("d", "k", "x".repeat(50)))
                        .kind())
                .isEqualTo(UpdateOutcome.Kind.REJECTED);
        assertThat(small.find("d")).isNull();
    }

    @Test
    void purgesDisconnectedClientsAfterTheRetentionOnly() {
        RecordingConnection a = new RecordingConnection();
        RecordingConnection b = new RecordingConnection();
        registry.apply(a, update("gone"));
        registry.apply(b, update("live"));
        registry.release(a, "gone", DisconnectReason.CLIENT);
        clock.addAndGet(59_000_000L);
        assertThat(registry.purgeExpired()).isZero();
        clock.addAndGet(2_000_000L);
        assertThat(registry.purgeExpired()).isEqualTo(1);
        assertThat(registry.find("gone")).isNull();
        assertThat(registry.find("live")).isNotNull();
        // A purged id registers afresh.
        assertThat(registry.apply(new RecordingConnection(), update("gone")).kind())
                .isEqualTo(UpdateOutcome.Kind.REGISTERED);
    }

    @Test
    void answersCommandsForUnknownAndDisconnectedClients() {
        RecordingConnection a = new RecordingConnection();
        registry.apply(a, update("c"));
        registry.release(a, "c", DisconnectReason.CLIENT);
        assertThat(registry.command("c", ClientCommand.PAUSE)
                        .toCompletableFuture()
                        .join())
                .isEqualTo(CommandResult.NOT_CONNECTED);
        assertThat(registry.command("nobody", ClientCommand.PAUSE)
                        .toCompletableFuture()
                        .join())
                .isEqualTo(CommandResult.UNKNOWN_CLIENT);
    }

    @Test
    void recordsClientStateOfDeliveredCommandsOnlyForTheOwner() {
        RecordingConnection a = new RecordingConnection();
        RecordingConnection b = new RecordingConnection();
        registry.apply(a, update("c", "client_state", "running"));
        registry.commandDelivered(a, "c", ClientCommand.PAUSE);
        assertThat(snapshot("c").get("client_state")).isEqualTo("paused");
        registry.apply(b, update("c"));
        registry.commandDelivered(a, "c", ClientCommand.RESUME);
        assertThat(snapshot("c").get("client_state")).isEqualTo("paused");
    }

    @Test
    void versionGrowsWithEveryChange() {
        RecordingConnection a = new RecordingConnection();
        registry.apply(a, update("c"));
        long v1 = registry.find("c").version();
        registry.seen(a, "c");
        registry.apply(a, update("c", "k", "v"));
        assertThat(registry.find("c").version()).isGreaterThan(v1 + 1);
    }

    @Test
    void tellsListenersAboutChangesAndRemovals() {
        List<String> events = new ArrayList<>();
        registry.addListener(new RegistryListener() {
            @Override
            public void changed(ClientRecord record) {
                events.add("changed " + record.id());
            }

            @Override
            public void removed(ClientRecord record) {
                events.add("removed " + record.id());
            }
        });
        RecordingConnection a = new RecordingConnection();
        registry.apply(a, update("c"));
        registry.release(a, "c", DisconnectReason.CLIENT);
        clock.addAndGet(61_000_000L);
        registry.purgeExpired();
        assertThat(events).containsExactly("changed c", "changed c", "removed c");
    }

    @Test
    void coalescesChangesIntoOneStoreWriteAndGivesThemBackOnFailure() {
        LocalClientRegistry tracked =
                new LocalClientRegistry(LimitsConfig.defaults(), RegistryConfig.defaults(), "node-a", true, clock::get);
        RecordingConnection a = new RecordingConnection();
        tracked.apply(a, update("c", "x", "1", "y", "2"));
        ClientRecord r = tracked.find("c");
        StoreWrite first = r.takeStoreWrite();
        assertThat(first.names()).containsExactly("x", "y", "connected", "connect_time", "gateway_node", "last_seen");
        assertThat(first.full()).as("the first write creates the whole hash").isTrue();
        assertThat(r.takeStoreWrite()).as("nothing changed since").isNull();

        for (int i = 0; i < 50; i++) {
            tracked.apply(a, update("c", "x", Integer.toString(i)));
        }
        StoreWrite merged = r.takeStoreWrite();
        assertThat(merged.names()).containsExactly("x", "last_seen");
        assertThat(merged.values()[0]).isEqualTo("49");
        assertThat(merged.version()).isGreaterThan(first.version());

        // The write failed; a newer value arrives meanwhile: the retry carries the newest value.
        tracked.apply(a, update("c", "x", "newest"));
        assertThat(r.storeWriteFailed(merged))
                .as("not queued since it was taken: must be queued")
                .isTrue();
        StoreWrite retry = r.takeStoreWrite();
        assertThat(retry.names()).contains("x");
        assertThat(retry.values()[Arrays.asList(retry.names()).indexOf("x")]).isEqualTo("newest");
    }

    @Test
    void reRegistrationDeletesStaleFieldsInTheStore() {
        LocalClientRegistry tracked =
                new LocalClientRegistry(LimitsConfig.defaults(), RegistryConfig.defaults(), "node-a", true, clock::get);
        RecordingConnection a = new RecordingConnection();
        tracked.apply(a, update("c"));
        tracked.release(a, "c", DisconnectReason.CLIENT);
        ClientRecord r = tracked.find("c");
        StoreWrite gone = r.takeStoreWrite();
        assertThat(gone.disconnected()).isTrue();
        assertThat(gone.names()).contains("disconnect_time", "status_detail");
        tracked.apply(new RecordingConnection(), update("c"));
        StoreWrite back = r.takeStoreWrite();
        assertThat(back.deleted()).containsExactly("disconnect_time", "status_detail");
        assertThat(back.disconnected()).isFalse();
    }

    @Test
    void restoresStoredRecordsAndMarksThisNodesConnectedOnesRestarted() {
        LocalClientRegistry tracked =
                new LocalClientRegistry(LimitsConfig.defaults(), RegistryConfig.defaults(), "node-a", true, clock::get);
        tracked.restore(
                "mine",
                Map.of("connected", "true", "gateway_node", "node-a", "k", "v", "gateway_version", "7"),
                7,
                DisconnectReason.RESTARTED);
        tracked.restore("theirs", Map.of("connected", "true", "gateway_node", "node-b"), 9, DisconnectReason.RESTARTED);
        ClientSnapshot mine = tracked.find("mine").snapshot();
        assertThat(mine.get("connected")).isEqualTo("false");
        assertThat(mine.get("status_detail")).isEqualTo("Gateway restarted");
        assertThat(mine.get("gateway_version")).as("never a field in memory").isNull();
        assertThat(tracked.find("mine").takeStoreWrite()).isNotNull();
        assertThat(tracked.find("theirs").snapshot().get("connected")).isEqualTo("true");
        assertThat(tracked.find("theirs").takeStoreWrite()).isNull();
        // Live state wins over stored state.
        tracked.apply(new RecordingConnection(), update("live"));
        assertThat(tracked.restore("live", Map.of("connected", "false"), 1, DisconnectReason.RESTARTED))
                .isFalse();
    }

    @Test
    void aRestartOutsideAFleetRecordsTheClientsLastSignOfLifeNotTheTimeOfTheRestart() {
        LocalClientRegistry tracked =
                new LocalClientRegistry(LimitsConfig.defaults(), RegistryConfig.defaults(), "node-a", true, clock::get);
        String lastSeen = "2026-11-28T17:45:20.001234+00:00";
        tracked.restore(
                "mine",
                Map.of("connected", "true", "gateway_node", "node-a", "last_seen", lastSeen),
                7,
                DisconnectReason.RESTARTED);
        ClientSnapshot mine = tracked.find("mine").snapshot();
        assertThat(mine.get("status_detail")).isEqualTo("Gateway restarted");
        assertThat(mine.get("disconnect_time")).isEqualTo(lastSeen);
    }

    private LocalClientRegistry fleetMember() {
        return new LocalClientRegistry(
                LimitsConfig.defaults(), RegistryConfig.defaults(), "node-a", true, true, clock::get);
    }

    @Test
    void aFleetMemberKeepsStoredRecordsAsTheFleetsAndTakesOnlyNewerOnes() {
        LocalClientRegistry fleet = fleetMember();
        fleet.restore(
                "c",
                Map.of(
                        "connected",
                        "true",
                        "gateway_node",
                        "node-a",
                        "gateway_epoch",
                        "5",
                        "gateway_version",
                        "7",
                        "k",
                        "v"),
                7,
                DisconnectReason.RESTARTED);
        ClientRecord c = fleet.find("c");
        assertThat(c.isRemote()).as("a previous life's: the fleet marks it").isTrue();
        assertThat(c.snapshot().get("connected")).isEqualTo("true");
        assertThat(c.epoch()).isEqualTo(5);
        c.markFullWrite();
        assertThat(c.takeStoreWrite()).as("never written by this node").isNull();

        assertThat(fleet.applyRemote("c", Map.of("connected", "false", "gateway_epoch", "5", "gateway_version", "6")))
                .as("older")
                .isFalse();
        assertThat(fleet.applyRemote(
                        "c",
                        Map.of(
                                "connected",
                                "false",
                                "status_detail",
                                "Gateway node lost",
                                "gateway_epoch",
                                "6",
                                "gateway_version",
                                "8",
                                "k",
                                "v")))
                .isTrue();
        assertThat(c.snapshot().get("status_detail")).isEqualTo("Gateway node lost");
        assertThat(c.snapshot().get("gateway_epoch")).as("Redis only").isNull();

        RecordingConnection here = new RecordingConnection();
        fleet.apply(here, update("c", "k", "w"));
        assertThat(c.isRemote()).as("registered here: this node's").isFalse();
        StoreWrite claim = c.takeStoreWrite();
        assertThat(claim.ownership()).isEqualTo(StoreWrite.Ownership.CLAIM);
        assertThat(claim.full()).isTrue();
        assertThat(fleet.applyRemote("c", Map.of("gateway_epoch", "99", "gateway_version", "99")))
                .as("a local connection holds it")
                .isFalse();
    }

    @Test
    void aKickLetsGoOnlyOfAnOlderHoldAndNeverOfAClaimStillInFlight() {
        LocalClientRegistry fleet = fleetMember();
        RecordingConnection here = new RecordingConnection();
        fleet.apply(here, update("c", "k", "v"));
        ClientRecord c = fleet.find("c");
        StoreWrite claim = c.takeStoreWrite();
        assertThat(fleet.kicked("c", 999)).as("the claim's answer decides").isFalse();
        c.claimed(100);
        assertThat(c.epoch()).isEqualTo(100);
        assertThat(fleet.kicked("c", 50))
                .as("an older claim cannot kick a newer one")
                .isFalse();
        assertThat(here.isSuperseded()).isFalse();
        assertThat(fleet.kicked("c", 200)).isTrue();
        assertThat(here.isSuperseded()).isTrue();
        assertThat(c.isRemote()).isTrue();
        assertThat(fleet.connectedCount()).isZero();
        assertThat(fleet.release(here, "c", DisconnectReason.CONNECTION_LOST))
                .as("no disconnect recorded")
                .isFalse();
        assertThat(claim.ownership()).isEqualTo(StoreWrite.Ownership.CLAIM);
    }

    @Test
    void aNewLifeTakesBackOpenConnectionsAndLeavesEndedOnesToTheFleet() {
        LocalClientRegistry fleet = fleetMember();
        RecordingConnection open = new RecordingConnection();
        RecordingConnection ended = new RecordingConnection();
        fleet.apply(open, update("open", "k", "v"));
        fleet.apply(ended, update("ended", "k", "v"));
        for (String id : List.of("open", "ended")) {
            fleet.find(id).takeStoreWrite();
            fleet.find(id).claimed(10);
        }
        fleet.release(ended, "ended", DisconnectReason.CONNECTION_LOST);
        List<ClientRecord> queued = new ArrayList<>();
        assertThat(fleet.reclaimForNewLife(queued::add)).isEqualTo(1);
        assertThat(queued).extracting(ClientRecord::id).containsExactly("open");
        StoreWrite reclaim = fleet.find("open").takeStoreWrite();
        assertThat(reclaim.ownership()).isEqualTo(StoreWrite.Ownership.RECLAIM);
        assertThat(reclaim.epoch()).isEqualTo(10);
        assertThat(fleet.find("ended").isRemote()).isTrue();
        assertThat(fleet.find("ended").takeStoreWrite()).isNull();
    }
}
