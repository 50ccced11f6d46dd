package io.serpentis.gateway.pipeline;

import io.netty.channel.Channel;
import io.serpentis.gateway.http.AcceptRefusalHandler;
import io.serpentis.gateway.http.HttpResponses;
import io.serpentis.gateway.logging.ConnectionLog;
import io.serpentis.gateway.metrics.GatewayMetrics;
import io.serpentis.gateway.security.ConnectionLimiter;
import io.serpentis.gateway.security.RefusalReason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The check every accepted socket passes before its pipeline is built ({@link ConnectionLimiter#openSocket}): the
 * global socket cap and its address's rate and open-socket cap. A socket refused for its address gets a fixed,
 * pre-encoded {@code 429} ({@link AcceptRefusalHandler}) as its only stage; one over the global socket cap is
 * closed unread. Refusals are counted in {@code gateway.security.refusals}. Shared by every listener's initializer;
 * thread-safe.
 */
final class AcceptGate {
    private static final Logger log = LoggerFactory.getLogger(AcceptGate.class);
    /** Seconds a client refused for its address is asked to wait ({@code Retry-After}). */
    private static final int RETRY_AFTER_SECONDS = 1;

    private final ConnectionLimiter limiter;
    private final GatewayMetrics metrics;
    private final byte[] tooManyConnections;
    private final byte[] tooManyNewConnections;

    AcceptGate(ConnectionLimiter limiter, HttpResponses responses, GatewayMetrics metrics) {
        this.limiter = limiter;
        this.metrics = metrics;
        this.tooManyConnections = encode(responses, ConnectionLimiter.Refusal.ADDRESS_CONNECTIONS);
        this.tooManyNewConnections = encode(responses, ConnectionLimiter.Refusal.ADDRESS_RATE);
    }

    private static byte[] encode(HttpResponses responses, ConnectionLimiter.Refusal refusal) {
        return AcceptRefusalHandler.encode(responses, refusal.status(), refusal.detail(), RETRY_AFTER_SECONDS);
    }

    /**
     * Counts {@code ch} against the limits and returns {@code true}, or refuses it and returns {@code false}: then
     * {@code ch} has its answer (or is closed) already, and the caller adds nothing to its pipeline.
     */
    boolean admit(Channel ch) {
        ConnectionLimiter.Refusal refusal = limiter.openSocket(ch);
        if (refusal == null) {
            return true;
        }
        ConnectionLog.debug(log, ch, null, "socket from {} refused at accept: {}", ch.remoteAddress(), refusal);
        switch (refusal) {
            case SOCKET_CAPACITY -> {
                // Far over the connection cap: not worth a single read.
                metrics.security().refused(RefusalReason.SOCKET_CAPACITY);
                ch.close();
            }
            case ADDRESS_CONNECTIONS -> {
                metrics.security().refused(RefusalReason.ADDRESS_CONNECTIONS);
                ch.pipeline().addLast(PipelineNames.ACCEPT_REFUSAL, new AcceptRefusalHandler(tooManyConnections));
            }
            case ADDRESS_RATE -> {
                metrics.security().refused(RefusalReason.ADDRESS_RATE);
                ch.pipeline().addLast(PipelineNames.ACCEPT_REFUSAL, new AcceptRefusalHandler(tooManyNewConnections));
            }
            case CAPACITY -> throw new AssertionError("the WebSocket cap is applied at the upgrade, not at accept");
        }
        return false;
    }
}
