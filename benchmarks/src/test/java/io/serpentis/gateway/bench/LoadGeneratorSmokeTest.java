package io.serpentis.gateway.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.serpentis.gateway.GatewayServer;
import io.serpentis.gateway.config.GatewayConfig;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Runs each load-generator mode for a second against an in-process gateway, so that none can rot unnoticed. */
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
