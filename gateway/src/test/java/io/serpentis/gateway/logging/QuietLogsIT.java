package io.serpentis.gateway.logging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.serpentis.gateway.testing.GatewayProcess;
import io.serpentis.gateway.testing.GatewayServerExtension;
import io.serpentis.gateway.testing.LogCapture;
import io.serpentis.gateway.testing.PrometheusText;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the logs say about expected peer behaviour and about resource exhaustion (issue 11 point 8), each reproduced
 * for real: a peer that closes or resets inside a request, a request that times out (408), and a gateway process
 * that runs out of file descriptors. Expected peer behaviour logs at DEBUG, without a stack trace, and is counted;
 * exhaustion logs one WARN per interval, without a stack trace, and is counted.
 */
class QuietLogsIT {

    @RegisterExtension
    static final GatewayServerExtension gateway =
            new GatewayServerExtension(c -> c.withHttp(h -> h.withRequestTimeout(Duration.ofMillis(500))));

    private static final String INCOMPLETE_HEAD = "GET /health HTTP/1.1\r\nHost: gateway\r\n";
    private static final String INCOMPLETE_BODY =
            "POST /clients/x/pause HTTP/1.1\r\nHost: gateway\r\nContent-Length: 100\r\n\r\n{\"partial\":";

    @Test
    void aPeerClosingOrResettingInsideARequestLogsAtDebugOnlyAndIsCounted() throws Exception {
        double before = errors("incomplete_request");
        double resetsBefore = errors("reset");
        try (LogCapture logs = new LogCapture("io.serpentis", "io.netty")) {
            try (Socket s = connect()) {
                sendAndWait(s, INCOMPLETE_HEAD);
            }
            try (Socket s = connect()) {
                sendAndWait(s, INCOMPLETE_BODY);
            }
            try (Socket s = connect()) {
                sendAndWait(s, INCOMPLETE_BODY);
                s.setSoLinger(true, 0); // close with a reset (RST) instead of FIN
            }
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(errors("incomplete_request") - before).isGreaterThanOrEqualTo(3.0);
                assertThat(errors("reset") - resetsBefore).isGreaterThanOrEqualTo(1.0);
            });
            assertQuiet(logs);
            assertThat(debugLines(logs)).contains("connection closed with a request partly received");
        }
    }

    @Test
    void aRequestThatTimesOutIsAnswered408AndLogsAtDebugOnly() throws Exception {
        double before = refusals("http_timeout");
        try (LogCapture logs = new LogCapture("io.serpentis", "io.netty")) {
            for (String partial : List.of(INCOMPLETE_HEAD, INCOMPLETE_BODY)) {
                try (Socket s = connect()) {
                    send(s, partial);
                    s.setSoTimeout(10_000);
                    assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
                            .startsWith("HTTP/1.1 408 ")
                            .endsWith("{\"detail\":\"Request not received in full within 500ms (--request-timeout)\"}");
                }
            }
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(
                            () -> assertThat(refusals("http_timeout") - before).isEqualTo(2.0));
            // the close after each 408 is logged (if at all) just after the answer
            await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2)).untilAsserted(() -> assertQuiet(logs));
            assertThat(debugLines(logs)).contains("request not complete within 500ms: 408");
        }
    }

    @Test
    void runningOutOfFileDescriptorsLogsOneWarningWithoutAStackAndIsCounted() throws Exception {
        List<Socket> sockets = new ArrayList<>();
        try (GatewayProcess gw = GatewayProcess.startWithFileLimit(128, "--host", "127.0.0.1", "--port", "0")) {
            int started = gw.output().size();
            try {
                // Far more than 128 descriptors: the kernel completes the handshakes (the backlog), accept fails.
                for (int i = 0; i < 200; i++) {
                    sockets.add(new Socket("127.0.0.1", gw.port()));
                }
                await().atMost(Duration.ofSeconds(20))
                        .until(() -> gw.output().stream().anyMatch(l -> l.contains("Cannot accept connections")));
                // Netty retries every second: three more failures, inside the 10 s interval, and no second WARN
                await().during(Duration.ofMillis(3500))
                        .atMost(Duration.ofSeconds(6))
                        .until(() -> gw.output().stream()
                                        .skip(started)
                                        .filter(l -> l.contains(" WARN "))
                                        .count()
                                == 1);
            } finally {
                for (Socket s : sockets) {
                    s.close();
                }
            }
            List<String> all = new ArrayList<>(gw.output());
            List<String> output = all.subList(started, all.size());
            assertThat(output)
                    .filteredOn(l -> l.contains(" WARN "))
                    .hasSize(1)
                    .allMatch(l -> l.contains("Too many open files") && l.contains("ulimit -n"));
            assertThat(output).as("no stack trace").noneMatch(l -> l.startsWith("\tat ") || l.contains("Exception"));
            // Once descriptors are free again, accepting resumes and the failures can be scraped.
            await().atMost(Duration.ofSeconds(20))
                    .ignoreExceptions()
                    .untilAsserted(() -> assertThat(PrometheusText.scrape(gw.httpUri())
                                    .value("gateway_accept_errors_total", "reason", "file_limit"))
                            .isGreaterThanOrEqualTo(3.0));
        }
    }

    /** No WARN or ERROR, and no stack trace at any level, from the gateway or Netty. */
    private static void assertQuiet(LogCapture logs) {
        List<ILoggingEvent> noisy = logs.events().stream()
                .filter(e -> e.getLoggerName().startsWith("io.serpentis")
                        || e.getLoggerName().startsWith("io.netty"))
                .filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN) || e.getThrowableProxy() != null)
                .toList();
        assertThat(noisy).extracting(ILoggingEvent::getFormattedMessage).isEmpty();
    }

    private static List<String> debugLines(LogCapture logs) {
        return logs.events().stream()
                .filter(e -> e.getLevel() == Level.DEBUG)
                .map(ILoggingEvent::getFormattedMessage)
                .toList();
    }

    private static Socket connect() throws IOException {
        URI uri = gateway.httpUri();
        Socket s = new Socket();
        s.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 5000);
        return s;
    }

    private static void send(Socket s, String text) throws IOException {
        s.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
    }

    /** Sends {@code text} and waits until the gateway has read it, so that the socket closes after that. */
    private static void sendAndWait(Socket s, String text) throws IOException {
        double before = bytesReceived();
        send(s, text);
        await().atMost(Duration.ofSeconds(5)).until(() -> bytesReceived() - before >= text.length());
    }

    private static double bytesReceived() {
        return gateway.server()
                .meterRegistry()
                .get("gateway.network.received")
                .counter()
                .count();
    }

    private static double errors(String reason) {
        return gateway.server()
                .meterRegistry()
                .get("gateway.http.connection.errors")
                .tag("reason", reason)
                .counter()
                .count();
    }

    private static double refusals(String reason) {
        return gateway.server()
                .meterRegistry()
                .get("gateway.security.refusals")
                .tag("reason", reason)
                .counter()
                .count();
    }
}
