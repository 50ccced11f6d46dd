package io.serpentis.gateway.ws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.serpentis.gateway.testing.GatewayServerExtension;
import io.serpentis.gateway.testing.HttpTestClient;
import io.serpentis.gateway.testing.RawWsClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A client that sends and never reads its replies (ECOSYSTEM table b, row 9): the gateway stops reading it once its
 * write buffer passes the high watermark, so the replies it holds for it stay bounded however much the client
 * pushes; after the slow-consumer timeout it closes the connection and records why.
 */
class SlowConsumerIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(3);
    /** Far above the 64 KiB high watermark plus the replies to one read, far below what the client pushes. */
    private static final long BOUND = 1024 * 1024;

    @RegisterExtension
    static final GatewayServerExtension gw = new GatewayServerExtension(c -> c.withSecurity(
            s -> s.withConnections(l -> l.withSlowConsumerTimeout(TIMEOUT))));

    /** Masked text frames (mask key 0, RFC 6455 section 5.3 allows any key) of {@code text}, back to back. */
    private static byte[] frames(String text, int count) {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream(count * (payload.length + 6));
        for (int i = 0; i < count; i++) {
            out.write(0x81);
            out.write(0x80 | payload.length);
            out.writeBytes(new byte[4]);
            out.writeBytes(payload);
        }
        return out.toByteArray();
    }

    private static long pendingBytes(Channel ch) throws Exception {
        return ch.eventLoop().submit(() -> {
            ChannelOutboundBuffer b = ch.unsafe().outboundBuffer();
            return b == null ? 0L : b.totalPendingWriteBytes();
        }).get(5, TimeUnit.SECONDS);
    }

    @Test
    void aClientThatStopsReadingIsNoLongerReadStaysBoundedAndIsClosed() throws Exception {
        try (RawWsClient client = RawWsClient.connect(gw.wsUri(), 4096)) {
            client.sendText("{\"client_id\": \"slow-1\"}");
            assertThat(client.read().text()).contains("message_processed");
            Channel ch = ((WsSession) gw.registry().find("slow-1").owner()).channel();

            byte[] chunk = frames("{\"client_id\": \"slow-1\"}", 2000); // 2000 messages, about 60 KB
            AtomicLong sent = new AtomicLong();
            AtomicBoolean stop = new AtomicBoolean();
            Thread writer = new Thread(() -> {
                try {
                    while (!stop.get() && sent.get() < 50_000_000) { // bounded: at most 50 million messages
                        client.writeRaw(chunk);
                        sent.addAndGet(2000);
                    }
                } catch (IOException e) {
                    // the gateway closed the connection: expected
                }
            }, "slow-consumer-writer");
            writer.setDaemon(true);
            writer.start();

            long maxPending = 0;
            boolean pausedReading = false;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (ch.isActive() && System.nanoTime() < deadline) {
                if (!ch.isWritable() && !ch.config().isAutoRead()) {
                    pausedReading = true;
                }
                maxPending = Math.max(maxPending, pendingBytes(ch));
                Thread.sleep(20);
            }
            stop.set(true);
            writer.join(TimeUnit.SECONDS.toMillis(30));

            assertThat(ch.isActive()).as("closed by the slow-consumer policy").isFalse();
            assertThat(pausedReading).as("the gateway stopped reading the client").isTrue();
            assertThat(maxPending).as("replies held for the client stay bounded").isLessThan(BOUND);
            assertThat(sent.get() * 100).as("the client pushed far more replies' worth than the bound")
                    .isGreaterThan(4 * BOUND);
        }
        HttpTestClient http = new HttpTestClient(gw.httpUri());
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(http.record("slow-1"))
                .containsEntry("connected", "false")
                .containsEntry("status_detail", "Policy violation: replies not read for 3 s"));
        assertThat(gw.server().meterRegistry().get("gateway.ws.policy.closes").tag("reason", "slow_consumer")
                .counter().count()).isEqualTo(1.0);
    }

    @Test
    void aClientThatCatchesUpInTimeIsKept() throws Exception {
        try (RawWsClient client = RawWsClient.connect(gw.wsUri(), 4096)) {
            client.sendText("{\"client_id\": \"slow-2\"}");
            assertThat(client.read().text()).contains("message_processed");
            Channel ch = ((WsSession) gw.registry().find("slow-2").owner()).channel();
            client.writeRaw(frames("{\"client_id\": \"slow-2\"}", 20_000)); // about 2 MB of replies
            await().atMost(Duration.ofSeconds(20)).until(() -> !ch.isWritable() || !ch.config().isAutoRead());
            Thread.sleep(500); // not reading for a while, well within the timeout
            int replies = 0;
            while (replies < 20_000) {
                RawWsClient.Frame f = client.read();
                assertThat(f).isNotNull();
                assertThat(f.opcode()).isEqualTo(RawWsClient.TEXT);
                replies++;
            }
            assertThat(ch.isActive()).isTrue();
            client.sendText("{\"client_id\": \"slow-2\"}");
            assertThat(client.read().text()).contains("message_processed");
        }
    }
}
