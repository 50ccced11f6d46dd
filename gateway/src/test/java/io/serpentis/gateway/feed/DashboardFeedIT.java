package io.serpentis.gateway.feed;

import static org.assertj.core.api.Assertions.assertThat;

import io.serpentis.gateway.testing.GatewayServerExtension;
import io.serpentis.gateway.testing.HttpTestClient;
import io.serpentis.gateway.testing.RawWsClient;
import io.serpentis.gateway.testing.WsTestClient;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The dashboard feed over real sockets: what a viewer sees of clients registering, updating and leaving on /ws. */
class DashboardFeedIT {

    @RegisterExtension
    static final GatewayServerExtension gw = new GatewayServerExtension();

    static final JsonMapper JSON = JsonMapper.builder().build();

    static URI feedUri() {
        return URI.create(gw.wsUri().toString().replace("/ws", "/ws/dashboard"));
    }

    /** Reads messages, checking that every delta continues the sequence, until one satisfies {@code wanted}. */
    static final class Viewer implements AutoCloseable {
        final WsTestClient ws;
        long seq = -1;

        Viewer(WsTestClient ws) {
            this.ws = ws;
        }

        JsonNode await(Predicate<JsonNode> wanted) {
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (System.nanoTime() < deadline) {
                JsonNode m = JSON.readTree(ws.next());
                String type = m.path("type").asString();
                if (type.equals("delta")) {
                    assertThat(m.path("seq").asLong()).as("delta after " + seq).isEqualTo(seq + 1);
                }
                assertThat(type).isIn("delta", "snapshot");
                seq = m.path("seq").asLong();
                if (wanted.test(m)) {
                    return m;
                }
            }
            throw new AssertionError("no such message within 10 s");
        }

        @Override
        public void close() {
            ws.close();
        }
    }

    static Predicate<JsonNode> client(String id, Predicate<JsonNode> fields) {
        return m -> m.path("clients").has(id) && fields.test(m.path("clients").path(id));
    }

    @Test
    void aViewerSeesAClientRegisterUpdateAndLeaveLive() {
        try (Viewer viewer = new Viewer(WsTestClient.connect(feedUri()))) {
            JsonNode snapshot = viewer.await(m -> true);
            assertThat(snapshot.path("type").asString()).isEqualTo("snapshot");
            assertThat(snapshot.path("redis_status").asString()).isEqualTo("embedded");

            WsTestClient client = WsTestClient.connect(gw.wsUri());
            client.request("{\"client_id\": \"feed-it-1\", \"status\": {\"cpu_usage\": 12.5}}");
            JsonNode registered = viewer.await(
                    client("feed-it-1", f -> f.path("connected").asString().equals("true")));
            assertThat(registered
                            .path("clients")
                            .path("feed-it-1")
                            .path("cpu_usage")
                            .asString())
                    .isEqualTo("12.5");

            client.request("{\"client_id\": \"feed-it-1\", \"status\": {\"cpu_usage\": 99.5}}");
            viewer.await(client("feed-it-1", f -> f.path("cpu_usage").asString().equals("99.5")));

            client.close(1000, "bye");
            JsonNode left = viewer.await(
                    client("feed-it-1", f -> f.path("connected").asString().equals("false")));
            assertThat(left.path("clients")
                            .path("feed-it-1")
                            .path("status_detail")
                            .asString())
                    .isEqualTo("Disconnected by client");
            assertThat(left.path("counts").path("disconnected").asInt()).isGreaterThanOrEqualTo(1);
        }
    }

    @Test
    void aViewerThatAsksGetsASnapshotWithTheCurrentSequenceNumber() {
        try (Viewer viewer = new Viewer(WsTestClient.connect(feedUri()))) {
            viewer.await(m -> true);
            WsTestClient client = WsTestClient.connect(gw.wsUri());
            client.request("{\"client_id\": \"feed-it-2\"}");
            viewer.await(client("feed-it-2", f -> true));

            viewer.ws.send("{\"type\": \"snapshot\"}");

            JsonNode snapshot = viewer.await(m -> m.path("type").asString().equals("snapshot"));
            assertThat(snapshot.path("clients").has("feed-it-2")).isTrue();
            client.close();
        }
    }

    @Test
    void theFeedIsAnAdminEndpoint() throws Exception {
        try (RawWsClient foreign = RawWsClient.connect(feedUri(), "Origin: https://evil.example")) {
            assertThat(foreign.handshakeResponse()).startsWith("HTTP/1.1 403");
        }
        try (RawWsClient own = RawWsClient.connect(
                feedUri(),
                "Origin: http://" + feedUri().getHost() + ":" + feedUri().getPort())) {
            assertThat(own.upgraded()).isTrue();
        }
    }

    @Test
    void aPlainGetIsAnsweredUpgradeRequired() {
        HttpResponse<String> r = new HttpTestClient(gw.httpUri()).get("/ws/dashboard");

        assertThat(r.statusCode()).isEqualTo(426);
        assertThat(r.body()).contains("/ws/dashboard is a WebSocket endpoint");
    }

    @Test
    void theStatusEndpointStillSpeaksTheStatusProtocol() {
        try (WsTestClient client = WsTestClient.connect(gw.wsUri())) {
            assertThat(client.request("{\"client_id\": \"feed-it-3\"}"))
                    .startsWith("{\"result\": \"message_processed\"");
        }
    }
}
