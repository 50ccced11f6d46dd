package io.serpentis.gateway.config;

import static org.assertj.core.api.Assertions.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.serpentis.gateway.GatewayCommandAccess;
import java.time.Duration;
import java.util.Map;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;

class FleetConfigTest {

    @Test
    void aNodeWithRedisIsAFleetMemberUnlessToldOtherwise() {
        assertThat(GatewayConfig.defaults().fleetMember())
                .as("no Redis: one node")
                .isFalse();
        assertThat(GatewayCommandAccess.parse("--redis-url", "redis://127.0.0.1:6379")
                        .fleetMember())
                .isTrue();
        assertThat(GatewayCommandAccess.parse("--redis-url", "redis://127.0.0.1:6379", "--fleet=false")
                        .fleetMember())
                .isFalse();
        assertThat(GatewayCommandAccess.parse(Map.of("GATEWAY_FLEET", "false"), "--redis-url", "redis://127.0.0.1:6379")
                        .fleetMember())
                .isFalse();
    }

    @Test
    void warnsWhenTheLeaseIsNotWellBelowTheRetention() {
        String redis = "redis://127.0.0.1:6379";
        assertThat(GatewayCommandAccess.parse("--redis-url", redis).warnings())
                .as("defaults: lease 10 s, grace 2 s, retention 60 s")
                .isEmpty();
        assertThat(GatewayCommandAccess.parse("--redis-url", redis, "--fleet-lease", "20s", "--retention", "60s")
                        .warnings())
                .as("22 s of 60 s")
                .isEmpty();
        assertThat(GatewayCommandAccess.parse("--redis-url", redis, "--fleet-lease", "30s", "--retention", "60s")
                        .warnings())
                .singleElement(as(InstanceOfAssertFactories.STRING))
                .contains("fleet-lease (30s)", "retention (1m)", "for at most 28s");
        assertThat(GatewayCommandAccess.parse("--redis-url", redis, "--fleet-lease", "60s", "--retention", "60s")
                        .warnings())
                .singleElement(as(InstanceOfAssertFactories.STRING))
                .contains("not at all");
        assertThat(GatewayCommandAccess.parse("--fleet-lease", "60s", "--retention", "60s")
                        .warnings())
                .as("no Redis, no fleet")
                .isEmpty();
    }

    @Test
    void readsEveryFleetSettingFromFlagsAndTheEnvironment() {
        GatewayConfig c = GatewayCommandAccess.parse(
                Map.of("GATEWAY_FLEET_ISOLATION", "KEEP"),
                "--fleet-heartbeat-interval",
                "500ms",
                "--fleet-lease",
                "4s",
                "--fleet-reap-grace",
                "1s",
                "--fleet-publish-interval",
                "20ms",
                "--fleet-advertise-url",
                "http://gw-1.internal:8000");
        FleetConfig f = c.fleet();
        assertThat(f.heartbeatInterval()).isEqualTo(Duration.ofMillis(500));
        assertThat(f.lease()).isEqualTo(Duration.ofSeconds(4));
        assertThat(f.reapGrace()).isEqualTo(Duration.ofSeconds(1));
        assertThat(f.publishInterval()).isEqualTo(Duration.ofMillis(20));
        assertThat(f.isolation()).isEqualTo(FleetConfig.Isolation.KEEP);
        assertThat(f.advertiseUrl()).isEqualTo("http://gw-1.internal:8000");
        assertThat(f.isolationAfter()).as("the lease less three heartbeats").isEqualTo(Duration.ofMillis(2500));
    }

    @Test
    void aShortLeaseStillWaitsTwoHeartbeatsBeforeIsolation() {
        FleetConfig threeBeats = FleetConfig.builder()
                .heartbeatInterval(Duration.ofMillis(500))
                .lease(Duration.ofMillis(1500))
                .reapGrace(Duration.ofSeconds(1))
                .build();
        assertThat(threeBeats.isolationAfter())
                .as("not zero: one late heartbeat is no isolation")
                .isEqualTo(Duration.ofSeconds(1));
        FleetConfig fourBeats =
                threeBeats.toBuilder().lease(Duration.ofSeconds(2)).build();
        assertThat(fourBeats.isolationAfter()).isEqualTo(Duration.ofSeconds(1));
        assertThat(fourBeats.isolationAfter())
                .as("before any peer may declare the node lost")
                .isLessThan(fourBeats.lease().plus(fourBeats.reapGrace()));
        assertThat(FleetConfig.defaults().isolationAfter()).isEqualTo(Duration.ofSeconds(7));
    }

    @Test
    void refusesTimingsThatWouldDeclareLiveNodesLost() {
        assertThatThrownBy(
                        () -> FleetConfig.builder().lease(Duration.ofSeconds(2)).build())
                .hasMessageContaining("fleet-lease (2s) must be at least three fleet-heartbeat-interval (1s)");
        assertThatThrownBy(() ->
                        FleetConfig.builder().reapGrace(Duration.ofMillis(500)).build())
                .hasMessageContaining("fleet-reap-grace");
        assertThatThrownBy(() -> FleetConfig.builder()
                        .heartbeatInterval(Duration.ofMillis(50))
                        .build())
                .hasMessageContaining("at least 100ms");
        assertThatThrownBy(() -> FleetConfig.builder()
                        .publishInterval(Duration.ofSeconds(2))
                        .build())
                .hasMessageContaining("fleet-publish-interval");
        assertThatThrownBy(() -> GatewayCommandAccess.parse("--fleet-isolation", "maybe"))
                .hasMessageContaining("close or keep");
        assertThatThrownBy(() -> FleetConfig.builder().advertiseUrl("ftp://x").build())
                .hasMessageContaining("http(s)://host[:port]");
        assertThatThrownBy(() ->
                        FleetConfig.builder().advertiseUrl("http://x:1/path").build())
                .hasMessageContaining("http(s)://host[:port]");
    }
}
