package io.serpentis.gateway.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.serpentis.gateway.config.MetricsConfig;
import io.serpentis.gateway.testing.ExternalTools;
import io.serpentis.gateway.testing.GatewayServerExtension;
import io.serpentis.gateway.testing.HttpTestClient;
import io.serpentis.gateway.testing.PrometheusText;
import io.serpentis.gateway.testing.RawWsClient;
import io.serpentis.gateway.testing.WsTestClient;
import java.net.URI;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code --metrics-port}: {@code /metrics} and {@code /livez} on their own listener, and nothing else there. */
class MetricsPortIT {

    @RegisterExtension
    static final GatewayServerExtension gw =
            new GatewayServerExtension(c -> c.withMetrics(m -> new MetricsConfig(ExternalTools.freePort())));

    @Test
    void servesMetricsAndLivenessOnlyOnTheMetricsPort() throws Exception {
        URI metricsUri = gw.server().metricsUri();
        assertThat(metricsUri).isNotNull();
        assertThat(metricsUri.getPort())
                .isEqualTo(gw.server().config().metrics().port());
        try (WsTestClient c = WsTestClient.connect(gw.wsUri())) {
            assertThat(c.request("{\"client_id\": \"mp-1\"}")).contains("message_processed");
            PrometheusText m = PrometheusText.scrape(metricsUri);
            assertThat(m.value("gateway_ws_connections_open")).isEqualTo(1.0);
        }
        HttpTestClient metricsPort = new HttpTestClient(metricsUri);
        assertThat(metricsPort.get("/livez").statusCode()).isEqualTo(200);
        assertThat(metricsPort.get("/health").statusCode()).isEqualTo(404);
        assertThat(metricsPort.get("/statuses").statusCode()).isEqualTo(404);
        assertThat(metricsPort.get("/").statusCode()).isEqualTo(404);
        // the main port no longer answers /metrics but serves everything else as before
        HttpTestClient main = new HttpTestClient(gw.httpUri());
        assertThat(main.get("/metrics").statusCode()).isEqualTo(404);
        assertThat(main.get("/livez").statusCode()).isEqualTo(200);
        // no WebSocket on the metrics port
        try (RawWsClient raw = RawWsClient.connect(URI.create("ws://127.0.0.1:" + metricsUri.getPort() + "/ws"))) {
            assertThat(raw.upgraded()).isFalse();
            assertThat(raw.handshakeResponse()).startsWith("HTTP/1.1 404");
        }
    }
}
