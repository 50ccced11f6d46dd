package io.serpentis.gateway.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * The gateway's own meters, registered once on the injected registry; hot paths hold the meter objects, so
 * counting is a field read and an add. Thread-safe.
 */
public final class GatewayMetrics {

    /** Why a WebSocket message was refused: the bounded values of the {@code kind} tag. */
    public enum RejectKind {
        INVALID_JSON,
        NOT_AN_OBJECT,
        CLIENT_ID,
        STATUS_NOT_AN_OBJECT,
        LIMIT,
        ID_MISMATCH,
        BINARY,
        /** Over the connection's message rate ({@code --message-rate}). */
        RATE_LIMITED,
        /** A {@code client_id} other than the subject of the connection's token. */
        SUBJECT_MISMATCH;

        final String tag = name().toLowerCase(Locale.ROOT);
    }

    /** Why the access and abuse defences refused something: the bounded values of the {@code reason} tag. */
    public enum Refusal {
        /** A browser {@code Origin} not allowed for an admin request or a WebSocket upgrade (403). */
        ORIGIN,
        /** An admin request without the admin token, or from a remote peer when none is configured (401/403). */
        ADMIN_AUTH,
        /** A WebSocket upgrade without a valid client token (401). */
        CLIENT_AUTH,
        /** A CORS preflight: CORS is closed (403). */
        CORS_PREFLIGHT,
        /** A WebSocket upgrade beyond {@code --max-connections} (503). */
        CAPACITY,
        /** A socket beyond the accept cap, closed unread. */
        SOCKET_CAPACITY,
        /** A WebSocket upgrade beyond {@code --max-connections-per-address} (429). */
        ADDRESS_CONNECTIONS,
        /** A WebSocket upgrade beyond {@code --connection-rate-per-address} (429). */
        ADDRESS_RATE,
        /** A malformed or ambiguous HTTP request: smuggling attempts among them (400, 505). */
        HTTP_MALFORMED,
        /** A request line over {@code --http-max-initial-line-bytes} (414). */
        HTTP_URI_TOO_LONG,
        /** A header block over {@code --http-max-header-bytes} (431). */
        HTTP_HEADERS_TOO_LARGE,
        /** A body over {@code --http-max-content-bytes} (413). */
        HTTP_BODY_TOO_LARGE,
        /** A request not complete within {@code --request-timeout} (408). */
        HTTP_TIMEOUT;

        final String tag = name().toLowerCase(Locale.ROOT);
    }

    /** Why the gateway closed a WebSocket connection with 1008: the bounded values of the {@code reason} tag. */
    public enum PolicyClose {
        /** Messages kept being refused for {@code --rate-limit-close-after}. */
        RATE_LIMIT,
        /** Replies left unread for {@code --slow-consumer-timeout}. */
        SLOW_CONSUMER,
        /** A {@code client_id} other than the token's subject. */
        SUBJECT_MISMATCH,
        /** The connection's JWT expired. */
        TOKEN_EXPIRED;

        final String tag = name().toLowerCase(Locale.ROOT);
    }

    private final MeterRegistry registry;
    private final Map<RejectKind, Counter> rejected = new EnumMap<>(RejectKind.class);
    private final Map<Refusal, Counter> refusals = new EnumMap<>(Refusal.class);
    private final Map<PolicyClose, Counter> policyCloses = new EnumMap<>(PolicyClose.class);

    public GatewayMetrics(MeterRegistry registry) {
        this.registry = registry;
        for (RejectKind k : RejectKind.values()) {
            rejected.put(k, Counter.builder(GatewayMeters.WS_MESSAGES_REJECTED.meterName())
                    .description(GatewayMeters.WS_MESSAGES_REJECTED.description())
                    .tag("kind", k.tag)
                    .register(registry));
        }
        for (Refusal r : Refusal.values()) {
            refusals.put(r, Counter.builder(GatewayMeters.SECURITY_REFUSALS.meterName())
                    .description(GatewayMeters.SECURITY_REFUSALS.description())
                    .tag("reason", r.tag)
                    .register(registry));
        }
        for (PolicyClose c : PolicyClose.values()) {
            policyCloses.put(c, Counter.builder(GatewayMeters.WS_POLICY_CLOSES.meterName())
                    .description(GatewayMeters.WS_POLICY_CLOSES.description())
                    .tag("reason", c.tag)
                    .register(registry));
        }
    }

    /** The registry the meters live in. */
    public MeterRegistry registry() {
        return registry;
    }

    /** Counts a refused message. */
    public void rejected(RejectKind kind) {
        rejected.get(kind).increment();
    }

    /** Counts something the access and abuse defences refused. */
    public void refused(Refusal reason) {
        refusals.get(reason).increment();
    }

    /** Counts a WebSocket connection closed for breaking a policy. */
    public void policyClose(PolicyClose reason) {
        policyCloses.get(reason).increment();
    }
}
