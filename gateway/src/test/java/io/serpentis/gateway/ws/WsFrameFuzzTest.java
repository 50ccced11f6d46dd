package io.serpentis.gateway.ws;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.Unpooled;
import io.serpentis.gateway.config.GatewayConfig;
import io.serpentis.gateway.registry.ClientSnapshot;
import io.serpentis.gateway.testing.EmbeddedGateway;
import java.util.Arrays;

/**
 * Fuzzes the whole frame path after a handshake (ECOSYSTEM 2.6, "the frame → command path"): the input's first
 * byte sets how the rest is cut into reads, and the rest is what a client writes on the socket. Whatever arrives,
 * no exception may escape the pipeline, every buffer is released (paranoid leak detection fails the class), and
 * a connection that ended leaves no client recorded as connected (PROTOCOL.md section 7, row 4: no ghosts). Seed
 * corpus: {@code WsFrameFuzzTestInputs/framesAfterHandshake/}.
 */
class WsFrameFuzzTest {
    private static final GatewayConfig CONFIG = GatewayConfig.defaults()
            .withWs(w -> w.withMaxFrameBytes(4096)); // small, so that the fuzzer reaches the limits

    @FuzzTest(maxDuration = "10m")
    @DictionaryEntries({
        "\u0081\u0080\u0000\u0000\u0000\u0000",
        "\u0088\u0082\u0000\u0000\u0000\u0000",
        "\u0089\u0080\u0000\u0000\u0000\u0000",
        "\u0001\u0080\u0000\u0000\u0000\u0000",
        "\"client_id\"",
        "\"status\"",
        "{\"client_id\": \"f\"}"
    })
    void framesAfterHandshake(byte[] input) {
        if (input.length == 0) {
            return;
        }
        int chunk = (input[0] & 0xff) + 1;
        try (EmbeddedGateway gw = new EmbeddedGateway(CONFIG)) {
            assertThat(gw.handshake()).startsWith("HTTP/1.1 101");
            for (int i = 1; i < input.length && gw.channel.isOpen(); i += chunk) {
                byte[] read = Arrays.copyOfRange(input, i, Math.min(input.length, i + chunk));
                gw.channel.writeInbound(Unpooled.wrappedBuffer(read));
                gw.channel.runPendingTasks();
                gw.channel.checkException(); // an exception that reached the end of the pipeline
                gw.drainOutbound(); // whatever the server answered: only the invariants below are checked
            }
            gw.advanceSeconds(5); // close timeouts, pings
            gw.channel.checkException();
            gw.drainOutbound();
            if (!gw.channel.isOpen()) {
                gw.registry.forEach(r -> {
                    ClientSnapshot s = r.snapshot();
                    assertThat(s.get("connected"))
                            .as("client %s after the connection ended", r.id())
                            .isNotEqualTo("true");
                });
            }
        }
    }
}
