package io.serpentis.gateway.ws;

import static io.serpentis.gateway.testing.PrometheusText.delta;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.serpentis.gateway.registry.ClientSnapshot;
import io.serpentis.gateway.testing.GatewayServerExtension;
import io.serpentis.gateway.testing.PrometheusText;
import io.serpentis.gateway.testing.RawWsClient;
import io.serpentis.gateway.testing.WsTestClient;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Liveness with shortened timers: pings for quiet connections, close 4002 for silent ones. */
class LivenessIT {
    @RegisterExtension
    static final GatewayServerExtension gw = new GatewayServerExtension(c -> c.withWs(w -> w.toBuilder()
            .pingInterval(Duration.ofMillis(300))
            .livenessTimeout(Duration.ofMillis(1500))
            .build()));

    @Test
    void closesASilentConnectionWith4002AndRecordsTheTimeout() throws Exception {
        PrometheusText before = PrometheusText.scrape(gw.httpUri());
        try (RawWsClient raw = RawWsClient.connect(gw.wsUri())) {
            assertThat(raw.upgraded()).isTrue();
            raw.sendText("{\"client_id\": \"silent-1\"}");
            assertThat(raw.readUntil(RawWsClient.TEXT).text()).contains("message_processed");
            // The client never answers: first a ping, then the liveness close.
            assertThat(raw.readUntil(RawWsClient.PING)).isNotNull();
            RawWsClient.Frame close = raw.readUntil(RawWsClient.CLOSE);
            assertThat(close.closeCode()).isEqualTo(4002);
            assertThat(raw.awaitEof()).isTrue();
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            ClientSnapshot s = gw.registry().find("silent-1").snapshot();
            assertThat(s.get("connected")).isEqualTo("false");
            assertThat(s.get("status_detail")).contains("Timed out");
        });
        // the metrics say so: one timeout, detected at least the liveness timeout after the last traffic
        PrometheusText after = PrometheusText.scrape(gw.httpUri());
        assertThat(delta(before, after, "gateway_ws_liveness_timeouts_total")).isEqualTo(1.0);
        assertThat(delta(before, after, "gateway_ws_liveness_detection_seconds_count"))
                .isEqualTo(1.0);
        assertThat(delta(before, after, "gateway_ws_liveness_detection_seconds_sum"))
                .isGreaterThanOrEqualTo(1.5);
        assertThat(delta(before, after, "gateway_ws_connections_closed_total", "reason", "liveness_timeout"))
                .isEqualTo(1.0);
        assertThat(after.value("gateway_ws_close_frames_total", "code", "4002", "initiator", "gateway"))
                .isGreaterThanOrEqualTo(1.0);
    }

    @Test
    void keepsAConnectionThatAnswersPings() throws Exception {
        // The JDK client answers pings by itself, as browsers and the original's client library do.
        try (WsTestClient c = WsTestClient.connect(gw.wsUri())) {
            assertThat(c.request("{\"client_id\": \"pong-1\"}")).contains("message_processed");
            assertThat(c.poll(Duration.ofMillis(3000))).isNull();
            assertThat(c.isClosed()).isFalse();
            assertThat(gw.registry().find("pong-1").snapshot().get("connected")).isEqualTo("true");
        }
    }

    @Test
    void aPongAloneKeepsAConnectionAlive() throws Exception {
        try (RawWsClient raw = RawWsClient.connect(gw.wsUri())) {
            raw.sendText("{\"client_id\": \"ponger-1\"}");
            raw.readUntil(RawWsClient.TEXT);
            long until = System.nanoTime() + Duration.ofMillis(3000).toNanos();
            while (System.nanoTime() < until) {
                RawWsClient.Frame f = raw.read();
                assertThat(f).isNotNull();
                assertThat(f.opcode()).as("only pings expected").isEqualTo(RawWsClient.PING);
                raw.send(RawWsClient.PONG, f.payload());
            }
            assertThat(gw.registry().find("ponger-1").snapshot().get("connected"))
                    .isEqualTo("true");
        }
    }
}
