package io.serpentis.gateway.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.serpentis.gateway.feed.DropReason;
import io.serpentis.gateway.registry.DisconnectReason;
import io.serpentis.gateway.testing.ExternalTools;
import io.serpentis.gateway.ws.RejectKind;
import io.serpentis.gateway.ws.WsCloseHandshake.Initiator;
import io.serpentis.gateway.ws.WsMetricsRecorder.MessageKind;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class GatewayMetricsTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    {
        MeterFilters.configure(registry);
    }

    private final GatewayMetrics metrics = new GatewayMetrics(registry);

    private double count(String name, String... tags) {
        return registry.get(name).tags(tags).counter().count();
    }

    @Test
    void everyGatewayMeterButTheRedisAndFleetOnesIsRegisteredAtStart() {
        Set<String> registered =
                registry.getMeters().stream().map(m -> m.getId().getName()).collect(Collectors.toSet());
        for (GatewayMeters m : GatewayMeters.values()) {
            boolean lazy = m == GatewayMeters.WS_CLOSE_FRAMES // per close code, on first use
                    || m == GatewayMeters.CLIENTS // bound to a registry by bindClients
                    || m.name().startsWith("REDIS_") // only with Redis configured
                    || m.name().startsWith("FLEET_"); // only for a fleet member
            assertThat(registered.contains(m.meterName())).as(m.meterName()).isEqualTo(!lazy);
        }
    }

    @Test
    void closeCodesAreABoundedSet() {
        metrics.ws().closeFrame(Initiator.GATEWAY, 4002);
        metrics.ws().closeFrame(Initiator.GATEWAY, 4002);
        metrics.ws().closeFrame(Initiator.CLIENT, -1); // a close frame without a status code
        for (int code = 3000; code < 3100; code++) {
            metrics.ws().closeFrame(Initiator.CLIENT, code);
        }
        assertThat(count("gateway.ws.close.frames", "code", "4002", "initiator", "gateway"))
                .isEqualTo(2.0);
        assertThat(count("gateway.ws.close.frames", "code", "1005", "initiator", "client"))
                .isEqualTo(1.0);
        assertThat(count("gateway.ws.close.frames", "code", "other", "initiator", "client"))
                .isEqualTo(100.0);
        assertThat(registry.find("gateway.ws.close.frames").counters()).hasSize(3);
    }

    @Test
    void messagesAreCountedByKindAndResult() {
        metrics.ws().accepted(MessageKind.REGISTRATION);
        metrics.ws().accepted(MessageKind.UPDATE);
        metrics.ws().accepted(MessageKind.UPDATE);
        metrics.ws().rejected(MessageKind.REGISTRATION, RejectKind.INVALID_JSON);
        metrics.ws().rejected(MessageKind.BINARY, RejectKind.BINARY);
        assertThat(count("gateway.ws.messages.received", "kind", "registration", "result", "ok"))
                .isEqualTo(1.0);
        assertThat(count("gateway.ws.messages.received", "kind", "update", "result", "ok"))
                .isEqualTo(2.0);
        assertThat(count("gateway.ws.messages.received", "kind", "registration", "result", "invalid_json"))
                .isEqualTo(1.0);
        assertThat(count("gateway.ws.messages.received", "kind", "binary", "result", "binary"))
                .isEqualTo(1.0);
        assertThat(count("gateway.ws.messages.rejected", "kind", "invalid_json"))
                .isEqualTo(1.0);
        assertThat(count("gateway.ws.messages.rejected", "kind", "binary")).isEqualTo(1.0);
        // a registration cannot mismatch the id it registers: that combination is not a series
        assertThat(registry.find("gateway.ws.messages.received")
                        .tags("kind", "registration", "result", "id_mismatch")
                        .counter())
                .isNull();
    }

    @Test
    void connectionsOpenFollowOpensAndCloses() {
        metrics.ws().connectionOpened();
        metrics.ws().connectionOpened();
        metrics.ws().connectionClosed(DisconnectReason.Kind.CLIENT_CLOSE, false);
        assertThat(registry.get("gateway.ws.connections.open").gauge().value()).isEqualTo(1.0);
        metrics.ws().connectionClosed(DisconnectReason.Kind.CLIENT_CLOSE, true);
        assertThat(registry.get("gateway.ws.connections.open").gauge().value()).isZero();
        assertThat(count("gateway.ws.connections.opened")).isEqualTo(2.0);
        assertThat(count("gateway.ws.connections.closed", "reason", "client_close"))
                .isEqualTo(1.0);
        assertThat(count("gateway.ws.connections.closed", "reason", "superseded"))
                .isEqualTo(1.0);
    }

    @Test
    void theFeedMetersStartAtZeroAndFollowTheFeed() {
        assertThat(registry.get("gateway.dashboard.viewers").gauge().value()).isZero();
        metrics.feed().viewerAdded();
        metrics.feed().viewerAdded();
        metrics.feed().viewerRemoved();
        for (int i = 0; i < 5; i++) {
            metrics.feed().deltaSent();
        }
        metrics.feed().resyncedBySnapshot();
        metrics.feed().viewerDropped(DropReason.SLOW);
        assertThat(registry.get("gateway.dashboard.viewers").gauge().value()).isEqualTo(1.0);
        assertThat(count("gateway.dashboard.deltas.sent")).isEqualTo(5.0);
        assertThat(count("gateway.dashboard.viewers.resynced", "via", "snapshot"))
                .isEqualTo(1.0);
        assertThat(count("gateway.dashboard.viewers.dropped", "reason", "slow")).isEqualTo(1.0);
    }

    @Test
    void theGuardsRefuseClientIdTagsAndRunawayTagValues() {
        Counter c = Counter.builder("gateway.test").tag("client_id", "worker-1").register(registry);
        c.increment();
        assertThat(registry.find("gateway.test").counters()).isEmpty();
        for (int i = 0; i < 100; i++) {
            Counter.builder("gateway.test.kinds")
                    .tag("kind", "k" + i)
                    .register(registry)
                    .increment();
        }
        // every gateway meter shares the budget of 32 values per tag; the extra ones are no-ops
        long kinds = registry.getMeters().stream()
                .map(Meter::getId)
                .filter(id -> id.getTag("kind") != null)
                .map(id -> id.getTag("kind"))
                .distinct()
                .count();
        assertThat(kinds).isLessThanOrEqualTo(32);
    }

    @Test
    void theReadmeDocumentsEveryMeter() throws Exception {
        String readme = Files.readString(ExternalTools.repoRoot().resolve("README.md"));
        String operations = readme.substring(readme.indexOf("## Operations"), readme.indexOf("## Development"));
        for (GatewayMeters m : GatewayMeters.values()) {
            assertThat(operations)
                    .as(m.meterName())
                    .contains("`" + m.meterName().replace('.', '_'));
        }
    }

    @Test
    void noMeterNameRepeatsInTheEnum() {
        assertThat(Arrays.stream(GatewayMeters.values()).map(GatewayMeters::meterName))
                .doesNotHaveDuplicates();
    }
}
