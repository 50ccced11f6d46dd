package io.serpentis.gateway.metrics;

import static io.serpentis.gateway.metrics.Meters.counter;
import static io.serpentis.gateway.metrics.Meters.tag;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * Every connection's meters, whatever it carries: bytes on the wire ({@code gateway.network.*}, counted by
 * {@link ConnectionMetricsHandler}), failed accepts and errors on HTTP connections before any upgrade. Bind once,
 * before the first event; thread-safe afterwards.
 */
@SuppressWarnings("NullAway.Init") // bindTo resolves every meter before the first event
public final class ConnectionMetrics implements MeterBinder {

    /** What went wrong on an HTTP connection (before any upgrade): the bounded values of the {@code reason} tag. */
    public enum HttpConnectionError {
        /**
         * The connection closed with a request partly received: the peer went away mid-request, or the gateway
         * closed it after answering 408. Logged at DEBUG.
         */
        INCOMPLETE_REQUEST,
        /** The peer reset the connection, or it broke (broken pipe, timed out). Logged at DEBUG. */
        RESET,
        /**
         * The peer broke the protocol before any route could answer, e.g. sent WebSocket frames before its upgrade was
         * answered. Logged at DEBUG.
         */
        PROTOCOL_ERROR,
        /** Anything else: logged at WARN with its stack trace (rate-limited). */
        UNEXPECTED
    }

    /** Why accepting a socket failed: the bounded values of the {@code reason} tag. */
    public enum AcceptError {
        /** The process's or the system's file descriptor limit ({@code EMFILE}, {@code ENFILE}). */
        FILE_LIMIT,
        /** The kernel is out of socket buffers or memory ({@code ENOBUFS}, {@code ENOMEM}). */
        MEMORY,
        /** Anything else. */
        OTHER
    }

    private final Counter[] httpConnectionErrors = new Counter[HttpConnectionError.values().length];
    private final Counter[] acceptErrors = new Counter[AcceptError.values().length];
    private boolean bound;
    private Counter received;
    private Counter sent;

    @Override
    public void bindTo(MeterRegistry registry) {
        Meters.checkUnbound(bound, this);
        bound = true;
        received = counter(GatewayMeters.NETWORK_RECEIVED).register(registry);
        sent = counter(GatewayMeters.NETWORK_SENT).register(registry);
        for (HttpConnectionError e : HttpConnectionError.values()) {
            httpConnectionErrors[e.ordinal()] = counter(GatewayMeters.HTTP_CONNECTION_ERRORS)
                    .tag("reason", tag(e))
                    .register(registry);
        }
        for (AcceptError e : AcceptError.values()) {
            acceptErrors[e.ordinal()] =
                    counter(GatewayMeters.ACCEPT_ERRORS).tag("reason", tag(e)).register(registry);
        }
    }

    /** Bytes read from a connection. */
    public void bytesReceived(long n) {
        received.increment(n);
    }

    /** Bytes written to a connection. */
    public void bytesSent(long n) {
        sent.increment(n);
    }

    /** Counts an error on an HTTP connection. */
    public void httpConnectionError(HttpConnectionError reason) {
        httpConnectionErrors[reason.ordinal()].increment();
    }

    /** Counts a failed attempt to accept a socket. */
    public void acceptError(AcceptError reason) {
        acceptErrors[reason.ordinal()].increment();
    }
}
