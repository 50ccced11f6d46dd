package io.serpentis.gateway.feed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Counter;
import io.netty.buffer.PooledByteBufAllocator;
import io.serpentis.gateway.registry.StatusUpdate;
import io.serpentis.gateway.testing.GatewayServerExtension;
import io.serpentis.gateway.testing.RecordingConnection;
import io.serpentis.gateway.testing.WsTestClient;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.json.JsonMapper;

/**
 * A viewer that stops reading, over a real socket, while the fleet churns: the gateway skips it instead of
 * buffering (its memory does not follow the churn), closes it after the slow-viewer timeout, and keeps serving a
 * viewer that reads.
 */
class DashboardSlowViewerIT {

    @RegisterExtension
    static final GatewayServerExtension gw =
            new GatewayServerExtension(c -> c.withFeed(f -> f.withInterval(Duration.ofMillis(20))
                    .withSlowViewerTimeout(Duration.ofSeconds(2))
                    .withHistoryBytes(1 << 20)));

    static final int CLIENTS = 300;
    static final JsonMapper JSON = JsonMapper.builder().build();

    private double counter(String name, String... tags) {
        Counter c = gw.server().meterRegistry().find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void aViewerThatStopsReadingIsSkippedThenClosedWhileMemoryStaysBounded() throws Exception {
        RecordingConnection[] conns = new RecordingConnection[CLIENTS];
        for (int i = 0; i < CLIENTS; i++) {
            conns[i] = new RecordingConnection("slow-" + i);
        }
        String filler = "x".repeat(1000);
        long baseline = PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory();
        AtomicLong peak = new AtomicLong(baseline);
        AtomicBoolean churning = new AtomicBoolean(true);
        // Each round changes every client: about 330 KB per delta, 50 deltas a second.
        Thread churn = new Thread(
                () -> {
                    long round = 0;
                    long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                    while (churning.get() && System.nanoTime() < end) {
                        round++;
                        for (int i = 0; i < CLIENTS; i++) {
                            gw.registry()
                                    .apply(
                                            conns[i],
                                            new StatusUpdate(
                                                    "slow-" + i,
                                                    new String[] {"round", "filler"},
                                                    new String[] {Long.toString(round), filler}));
                        }
                        peak.accumulateAndGet(
                                PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory(), Math::max);
                        try {
                            Thread.sleep(10);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                },
                "churn");

        try (Socket stalled = stalledViewer();
                WsTestClient reader = WsTestClient.connect(feedUri())) {
            churn.start();
            await().atMost(Duration.ofSeconds(25))
                    .until(() -> counter("gateway.dashboard.viewers.dropped", "reason", "slow") >= 1);

            assertThat(counter("gateway.dashboard.deltas.skipped")).isPositive();
            // Unbounded buffering would hold every delta written since the viewer stopped: tens of MB at this rate.
            assertThat(peak.get() - baseline).as("pooled direct memory growth").isLessThan(32L << 20);
            // The stalled viewer's connection is closed (its close frame cannot get through; the close timeout
            // ends it) and the reading viewer is still served, in sequence.
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> gw.server()
                                    .meterRegistry()
                                    .get("gateway.dashboard.viewers")
                                    .gauge()
                                    .value()
                            == 1);
            long last = -1;
            for (int i = 0; i < 5; i++) {
                var m = JSON.readTree(reader.next());
                if (last >= 0 && m.path("type").asString().equals("delta")) {
                    assertThat(m.path("seq").asLong()).isEqualTo(last + 1);
                }
                last = m.path("seq").asLong();
            }
        } finally {
            churning.set(false);
            churn.join();
        }
    }

    static URI feedUri() {
        return URI.create(gw.wsUri().toString().replace("/ws", "/ws/dashboard"));
    }

    /** Upgrades to the feed with a tiny receive buffer and never reads again. */
    private static Socket stalledViewer() throws Exception {
        Socket s = new Socket();
        s.setReceiveBufferSize(4096);
        URI uri = feedUri();
        s.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 5000);
        s.setSoTimeout(10_000);
        OutputStream out = s.getOutputStream();
        out.write(("GET /ws/dashboard HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                        + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                        + "Sec-WebSocket-Version: 13\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = s.getInputStream();
        byte[] status = in.readNBytes(12);
        assertThat(new String(status, StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 101");
        return s;
    }
}
