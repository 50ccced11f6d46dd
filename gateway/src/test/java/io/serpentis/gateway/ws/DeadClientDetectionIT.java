package io.serpentis.gateway.ws;

import static io.serpentis.gateway.testing.PrometheusText.delta;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.serpentis.gateway.testing.GatewayServerExtension;
import io.serpentis.gateway.testing.HttpTestClient;
import io.serpentis.gateway.testing.PrometheusText;
import io.serpentis.gateway.testing.RawWsClient;
import io.serpentis.gateway.testing.WsTestClient;
import java.io.IOException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Dead clients are shown disconnected within 15 s with the default settings, live ones never: a client whose
 * process froze (its socket open, the kernel still acknowledging, nothing read or answered) is shown disconnected
 * within 15 s of its last traffic, and a client that sends nothing for 40 s but answers pings (as the JDK's client,
 * browsers and the original's client library do by themselves) stays connected all along. Both run at once, each on
 * its own thread from {@link #startBoth()}, so the class takes the 40 s of the longer one; each test waits for its
 * own and fails with what it found.
 */
class DeadClientDetectionIT {
    /** The promise: a silent client is shown disconnected within this time of its last traffic. */
    private static final Duration PROMISE = Duration.ofSeconds(15);
    /** The default liveness timeout, as documented. */
    private static final Duration TIMEOUT = Duration.ofSeconds(12);

    private static final Duration QUIET = Duration.ofSeconds(40);

    /** The defaults (loopback, port 0): no liveness setting is changed. */
    @RegisterExtension
    static final GatewayServerExtension gw = new GatewayServerExtension();

    private static final ExecutorService threads = Executors.newFixedThreadPool(2);
    private static CompletableFuture<Void> frozen;
    private static CompletableFuture<Void> quiet;

    @BeforeAll
    static void startBoth() {
        frozen = CompletableFuture.runAsync(DeadClientDetectionIT::aFrozenClient, threads);
        quiet = CompletableFuture.runAsync(DeadClientDetectionIT::aQuietClientThatAnswersPings, threads);
    }

    @AfterAll
    static void stopThreads() {
        threads.shutdownNow();
    }

    @Test
    void aFrozenClientIsShownDisconnectedWithin15Seconds() {
        join(frozen);
    }

    @Test
    void aQuietClientThatAnswersPingsStaysConnectedFor40Seconds() {
        join(quiet);
    }

    private static void join(CompletableFuture<Void> scenario) {
        try {
            scenario.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure; // e.g. Awaitility's timeout, with what it waited for
            }
            throw e;
        }
    }

    /** The client's entry in {@code GET /statuses}, as an operator (and the dashboard's fallback) reads it. */
    private static Map<String, String> shown(String clientId) {
        return new HttpTestClient(gw.httpUri()).record(clientId);
    }

    private static void aFrozenClient() {
        PrometheusText before = PrometheusText.scrape(gw.httpUri());
        try (RawWsClient raw = RawWsClient.connect(gw.wsUri())) {
            assertThat(raw.upgraded()).isTrue();
            long lastTraffic = System.nanoTime(); // the registration is the last thing it ever sends
            raw.sendText("{\"client_id\": \"frozen-1\", \"status\": {\"client_state\": \"running\"}}");
            assertThat(raw.readUntil(RawWsClient.TEXT).text()).contains("message_processed");
            assertThat(shown("frozen-1")).containsEntry("connected", "true");

            // The process freezes: it reads nothing more and answers no ping; its kernel keeps the socket open.
            await().atMost(PROMISE.plusSeconds(5))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> "false".equals(shown("frozen-1").get("connected")));
            Duration shownAfter = Duration.ofNanos(System.nanoTime() - lastTraffic);
            assertThat(shownAfter)
                    .as("shown disconnected this long after its last traffic")
                    .isLessThan(PROMISE)
                    .isGreaterThanOrEqualTo(TIMEOUT);

            Map<String, String> record = shown("frozen-1");
            assertThat(record).containsEntry("status_detail", "Timed out: no traffic for 12 s");
            Duration recorded = Duration.between(
                    OffsetDateTime.parse(record.get("last_seen")), OffsetDateTime.parse(record.get("disconnect_time")));
            assertThat(recorded)
                    .as("from last_seen to disconnect_time")
                    .isLessThan(PROMISE)
                    .isGreaterThanOrEqualTo(TIMEOUT);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        // the detection histogram has it, within the promise
        PrometheusText after = PrometheusText.scrape(gw.httpUri());
        assertThat(delta(before, after, "gateway_ws_liveness_detection_seconds_count"))
                .isEqualTo(1.0);
        assertThat(delta(before, after, "gateway_ws_liveness_detection_seconds_sum"))
                .isGreaterThanOrEqualTo(TIMEOUT.toSeconds())
                .isLessThan(PROMISE.toSeconds());
        assertThat(delta(before, after, "gateway_ws_liveness_detection_seconds_bucket", "le", "13.0"))
                .as("detected within a second of the timeout")
                .isEqualTo(1.0);
    }

    private static void aQuietClientThatAnswersPings() {
        try (WsTestClient c = WsTestClient.connect(gw.wsUri())) {
            assertThat(c.request("{\"client_id\": \"quiet-1\", \"status\": {\"client_state\": \"idle\"}}"))
                    .contains("message_processed");
            // It sends nothing more; its WebSocket implementation answers the gateway's pings.
            await().during(QUIET)
                    .atMost(QUIET.plusSeconds(5))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> !c.isClosed() && "true".equals(shown("quiet-1").get("connected")));
            assertThat(shown("quiet-1")).doesNotContainKey("status_detail");
        }
    }
}
