package io.serpentis.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.serpentis.gateway.registry.ClientSnapshot;
import io.serpentis.gateway.testing.GatewayServerExtension;
import io.serpentis.gateway.testing.RawWsClient;
import io.serpentis.gateway.testing.WsTestClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Graceful shutdown: stop accepting, close 1001, record every client as disconnected, finish in time. */
class GatewayShutdownIT {

    /**
     * The listening socket has its own thread (new connections are not queued behind the I/O loops' traffic, as
     * the 10,000-connection benchmark showed they were), and that thread ends with the gateway.
     */
    @Test
    void acceptsOnItsOwnThreadAndStopsIt() throws Exception {
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        GatewayServer server = new GatewayServer(GatewayServerExtension.testDefaults()).start();
        List<Thread> accept;
        try (WsTestClient c = WsTestClient.connect(server.wsUri())) {
            assertThat(c.request("{\"client_id\": \"accept-1\"}")).contains("message_processed");
            accept = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> !before.contains(t) && t.getName().startsWith("gateway-accept-"))
                    .toList();
            assertThat(accept).hasSize(1);
        } finally {
            server.close();
        }
        accept.get(0).join(Duration.ofSeconds(5).toMillis());
        assertThat(accept.get(0).isAlive()).isFalse();
    }

    @Test
    void closesEveryClientWith1001AndRecordsTheShutdown() throws Exception {
        GatewayServer server = new GatewayServer(GatewayServerExtension.testDefaults()
                        .withServer(s -> s.withShutdownTimeout(Duration.ofSeconds(5))))
                .start();
        List<WsTestClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                WsTestClient c = WsTestClient.connect(server.wsUri());
                assertThat(c.request("{\"client_id\": \"shut-" + i + "\"}")).contains("message_processed");
                clients.add(c);
            }
            long start = System.nanoTime();
            server.close();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(6));
            for (WsTestClient c : clients) {
                assertThat(c.awaitClose(Duration.ofSeconds(2)).code()).isEqualTo(1001);
            }
            for (int i = 0; i < 3; i++) {
                ClientSnapshot s = server.registry().find("shut-" + i).snapshot();
                assertThat(s.get("connected")).isEqualTo("false");
                assertThat(s.get("status_detail")).isEqualTo("Gateway shutting down");
            }
        } finally {
            server.close();
            clients.forEach(WsTestClient::close);
        }
    }

    @Test
    void forceClosesPeersThatIgnoreTheCloseFrameWithinTheShutdownTimeout() throws Exception {
        GatewayServer server = new GatewayServer(GatewayServerExtension.testDefaults()
                        .withServer(s -> s.withShutdownTimeout(Duration.ofSeconds(2)))
                        .withWs(w -> w.withCloseTimeout(Duration.ofSeconds(30))))
                .start();
        try (var raw = RawWsClient.connect(server.wsUri())) {
            raw.sendText("{\"client_id\": \"stubborn\"}");
            raw.readUntil(RawWsClient.TEXT);
            long start = System.nanoTime();
            server.close(); // the raw client never answers the close frame
            // Bounded by the 2 s shutdown timeout, not the 30 s close timeout.
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
            assertThat(raw.readUntil(RawWsClient.CLOSE).closeCode()).isEqualTo(1001);
            assertThat(raw.awaitEof()).isTrue();
            assertThat(server.registry().find("stubborn").snapshot().get("status_detail"))
                    .isEqualTo("Gateway shutting down");
        } finally {
            server.close();
        }
    }
}
