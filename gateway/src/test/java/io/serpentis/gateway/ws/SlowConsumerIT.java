package io.serpentis.gateway.ws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Counter;
import io.serpentis.gateway.testing.GatewayServerExtension;
import io.serpentis.gateway.testing.HttpTestClient;
import io.serpentis.gateway.testing.RawWsClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A client that sends and never reads its replies (ECOSYSTEM table b, row 9): the gateway stops reading it once its
 * write buffer passes the high watermark, so the replies it holds for the client stop growing however much more the
 * client has to push; after the slow-consumer timeout it closes the connection and records why. Everything is seen
 * from outside, as a peer and an operator see it: the client's writes block, the gateway's count of messages taken
 * in stands still, the client's record says why it ended.
 */
class SlowConsumerIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(3);
    /** Frames per write of the pushing client. */
    private static final int CHUNK = 2000;

    @RegisterExtension
    static final GatewayServerExtension gw = new GatewayServerExtension(
            c -> c.withSecurity(s -> s.withConnections(l -> l.withSlowConsumerTimeout(TIMEOUT))));

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

    /** WebSocket messages the gateway has taken in (read, parsed and answered), on every connection. */
    private static long messagesTaken() {
        return (long) gw.server().meterRegistry().find("gateway.ws.messages.received").counters().stream()
                .mapToDouble(Counter::count)
                .sum();
    }

    private static String connected(String id) {
        return gw.registry().find(id).snapshot().get("connected");
    }

    /** Writes updates of {@code id} as fast as the socket takes them, on its own thread, until stopped or closed. */
    private static final class Pusher {
        final AtomicLong sent = new AtomicLong();
        final AtomicBoolean stop = new AtomicBoolean();
        final Thread thread;

        Pusher(RawWsClient client, String id) {
            byte[] chunk = frames("{\"client_id\": \"" + id + "\"}", CHUNK);
            thread = new Thread(
                    () -> {
                        try {
                            while (!stop.get() && sent.get() < 50_000_000) { // bounded: at most 50 million messages
                                client.writeRaw(chunk);
                                sent.addAndGet(CHUNK);
                            }
                        } catch (IOException e) {
                            // the gateway closed the connection: expected in one test
                        }
                    },
                    "slow-consumer-writer");
            thread.setDaemon(true);
            thread.start();
        }

        /** Stops after the write under way, which may wait for the gateway to read again. */
        void stop() throws InterruptedException {
            stop.set(true);
            thread.join(TimeUnit.SECONDS.toMillis(30));
            assertThat(thread.isAlive()).as("the writer finished").isFalse();
        }
    }

    /**
     * Waits until the gateway no longer reads the client: for {@code hold}, the messages it has taken in and the
     * messages the client could write both stand still while the client is still writing (its write blocks: the
     * socket buffers between them are full). Returns the messages taken in by then.
     */
    private static long awaitNoLongerRead(Pusher pusher, Duration hold) {
        AtomicReference<List<Long>> previous = new AtomicReference<>(List.of());
        List<Long> still = await().during(hold)
                .atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> List.of(messagesTaken(), pusher.sent.get()), now -> now.equals(previous.getAndSet(now)));
        assertThat(pusher.thread.isAlive()).as("the client is still writing").isTrue();
        return still.get(0);
    }

    @Test
    void aClientThatStopsReadingIsNoLongerReadStopsGrowingAndIsClosed() throws Exception {
        long before;
        long taken;
        Pusher pusher;
        try (RawWsClient client = RawWsClient.connect(gw.wsUri(), 4096)) {
            client.sendText("{\"client_id\": \"slow-1\"}");
            assertThat(client.read().text()).contains("message_processed");
            before = messagesTaken();

            pusher = new Pusher(client, "slow-1");
            taken = awaitNoLongerRead(pusher, Duration.ofSeconds(1)) - before;
            assertThat(connected("slow-1"))
                    .as("held open while not read, within the timeout")
                    .isEqualTo("true");
            assertThat(pusher.sent.get())
                    .as("the client wrote more than the gateway took in")
                    .isGreaterThan(taken);

            await().atMost(TIMEOUT.plusSeconds(10)).until(() -> "false".equals(connected("slow-1")));
            pusher.stop(); // its blocked write fails once the connection is gone
        }
        assertThat(messagesTaken() - before)
                .as("nothing more taken in until the close")
                .isEqualTo(taken);
        HttpTestClient http = new HttpTestClient(gw.httpUri());
        assertThat(http.record("slow-1"))
                .containsEntry("connected", "false")
                .containsEntry("status_detail", "Policy violation: replies not read for 3 s");
        assertThat(gw.server()
                        .meterRegistry()
                        .get("gateway.ws.policy.closes")
                        .tag("reason", "slow_consumer")
                        .counter()
                        .count())
                .isEqualTo(1.0);
    }

    @Test
    void aClientThatCatchesUpInTimeIsKept() throws Exception {
        try (RawWsClient client = RawWsClient.connect(gw.wsUri(), 4096)) {
            client.sendText("{\"client_id\": \"slow-2\"}");
            assertThat(client.read().text()).contains("message_processed");

            Pusher pusher = new Pusher(client, "slow-2");
            // not reading for a while, well within the timeout
            awaitNoLongerRead(pusher, Duration.ofMillis(500));
            // then catching up: the gateway reads again and answers every message the client wrote
            Thread catchUp = new Thread(
                    () -> {
                        try {
                            pusher.stop();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    },
                    "slow-consumer-stop");
            catchUp.start();
            long replies = 0;
            while (pusher.thread.isAlive() || replies < pusher.sent.get()) {
                RawWsClient.Frame f = client.read();
                assertThat(f).isNotNull();
                assertThat(f.opcode()).isEqualTo(RawWsClient.TEXT);
                replies++;
            }
            catchUp.join();
            assertThat(replies).isEqualTo(pusher.sent.get());
            assertThat(connected("slow-2")).isEqualTo("true");
            client.sendText("{\"client_id\": \"slow-2\"}");
            assertThat(client.read().text()).contains("message_processed");
        }
    }
}
