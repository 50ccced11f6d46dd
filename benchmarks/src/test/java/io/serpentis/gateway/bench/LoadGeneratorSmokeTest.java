package io.serpentis.gateway.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.serpentis.gateway.GatewayServer;
import io.serpentis.gateway.config.GatewayConfig;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Runs each load-generator mode for a second against an in-process gateway, so that none can rot unnoticed, and
 * checks what the measurement method depends on: latency from the intended send time, clients that survive a
 * gateway restart.
 */
class LoadGeneratorSmokeTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static GatewayServer gateway;

    @BeforeAll
    static void start() throws Exception {
        gateway = new GatewayServer(GatewayConfig.defaults()
                        .withServer(s -> s.withHost("127.0.0.1").withPort(0)))
                .start();
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    private static JsonNode run(String... args) throws Exception {
        LoadGenerator lg = new LoadGenerator();
        new CommandLine(lg).parseArgs(args);
        return JSON.readTree(lg.run().toJson());
    }

    private static String[] args(String... extra) {
        String[] base = {
            "--url",
            gateway.wsUri().toString(),
            "--ramp-up",
            "200ms",
            "--warmup",
            "300ms",
            "--duration",
            "1s",
            "--id-prefix",
            "smoke-" + System.nanoTime()
        };
        String[] all = new String[base.length + extra.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        return all;
    }

    @Test
    void windowModeAcksEveryMessage() throws Exception {
        JsonNode r = run(args("--connections", "10", "--window", "4"));
        assertThat(r.get("mode").asString()).isEqualTo("window");
        assertThat(r.get("connections_held").asInt()).isEqualTo(10);
        assertThat(r.get("acks").asLong()).isPositive();
        assertThat(r.get("errors").asLong()).isZero();
        assertThat(r.get("latency_us").get("p99").asLong()).isPositive();
    }

    @Test
    void rateModeSendsAboutTheTargetRate() throws Exception {
        JsonNode r = run(args("--connections", "5", "--rate", "500", "--source-addresses", "127.0.0.1-127.0.0.2"));
        assertThat(r.get("mode").asString()).isEqualTo("rate");
        assertThat(r.get("acks_per_s").asDouble()).isBetween(200.0, 800.0);
    }

    @Test
    void dashboardViewersMeasureHowFreshDeltasAre() throws Exception {
        JsonNode r = run(args("--connections", "20", "--rate", "100", "--viewers", "3", "--measuring-viewers", "2"));
        assertThat(r.get("viewers_held").asInt()).isEqualTo(3);
        assertThat(r.get("deltas").asLong()).isPositive();
        JsonNode fresh = r.get("delta_freshness_us");
        assertThat(fresh.get("samples").asLong()).isPositive();
        // The feed ticks every 250 ms by default: a delta is at most one tick (plus scheduling) behind its ack.
        assertThat(fresh.get("p50").asLong()).isLessThan(2_000_000);
    }

    @Test
    void rateModeTimesEachMessageFromWhenItWasDueNotFromWhenItWasSent() throws Exception {
        // The load generator's own event loops stall for 500 ms in the measured window (as on a busy machine): the
        // messages due meanwhile go out late, and their latency counts from when they were due.
        LoadGenerator lg = new LoadGenerator();
        new CommandLine(lg)
                .parseArgs(
                        "--url",
                        gateway.wsUri().toString(),
                        "--connections",
                        "10",
                        "--rate",
                        "100",
                        "--ramp-up",
                        "200ms",
                        "--warmup",
                        "500ms",
                        "--duration",
                        "2s",
                        "--id-prefix",
                        "stall-" + System.nanoTime());
        CompletableFuture<LoadGenerator.Result> run = runInBackground(lg);
        awaitMeasuring(lg, run);
        Thread.sleep(300);
        EventLoopGroup loops = lg.eventLoops();
        assertThat(loops).isNotNull();
        for (EventExecutor loop : loops) {
            loop.execute(() -> sleepUninterruptibly(500));
        }
        JsonNode r = JSON.readTree(run.get(30, TimeUnit.SECONDS).toJson());
        assertThat(r.get("latency_basis").asString()).isEqualTo("intended send time");
        assertThat(r.get("skipped_sends").asLong()).isZero();
        // About 50 of about 200 messages were due during the stall: the slowest tenth waited 200 ms or more.
        long p90 = r.get("latency_us").get("p90").asLong();
        assertThat(p90).isGreaterThan(200_000);
        assertThat(r.get("send_lag_us").get("max").asLong()).isGreaterThan(400_000);
        // Timed from the actual send, as before, most of the stall disappears.
        assertThat(r.get("latency_from_send_us").get("p90").asLong()).isLessThan(p90 / 2);
    }

    @Test
    void reconnectingClientsSurviveAGatewayRestartOnTheSamePort() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        GatewayConfig config =
                GatewayConfig.defaults().withServer(s -> s.withHost("127.0.0.1").withPort(port));
        GatewayServer first = new GatewayServer(config).start();
        GatewayServer second = null;
        try {
            LoadGenerator lg = new LoadGenerator();
            new CommandLine(lg)
                    .parseArgs(
                            "--url",
                            first.wsUri().toString(),
                            "--connections",
                            "10",
                            "--rate",
                            "200",
                            "--ramp-up",
                            "200ms",
                            "--warmup",
                            "300ms",
                            "--duration",
                            "5s",
                            "--reconnect",
                            "--timeline",
                            "--id-prefix",
                            "restart-" + System.nanoTime());
            CompletableFuture<LoadGenerator.Result> run = runInBackground(lg);
            awaitMeasuring(lg, run);
            Thread.sleep(500);
            first.close();
            long restarted = System.currentTimeMillis();
            second = new GatewayServer(config).start();
            JsonNode r = JSON.readTree(run.get(30, TimeUnit.SECONDS).toJson());
            assertThat(r.get("reconnects").asLong()).isGreaterThanOrEqualTo(10);
            assertThat(r.get("registrations").asLong()).isGreaterThanOrEqualTo(20);
            assertThat(r.get("registered").asInt()).isEqualTo(10);
            long acksAfter = 0;
            for (JsonNode second1 : r.get("timeline")) {
                assertThat(second1.has("p99_trailing")).isTrue();
                if (second1.get("end_ms").asLong() > restarted + 2000) {
                    acksAfter += second1.get("acks").asLong();
                }
            }
            assertThat(acksAfter).as("acks more than 2 s after the restart").isGreaterThan(200);
        } finally {
            if (second != null) {
                second.close();
            }
            first.close();
        }
    }

    private static CompletableFuture<LoadGenerator.Result> runInBackground(LoadGenerator lg) {
        return CompletableFuture.supplyAsync(
                () -> {
                    try {
                        return lg.run();
                    } catch (Exception e) {
                        throw new CompletionException(e);
                    }
                },
                command -> {
                    Thread t = new Thread(command, "loadgen-under-test");
                    t.setDaemon(true);
                    t.start();
                });
    }

    private static void awaitMeasuring(LoadGenerator lg, CompletableFuture<?> run) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!lg.measuring()) {
            assertThat(run).isNotDone();
            assertThat(System.nanoTime()).as("measuring within 20 s").isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    private static void sleepUninterruptibly(long millis) {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        for (long left = millis; left > 0; left = TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime())) {
            try {
                Thread.sleep(left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Test
    void idleModeHoldsConnectionsAndMergeAddsResults() throws Exception {
        JsonNode a = run(args("--connections", "7", "--idle"));
        JsonNode b = run(args("--connections", "5", "--idle"));
        assertThat(a.get("connections_held").asInt()).isEqualTo(7);
        assertThat(a.get("registered").asInt()).isEqualTo(7);
        InputStream stdin = System.in;
        PrintStream stdout = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            System.setIn(new ByteArrayInputStream((a + "\n" + b + "\n").getBytes(StandardCharsets.UTF_8)));
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            assertThat(new CommandLine(new LoadGenerator()).execute("merge")).isZero();
        } finally {
            System.setIn(stdin);
            System.setOut(stdout);
        }
        JsonNode merged = JSON.readTree(out.toString(StandardCharsets.UTF_8).trim());
        assertThat(merged.get("connections_held").asInt()).isEqualTo(12);
    }
}
