package io.serpentis.gateway.ws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.api.sync.RedisCommands;
import io.serpentis.gateway.GatewayServer;
import io.serpentis.gateway.testing.RedisServerExtension;
import io.serpentis.gateway.testing.WsTestClient;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 11 point 3, as the probe ran it: a {@code client_id} with an unpaired surrogate escape
 * (<code>"v&#92;ud800"</code>) is not text, and Lettuce encodes it as {@code v?}, so it used to land on the Redis
 * record of a live client {@code v?} (its fields, {@code connected}, TTL and purge). It is refused now, over the
 * JDK's WebSocket client, against a real redis-server, and the live client's record is untouched.
 */
class UnpairedSurrogateIdIT {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    private GatewayServer gateway;

    @BeforeEach
    void startGateway() throws Exception {
        gateway = redis.startGateway(c -> c.withRedis(r -> r.withCommandTimeout(Duration.ofSeconds(1))));
    }

    @Test
    void anIdWithAnUnpairedSurrogateCannotOverwriteTheClientItWouldBeStoredAs() {
        RedisCommands<String, String> r = redis.commands();
        try (WsTestClient live = WsTestClient.connect(gateway.wsUri())) {
            assertThat(live.request("{\"client_id\": \"v?\", \"status\": {\"state\": \"good\"}}"))
                    .contains("\"result\": \"message_processed\"");
            await().atMost(WAIT).until(() -> "good".equals(r.hget("client:v?:status", "state")));
            String connectTime = r.hget("client:v?:status", "connect_time");

            try (WsTestClient probe = WsTestClient.connect(gateway.wsUri())) {
                assertThat(probe.request("{\"client_id\": \"v\\ud800\", \"status\": {\"state\": \"forged\"}}"))
                        .isEqualTo("{\"error\": \"client_id must be valid Unicode (an unpaired surrogate escape is"
                                + " not); nothing was stored\"}");
                // refused like an id of the wrong type: closed with 1000
                assertThat(probe.awaitClose()).isEqualTo(new WsTestClient.Close(1000, ""));
            }
            assertThat(gateway.registry().find("v\ud800")).isNull();

            // The live client goes on; once its next update is in Redis, everything before it is too.
            assertThat(live.request("{\"client_id\": \"v?\", \"status\": {\"seq\": 2}}"))
                    .contains("\"status_updated\": [\"seq\"]");
            await().atMost(WAIT).until(() -> "2".equals(r.hget("client:v?:status", "seq")));
            Map<String, String> record = r.hgetall("client:v?:status");
            assertThat(record)
                    .containsEntry("state", "good")
                    .containsEntry("connected", "true")
                    .containsEntry("connect_time", connectTime)
                    .doesNotContainKeys("disconnect_time", "status_detail");
            assertThat(r.ttl("client:v?:status"))
                    .as("no expiry while the client is connected")
                    .isEqualTo(-1);
            assertThat(r.keys("client:*")).containsExactly("client:v?:status");
            assertThat(gateway.registry().find("v?").snapshot().get("connected"))
                    .isEqualTo("true");
        }
    }
}
