package io.serpentis.gateway.logging;

import io.netty.channel.Channel;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.MDC;

/**
 * Lines about one connection carry its short channel id and, once known, its client id, as the SLF4J MDC entries
 * {@value #CHANNEL_ID} and {@value #CLIENT_ID}: JSON lines show them as fields, readable lines start with
 * {@code [<channel id> <client id>]} ({@link ConnectionConverter}). The entries are set only around a line that is
 * actually logged (after the level check) and restored afterwards, so the hot path pays nothing and event-loop
 * threads never keep a stale id.
 */
public final class ConnectionLog {
    /** MDC key: the channel's short id (8 hex digits). */
    public static final String CHANNEL_ID = "channel_id";
    /** MDC key: the client id the connection registered. */
    public static final String CLIENT_ID = "client_id";

    private ConnectionLog() {}

    /** Logs at DEBUG about {@code channel}'s connection. */
    public static void debug(
            Logger log, Channel channel, @Nullable String clientId, String format, @Nullable Object... args) {
        if (log.isDebugEnabled()) {
            try (Scope s = scope(channel, clientId)) {
                log.debug(format, args);
            }
        }
    }

    /** Logs at INFO about {@code channel}'s connection. */
    public static void info(
            Logger log, Channel channel, @Nullable String clientId, String format, @Nullable Object... args) {
        if (log.isInfoEnabled()) {
            try (Scope s = scope(channel, clientId)) {
                log.info(format, args);
            }
        }
    }

    /** Logs at WARN about {@code channel}'s connection, through {@code limiter} (at most once per its interval). */
    public static void warn(
            RateLimitedLog limiter,
            Channel channel,
            @Nullable String clientId,
            String format,
            @Nullable Object... args) {
        try (Scope s = scope(channel, clientId)) {
            limiter.warn(format, args);
        }
    }

    /** Sets the connection's ids for the lines logged on this thread until {@link Scope#close()}. */
    public static Scope scope(Channel channel, @Nullable String clientId) {
        return new Scope(channel.id().asShortText(), clientId);
    }

    /** The ids of one connection in the MDC; closing restores what was there before. */
    public static final class Scope implements AutoCloseable {
        private final @Nullable String previousChannel;
        private final @Nullable String previousClient;

        Scope(String channelId, @Nullable String clientId) {
            previousChannel = MDC.get(CHANNEL_ID);
            previousClient = MDC.get(CLIENT_ID);
            MDC.put(CHANNEL_ID, channelId);
            if (clientId != null) {
                MDC.put(CLIENT_ID, clientId);
            } else {
                MDC.remove(CLIENT_ID);
            }
        }

        @Override
        public void close() {
            restore(CHANNEL_ID, previousChannel);
            restore(CLIENT_ID, previousClient);
        }

        private static void restore(String key, @Nullable String value) {
            if (value == null) {
                MDC.remove(key);
            } else {
                MDC.put(key, value);
            }
        }
    }
}
