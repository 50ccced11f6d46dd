package io.serpentis.gateway.metrics;

import static io.serpentis.gateway.testing.PrometheusText.delta;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.serpentis.gateway.testing.GatewayServerExtension;
import io.serpentis.gateway.testing.HttpTestClient;
import io.serpentis.gateway.testing.PrometheusText;
import io.serpentis.gateway.testing.WsTestClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The values in {@code GET /metrics} follow real events on a running gateway: connections, messages, closes,
 * takeovers, commands, bytes, clients by state. Each test compares a scrape before and after its own traffic.
 */
class MetricsIT {

    @RegisterExtension
    static final GatewayServerExtension gw = new GatewayServerExtension();

    private final HttpTestClient http = new HttpTestClient(gw.httpUri());

    private static PrometheusText scrape() {
        return PrometheusText.scrape(gw.httpUri());
    }

    @Test
    void threeConnectionsTenMessagesOneCloseAreCountedAsTheyHappened() {
        // Connections of earlier tests close asynchronously: start from a quiet gateway so that deltas are ours.
        PrometheusText before = await().atMost(Duration.ofSeconds(10))
                .until(MetricsIT::scrape, m -> m.value("gateway_ws_connections_open") == 0.0);
        List<WsTestClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                WsTestClient c = WsTestClient.connect(gw.wsUri());
                clients.add(c);
                assertThat(c.request("{\"client_id\": \"m-" + i + "\", \"status\": {\"n\": 0}}"))
                        .contains("message_processed");
            }
            for (int i = 0; i < 7; i++) { // 3 registrations + 7 updates = 10 messages
                assertThat(clients.get(i % 3)
                                .request(
                                        "{\"client_id\": \"m-" + (i % 3) + "\", \"status\": {\"n\": " + (i + 1) + "}}"))
                        .contains("message_processed");
            }
            PrometheusText open = scrape();
            assertThat(delta(before, open, "gateway_ws_connections_opened_total"))
                    .isEqualTo(3.0);
            assertThat(delta(before, open, "gateway_ws_connections_open")).isEqualTo(3.0);
            assertThat(delta(before, open, "gateway_clients", "state", "connected"))
                    .isEqualTo(3.0);

            clients.get(0).close(1000, "bye");
            assertThat(clients.get(0).awaitClose().code()).isEqualTo(1000);
            PrometheusText after = await().atMost(Duration.ofSeconds(10))
                    .until(MetricsIT::scrape, m -> delta(before, m, "gateway_ws_connections_open") == 2.0);

