package io.serpentis.gateway.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/** Connection ids on log lines (MDC fields, the readable prefix) and rate-limited warnings. */
class LoggingTest {
    private final Logger logger = (Logger) LoggerFactory.getLogger("io.serpentis.test.LoggingTest");
    /** Keeps events, their MDC copied at the time of logging (as an asynchronous appender would). */
    private final ListAppender<ILoggingEvent> events = new ListAppender<>() {
        @Override
        protected void append(ILoggingEvent e) {
            e.prepareForDeferredProcessing();
            super.append(e);
        }
    };

    @BeforeEach
    void attach() {
        events.setContext((LoggerContext) LoggerFactory.getILoggerFactory());
        events.start();
        logger.addAppender(events);
        logger.setLevel(Level.DEBUG);
        logger.setAdditive(false);
    }

    @AfterEach
    void detach() {
        logger.detachAppender(events);
        logger.setLevel(null);
        logger.setAdditive(true);
    }

    private static String render(ILoggingEvent e) {
        PatternLayout layout = new PatternLayout();
        layout.setContext((LoggerContext) LoggerFactory.getILoggerFactory());
        layout.getInstanceConverterMap().put("connection", ConnectionConverter::new);
        layout.setPattern("%connection%msg");
        layout.start();
        return layout.doLayout(e);
    }

    @Test
    void linesAboutAConnectionCarryItsIdsAndLeaveTheMdcAsTheyFoundIt() {
        EmbeddedChannel ch = new EmbeddedChannel();
        String channelId = ch.id().asShortText();
        ConnectionLog.info(logger, ch, "worker-1", "registered {}", "now");
        ConnectionLog.debug(logger, ch, null, "before registration");
        logger.info("not about a connection");
        assertThat(MDC.getCopyOfContextMap()).isNullOrEmpty();

        List<ILoggingEvent> e = events.list;
        assertThat(e.get(0).getMDCPropertyMap())
                .containsEntry("channel_id", channelId)
                .containsEntry("client_id", "worker-1");
        assertThat(render(e.get(0))).isEqualTo("[" + channelId + " worker-1] registered now");
        assertThat(e.get(1).getMDCPropertyMap())
                .containsEntry("channel_id", channelId)
                .doesNotContainKey("client_id");
        assertThat(render(e.get(1))).isEqualTo("[" + channelId + "] before registration");
        assertThat(render(e.get(2))).isEqualTo("not about a connection");
        ch.finishAndReleaseAll();
    }

    @Test
    void aClientIdCannotForgeALogLine() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ConnectionLog.info(logger, ch, "evil\nINFO forged", "x");
        assertThat(render(events.list.get(0))).doesNotContain("\n").contains("evil\\u000aINFO forged");
        ch.finishAndReleaseAll();
    }

    @Test
    void aClientIdCannotPassForAnotherInALogViewer() {
        EmbeddedChannel ch = new EmbeddedChannel();
        // A right-to-left override makes "\u202e1-rekrow" display as "worker-1"; a zero-width space hides itself.
        ConnectionLog.info(logger, ch, "\u202e1-rekrow\u200b", "x");
        assertThat(render(events.list.get(0)))
                .contains("\\u202e1-rekrow\\u200b")
                .doesNotContain("\u202e");
        ch.finishAndReleaseAll();
    }

    @Test
    void repeatedWarningsAreLoggedOncePerIntervalAndTheRestCounted() {
        AtomicLong now = new AtomicLong(1_000);
        RateLimitedLog limited = new RateLimitedLog(logger, Duration.ofSeconds(5), now::get);
        limited.warn("Redis unreachable: {}", "refused");
        limited.warn("Redis unreachable: {}", "refused");
        now.addAndGet(Duration.ofSeconds(4).toNanos());
        limited.warn("Redis unreachable: {}", "refused");
        assertThat(limited.suppressed()).isEqualTo(2);
        now.addAndGet(Duration.ofSeconds(1).toNanos());
        limited.warn("Redis writer failed", new IllegalStateException("boom"));

        List<ILoggingEvent> warns =
                events.list.stream().filter(e -> e.getLevel() == Level.WARN).toList();
        assertThat(warns).hasSize(2);
        assertThat(warns.get(0).getFormattedMessage()).isEqualTo("Redis unreachable: refused");
        assertThat(warns.get(1).getFormattedMessage()).isEqualTo("Redis writer failed [2 similar warnings suppressed]");
        assertThat(warns.get(1).getThrowableProxy())
                .as("a trailing throwable keeps its stack trace")
                .isNotNull();
        assertThat(events.list.stream().filter(e -> e.getLevel() == Level.DEBUG))
                .hasSize(2);
        assertThat(limited.suppressed()).isZero();
    }

    @Test
    void logFormatsParseInAnyCase() {
        assertThat(LogFormat.parse("JSON")).isEqualTo(LogFormat.JSON);
        assertThat(LogFormat.parse(" text ")).isEqualTo(LogFormat.TEXT);
    }
}
