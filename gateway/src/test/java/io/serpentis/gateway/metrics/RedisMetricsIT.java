package io.serpentis.gateway.metrics;

import static io.serpentis.gateway.testing.PrometheusText.delta;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.serpentis.gateway.GatewayServer;
import io.serpentis.gateway.config.RegistryConfig;
import io.serpentis.gateway.testing.ExternalTools;
import io.serpentis.gateway.testing.PrometheusText;
import io.serpentis.gateway.testing.RedisServerExtension;
import io.serpentis.gateway.testing.WsTestClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The write-behind's meters against a real redis-server: bursts, write lag and Lettuce's command latencies while
 * Redis answers; failed bursts while it stalls; {@code up} 0 while it is down; a resync when it comes back.
 */
class RedisMetricsIT {
    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    private GatewayServer gateway;

    private PrometheusText scrape() {
        return PrometheusText.scrape(gateway.httpUri());
    }

    private void startGateway() throws InterruptedException {
        gateway = redis.startGateway(c -> c.withServer(s -> s.withNodeId("node-metrics"))
                .withRegistry(r -> new RegistryConfig(Duration.ofSeconds(60), Duration.ofSeconds(1)))
                .withRedis(r -> r.withFlushInterval(Duration.ofMillis(10))));
    }

    /** Five updates of one client, then the scrape once they are all in Redis. */
    private PrometheusText updateAndAwaitWritten(WsTestClient c) {
        for (int i = 0; i < 5; i++) {
            assertThat(c.request("{\"client_id\": \"rm-1\", \"status\": {\"n\": " + i + "}}"))
                    .contains("message_processed");
        }
        return await().atMost(Duration.ofSeconds(10))
                .until(
                        this::scrape,
                        m -> m.value("gateway_redis_write_lag_seconds_count") > 0
                                && m.value("gateway_redis_up") == 1
                                && m.value("gateway_redis_dirty_clients") == 0);
    }

    @Test
    void meterTheWriteBehindThroughAnOutageAndTheResync() throws Exception {
        startGateway();
        try (WsTestClient c = WsTestClient.connect(gateway.wsUri())) {
            PrometheusText up = updateAndAwaitWritten(c);
            assertThat(up.value("gateway_redis_batch_size_clients_count")).isPositive();
            assertThat(up.value("gateway_redis_flush_duration_seconds_count")).isPositive();
            assertThat(up.value("gateway_redis_bursts_failed_total")).isZero();
            assertThat(up.value("lettuce_command_completion_seconds_count", "command", "EVALSHA"))
                    .isPositive();

            // a stall (CLIENT PAUSE longer than the command timeout): the burst of the next change fails, the
            // client stays dirty and is written once Redis answers again
            redis.commands().clientPause(2000);
            assertThat(c.request("{\"client_id\": \"rm-1\", \"status\": {\"n\": 98}}"))
                    .contains("message_processed");
            await().atMost(Duration.ofSeconds(20))
                    .until(this::scrape, m -> m.value("gateway_redis_bursts_failed_total") > 0);

            // an outage: up is 0 while Redis is gone, and the client changed meanwhile is counted dirty
            redis.stop();
            assertThat(c.request("{\"client_id\": \"rm-1\", \"status\": {\"n\": 99}}"))
                    .contains("message_processed");
            await().atMost(Duration.ofSeconds(20))
                    .until(
                            this::scrape,
                            m -> m.value("gateway_redis_up") == 0 && m.value("gateway_redis_dirty_clients") == 1);

            redis.start();
            PrometheusText back = await().atMost(Duration.ofSeconds(30))
                    .until(
                            this::scrape,
                            m -> m.value("gateway_redis_up") == 1
                                    && m.value("gateway_redis_resyncs_total") >= 1
                                    && m.value("gateway_redis_dirty_clients") == 0);
            assertThat(delta(up, back, "gateway_redis_flush_duration_seconds_count"))
                    .isPositive();
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(redis.commands().hget("client:rm-1:status", "n"))
                            .isEqualTo("99"));
        }
    }

    /** PrometheusIT lints the gateway's exposition; this one has Lettuce's meters and the Redis ones in it too. */
    @Test
    void theRedisAndLettuceMetersPassPromtool() throws Exception {
        String promtool = ExternalTools.require("promtool", "prometheus");
        startGateway();
        try (WsTestClient c = WsTestClient.connect(gateway.wsUri())) {
            PrometheusText written = updateAndAwaitWritten(c);
            assertThat(written.text()).contains("lettuce_command_completion_seconds", "gateway_redis_write_lag");
            ExternalTools.Result r =
                    ExternalTools.run(Path.of("."), written.text(), List.of(promtool, "check", "metrics"));
            assertThat(r.output()).as("promtool check metrics").isEmpty();
        }
    }
}
