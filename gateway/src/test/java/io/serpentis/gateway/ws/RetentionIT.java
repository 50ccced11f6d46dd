package io.serpentis.gateway.ws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.serpentis.gateway.config.RegistryConfig;
import io.serpentis.gateway.testing.GatewayServerExtension;
import io.serpentis.gateway.testing.HttpTestClient;
import io.serpentis.gateway.testing.WsTestClient;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Disconnected clients are purged after the retention; connected ones never are (PROTOCOL.md section 6). */
class RetentionIT {
    @RegisterExtension
    static final GatewayServerExtension gw = new GatewayServerExtension(
            c -> c.withRegistry(r -> new RegistryConfig(Duration.ofMillis(1500), Duration.ofMillis(200))));

    @Test
    void purgesADisconnectedClientAfterTheRetentionAndKeepsLiveOnes() {
        HttpTestClient http = new HttpTestClient(gw.httpUri());
        try (WsTestClient live = WsTestClient.connect(gw.wsUri())) {
            live.request("{\"client_id\": \"keeper\"}");
            WsTestClient leaving = WsTestClient.connect(gw.wsUri());
            leaving.request("{\"client_id\": \"with:colon\"}"); // the original never purged ids with ':'
            leaving.close(1000, "");
            await().atMost(Duration.ofSeconds(2))
                    .until(() -> "false"
                            .equals(gw.registry().find("with:colon").snapshot().get("connected")));
            long left = System.nanoTime();
            await().atMost(Duration.ofSeconds(5)).until(() -> gw.registry().find("with:colon") == null);
            assertThat(Duration.ofNanos(System.nanoTime() - left)).isGreaterThan(Duration.ofMillis(1000));
            assertThat(http.get("/statuses").body())
                    .doesNotContain("with:colon")
                    .contains("keeper");
            // well past the retention, at every poll: the live client stays
            await().during(Duration.ofSeconds(2))
                    .atMost(Duration.ofSeconds(4))
                    .until(() -> gw.registry().find("keeper") != null);
        }
    }
}
