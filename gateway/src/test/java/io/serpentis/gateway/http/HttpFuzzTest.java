package io.serpentis.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpResponse;
import io.serpentis.gateway.config.GatewayConfig;
import io.serpentis.gateway.pipeline.PipelineNames;
import io.serpentis.gateway.registry.StatusUpdate;
import io.serpentis.gateway.testing.EmbeddedGateway;
import io.serpentis.gateway.testing.LogCapture;
import io.serpentis.gateway.testing.RecordingConnection;
import java.util.ArrayList;
import java.util.List;

/**
 * Fuzzes the HTTP side of the main port (issue 11 point 4): the input is what a peer writes on a fresh connection,
 * through the real pipeline (decoder and its guards, aggregator, routing, access policy) to the real route table of
 * {@code GatewayServer}, admin routes included (the corpus carries the admin token, and a client is connected so
 * that commands reach one). Whatever arrives, no answer is a 500 or any other 5xx but 505 (RFC 9110's answer to an
 * HTTP version the gateway does not speak), nothing is logged at WARN or above (a peer's mistake is not the
 * gateway's), no exception escapes the pipeline, and every buffer is released (paranoid leak detection fails the
 * class). Seed corpus: requests for every route, and damaged ones, in
 * {@code HttpFuzzTestInputs/requests/}; {@code JAZZER_FUZZ=1} fuzzes it (README, Development).
 */
class HttpFuzzTest {
    /** The admin token of the corpus and of the dictionary ({@code HttpFuzzTest.dict}). */
    static final String ADMIN_TOKEN = "fuzz-admin-token-0123456789";

    private static final GatewayConfig CONFIG =
            GatewayConfig.defaults().withSecurity(s -> s.withAdminToken(ADMIN_TOKEN));

    @FuzzTest(maxDuration = "10m")
    @DictionaryFile(resourcePath = "HttpFuzzTest.dict")
    void requests(byte[] input) {
        try (LogCapture logs = new LogCapture();
                EmbeddedGateway gw = new EmbeddedGateway(CONFIG, true)) {
            gw.registry.apply(
                    new RecordingConnection("fuzz"),
                    new StatusUpdate("fuzz-1", new String[] {"client_state", "n"}, new String[] {"running", "1"}));
            List<Integer> statuses = new ArrayList<>();
            gw.channel
                    .pipeline()
                    .addAfter(PipelineNames.HTTP_ENCODER, "statusRecorder", new ChannelOutboundHandlerAdapter() {
                        @Override
                        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                            if (msg instanceof HttpResponse r) {
                                statuses.add(r.status().code());
                            }
                            ctx.write(msg, promise);
                        }
                    });
            gw.channel.writeInbound(Unpooled.wrappedBuffer(input));
            gw.channel.runPendingTasks();
            gw.channel.checkException(); // an exception that reached the end of the pipeline
            gw.drainOutbound();
            gw.advanceSeconds(11); // past --request-timeout: a partial request is answered 408
            gw.channel.checkException();
            gw.drainOutbound();
            assertThat(statuses)
                    .as("answers to %s", printable(input))
                    .allSatisfy(code -> assertThat(code < 500 || code == 505)
                            .as("status %d", code)
                            .isTrue());
            // the gateway's WARNs are rate-limited (a repeat within 5 s is DEBUG): a run still sees the first one
            assertThat(logs.warnings()).as("warnings for %s", printable(input)).isEmpty();
        }
    }

    private static String printable(byte[] input) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < Math.min(input.length, 300); i++) {
            int c = input[i] & 0xff;
            b.append(c >= 0x20 && c < 0x7f ? String.valueOf((char) c) : String.format("\\x%02x", c));
        }
        return b.toString();
    }
}
