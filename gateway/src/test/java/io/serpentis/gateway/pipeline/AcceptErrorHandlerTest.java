package io.serpentis.gateway.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.embedded.EmbeddedChannel;
import io.serpentis.gateway.metrics.ConnectionMetrics.AcceptError;
import io.serpentis.gateway.metrics.GatewayMetrics;
import io.serpentis.gateway.testing.LogCapture;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AcceptErrorHandlerTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final GatewayMetrics metrics = new GatewayMetrics(registry);
    private long now = 1;

    private double count(String reason) {
        return registry.get("gateway.accept.errors")
                .tag("reason", reason)
                .counter()
                .count();
    }

    @Test
    void runningOutOfDescriptorsLogsOneWarningPerIntervalWithoutAStackAndPausesAccepting() {
        EmbeddedChannel listener = new EmbeddedChannel();
        listener.freezeTime();
        listener.pipeline().addLast(new AcceptErrorHandler(metrics, () -> 42, () -> now));
        IOException emfile = new IOException("accept(..) failed with error(-24): Too many open files");
        try (LogCapture logs = new LogCapture("io.serpentis")) {
            for (int second = 0; second < 25; second++) {
                listener.pipeline().fireExceptionCaught(emfile);
                listener.checkException(); // handled here: nothing reaches the tail (Netty's WARN with a stack)
                assertThat(listener.config().isAutoRead())
                        .as("accepting paused")
                        .isFalse();
                listener.advanceTimeBy(AcceptErrorHandler.PAUSE_SECONDS, TimeUnit.SECONDS);
                listener.runScheduledPendingTasks();
                assertThat(listener.config().isAutoRead())
                        .as("and resumed a second later")
                        .isTrue();
                now += TimeUnit.SECONDS.toNanos(1);
            }
            List<ILoggingEvent> warnings = logs.events().stream()
                    .filter(e ->
                            e.getLoggerName().equals(AcceptErrorHandler.class.getName()) && e.getLevel() == Level.WARN)
                    .toList();
            // 25 s of exhaustion, one WARN per 10 s: at 0 s, 10 s and 20 s.
            assertThat(warnings).hasSize(3);
            assertThat(warnings)
                    .allSatisfy(e -> assertThat(e.getThrowableProxy()).isNull());
            assertThat(warnings.get(0).getFormattedMessage())
                    .contains("Too many open files", "42 sockets open", "ulimit -n");
            assertThat(warnings.get(1).getFormattedMessage()).contains("[9 similar warnings suppressed]");
        }
        assertThat(count("file_limit")).isEqualTo(25.0);
        assertFalse(listener.finish());
    }

    @Test
    void failuresAreSortedIntoABoundedSetOfReasons() {
        assertThat(AcceptErrorHandler.classify(new IOException("Too many open files")))
                .isEqualTo(AcceptError.FILE_LIMIT);
        assertThat(AcceptErrorHandler.classify(new IOException("accept(..) failed: Too many open files in system")))
                .isEqualTo(AcceptError.FILE_LIMIT);
        assertThat(AcceptErrorHandler.classify(new IOException("No buffer space available")))
                .isEqualTo(AcceptError.MEMORY);
        assertThat(AcceptErrorHandler.classify(new IOException("Cannot allocate memory")))
                .isEqualTo(AcceptError.MEMORY);
        assertThat(AcceptErrorHandler.classify(new IOException("Operation not permitted")))
                .isEqualTo(AcceptError.OTHER);
        assertThat(AcceptErrorHandler.classify(new IllegalStateException())).isEqualTo(AcceptError.OTHER);
    }
}