            assertThat(delta(before, after, "gateway_ws_connections_opened_total"))
                    .isEqualTo(3.0);
            assertThat(delta(before, after, "gateway_ws_connections_closed_total", "reason", "client_close"))
                    .isEqualTo(1.0);
            assertThat(delta(
                            before,
                            after,
                            "gateway_ws_messages_received_total",
                            "kind",
                            "registration",
                            "result",
                            "ok"))
                    .isEqualTo(3.0);
            assertThat(delta(before, after, "gateway_ws_messages_received_total", "kind", "update", "result", "ok"))
                    .isEqualTo(7.0);
            assertThat(delta(before, after, "gateway_ws_message_duration_seconds_count"))
                    .isEqualTo(10.0);
            assertThat(delta(before, after, "gateway_ws_message_duration_seconds_bucket", "le", "+Inf"))
                    .isEqualTo(10.0);
            assertThat(delta(before, after, "gateway_clients", "state", "connected"))
                    .isEqualTo(2.0);
            assertThat(delta(before, after, "gateway_clients", "state", "disconnected"))
                    .isEqualTo(1.0);
            assertThat(after.value("gateway_ws_close_frames_total", "code", "1000", "initiator", "client"))
                    .isGreaterThanOrEqualTo(1.0);
            // ten acks of about a hundred bytes each went out, ten status messages came in
            assertThat(delta(before, after, "gateway_network_received_bytes_total"))
                    .isGreaterThan(10 * 30.0);
            assertThat(delta(before, after, "gateway_network_sent_bytes_total")).isGreaterThan(10 * 80.0);
            assertThat(delta(before, after, "gateway_ws_messages_rejected_total", "kind", "invalid_json"))
                    .isZero();
        } finally {
            clients.forEach(WsTestClient::close);
        }
    }

    @Test
    void refusedMessagesAreCountedByKindAndResult() {
        PrometheusText before = scrape();
        try (WsTestClient c = WsTestClient.connect(gw.wsUri())) {
            assertThat(c.request("not json")).contains("Invalid JSON format");
            assertThat(c.request("{\"client_id\": \"m-refused\"}")).contains("message_processed");
            assertThat(c.request("[1]")).contains("must be a JSON object");
            assertThat(c.request("{\"client_id\": \"m-other\"}")).contains("client_id differs");
        }
        PrometheusText after = scrape();
        assertThat(delta(
                        before,
                        after,
                        "gateway_ws_messages_received_total",
                        "kind",
                        "registration",
                        "result",
                        "invalid_json"))
                .isEqualTo(1.0);
        assertThat(delta(
                        before,
                        after,
                        "gateway_ws_messages_received_total",
                        "kind",
                        "update",
                        "result",
                        "not_an_object"))
                .isEqualTo(1.0);
        assertThat(delta(
                        before, after, "gateway_ws_messages_received_total", "kind", "update", "result", "id_mismatch"))
                .isEqualTo(1.0);
        assertThat(delta(before, after, "gateway_ws_messages_rejected_total", "kind", "invalid_json"))
                .isEqualTo(1.0);
    }

    @Test
    void takeoversAndOperatorCommandsAreCounted() {
        PrometheusText before = scrape();
        try (WsTestClient first = WsTestClient.connect(gw.wsUri());
                WsTestClient second = WsTestClient.connect(gw.wsUri())) {
            assertThat(first.request("{\"client_id\": \"m-taken\"}")).contains("message_processed");
            assertThat(second.request("{\"client_id\": \"m-taken\"}")).contains("message_processed");
            assertThat(first.awaitClose().code()).isEqualTo(4001);

            assertThat(http.command("m-taken", "pause").statusCode()).isEqualTo(200);
            assertThat(second.next()).isEqualTo("{\"command\": \"pause\"}");
            assertThat(http.command("m-taken", "resume").statusCode()).isEqualTo(200);
            assertThat(second.next()).isEqualTo("{\"command\": \"resume\"}");

            PrometheusText after = await().atMost(Duration.ofSeconds(10))
                    .until(
                            MetricsIT::scrape,
                            m -> delta(before, m, "gateway_ws_connections_closed_total", "reason", "superseded")
                                    == 1.0);
            assertThat(delta(before, after, "gateway_ws_takeovers_total")).isEqualTo(1.0);
            assertThat(after.value("gateway_ws_close_frames_total", "code", "4001", "initiator", "gateway"))
                    .isGreaterThanOrEqualTo(1.0);
            assertThat(delta(before, after, "gateway_commands_sent_total", "command", "pause"))
                    .isEqualTo(1.0);
            assertThat(delta(before, after, "gateway_commands_sent_total", "command", "resume"))
                    .isEqualTo(1.0);
            assertThat(delta(before, after, "gateway_commands_sent_total", "command", "disconnect"))
                    .isZero();
            // a takeover keeps the client connected: one connected client, not two and not zero
            assertThat(delta(before, after, "gateway_clients", "state", "connected"))
                    .isEqualTo(1.0);
        }
    }

    @Test
    void exposesTheJvmProcessNettyAndDashboardMetersAndNoClientIds() {
        try (WsTestClient c = WsTestClient.connect(gw.wsUri())) {
            assertThat(c.request("{\"client_id\": \"m-secret-id\"}")).contains("message_processed");
            PrometheusText m = scrape();
            for (String name : List.of(
                    "jvm_memory_used_bytes",
                    "jvm_gc_memory_allocated_bytes_total",
                    "jvm_threads_live_threads",
                    "jvm_classes_loaded_classes",
                    "process_cpu_usage",
                    "process_uptime_seconds",
                    "process_files_open_files",
                    "system_cpu_available",
                    "netty_eventexecutor_tasks_pending",
                    "netty_allocator_memory_used",
                    "gateway_dashboard_viewers",
                    "gateway_dashboard_deltas_sent_total",
                    "gateway_dashboard_viewers_resynced_total",
                    "gateway_dashboard_viewers_dropped_total")) {
                assertThat(m.has(name)).as(name).isTrue();
            }
            assertThat(m.value("gateway_dashboard_viewers")).isZero();
            // the registry holds no Redis meters without Redis
            assertThat(m.has("gateway_redis_up")).isFalse();
            // bounded tags only: no client id anywhere in the exposition
            assertThat(m.text()).doesNotContain("m-secret-id");
            assertThat(m.samples()).allSatisfy(s -> assertThat(s.labels()).doesNotContainKeys("client_id", "client"));
        }
    }
}
