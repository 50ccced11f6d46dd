package io.serpentis.gateway.testing;

import static org.slf4j.Logger.ROOT_LOGGER_NAME;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.LoggerFactory;

/**
 * Records every log event of the test JVM while open, with the named loggers lowered to DEBUG, so that a test can
 * check what the gateway would write to its logs (tokens, payloads). Restores the levels on close.
 */
public final class LogCapture implements AutoCloseable {
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final Logger root = (Logger) LoggerFactory.getLogger(ROOT_LOGGER_NAME);
    private final Map<Logger, Level> previous = new HashMap<>();

    /** Starts capturing; {@code debugLoggers} (e.g. {@code io.serpentis}, {@code io.netty}) log at DEBUG meanwhile. */
    public LogCapture(String... debugLoggers) {
        for (String name : debugLoggers) {
            Logger l = (Logger) LoggerFactory.getLogger(name);
            previous.put(l, l.getLevel());
            l.setLevel(Level.DEBUG);
        }
        appender.start();
        root.addAppender(appender);
    }

    /** The formatted messages (and stack traces' messages) captured so far. */
    public List<String> lines() {
        List<String> out = new ArrayList<>();
        synchronized (appender) {
            for (ILoggingEvent e : appender.list) {
                out.add(e.getLoggerName() + " " + e.getFormattedMessage()
                        + (e.getThrowableProxy() != null
                                ? " " + e.getThrowableProxy().getMessage()
                                : ""));
            }
        }
        return out;
    }

    /** The events captured so far (level, logger, message, throwable). */
    public List<ILoggingEvent> events() {
        synchronized (appender) {
            return new ArrayList<>(appender.list);
        }
    }

    /** The captured events at WARN or above, formatted as {@link #lines()} formats them. */
    public List<String> warnings() {
        List<String> out = new ArrayList<>();
        synchronized (appender) {
            for (ILoggingEvent e : appender.list) {
                if (e.getLevel().isGreaterOrEqual(Level.WARN)) {
                    out.add(e.getLoggerName() + " " + e.getFormattedMessage()
                            + (e.getThrowableProxy() != null
                                    ? " " + e.getThrowableProxy().getMessage()
                                    : ""));
                }
            }
        }
        return out;
    }

    @Override
    public void close() {
        root.detachAppender(appender);
        appender.stop();
        previous.forEach(Logger::setLevel);
    }
}
