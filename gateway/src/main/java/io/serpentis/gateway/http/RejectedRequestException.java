package io.serpentis.gateway.http;

import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * Why {@link GuardedHttpRequestDecoder} refused a request that Netty's decoder accepted; carried as the request's
 * failed decoder result, and answered with {@link #status()} and {@code {"detail": message}} before the connection
 * is closed. The message is a fixed text: it never echoes the request.
 */
public final class RejectedRequestException extends DecoderException {
    private static final long serialVersionUID = 1L;

    private final transient HttpResponseStatus status;
    private final String detail;

    public RejectedRequestException(HttpResponseStatus status, String message) {
        super(message);
        this.status = status;
        this.detail = message;
    }

    /** The message answered to the peer ({@link #getMessage()}, which Throwable declares nullable). */
    public String detail() {
        return detail;
    }

    /** The status to answer with. */
    public HttpResponseStatus status() {
        return status;
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this; // a verdict on the peer's bytes, not a bug: no stack trace
    }
}
