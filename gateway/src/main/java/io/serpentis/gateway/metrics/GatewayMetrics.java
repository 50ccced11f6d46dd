package io.serpentis.gateway.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.serpentis.gateway.registry.ClientCommand;
import io.serpentis.gateway.registry.ClientRegistry;
import io.serpentis.gateway.registry.DisconnectReason;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.jspecify.annotations.Nullable;

/**
 * The gateway's own meters, registered once on the injected registry (names in {@link GatewayMeters}). Hot paths
 * hold the meter objects in fields and arrays indexed by enum ordinals, so counting is a field read and an add:
 * no tag lookup, no allocation. Every tag is a closed set. Thread-safe.
 */
public final class GatewayMetrics {

    /** Why a WebSocket message was refused: the bounded values of the {@code kind} / {@code result} tags. */
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
        SUBJECT_MISMATCH,
        /** An unpaired surrogate (not Unicode text) in the {@code client_id}, a name or a value. */
        INVALID_UNICODE,
        /** A key repeated in one object of the message. */
        DUPLICATE_KEY;

        final String tag = name().toLowerCase(Locale.ROOT);
    }

    /** Why the access and abuse defences refused something: the bounded values of the {@code reason} tag. */
    public enum Refusal {
        /** A request whose {@code Host} names a host the gateway does not serve ({@code --allowed-hosts}; 421). */
        HOST,
        /** A browser {@code Origin} not allowed for an admin request or a WebSocket upgrade (403). */
        ORIGIN,
        /**
         * An admin request (or a main-port scrape while a token is configured) without the admin token, or an admin
         * request from a remote peer when none is configured (401/403).
         */
        ADMIN_AUTH,
        /** A WebSocket upgrade without a valid client token (401). */
        CLIENT_AUTH,
        /** A CORS preflight: CORS is closed (403). */
        CORS_PREFLIGHT,
        /** A WebSocket upgrade beyond {@code --max-connections} (503). */
        CAPACITY,
        /** A socket beyond the accept cap, closed unread. */
        SOCKET_CAPACITY,
        /** A socket beyond {@code --max-connections-per-address}, answered 429 at accept. */
        ADDRESS_CONNECTIONS,
        /** A socket beyond {@code --connection-rate-per-address}, answered 429 at accept. */
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
        UNEXPECTED;

        final String tag = name().toLowerCase(Locale.ROOT);
    }

    /** Why accepting a socket failed: the bounded values of the {@code reason} tag. */
    public enum AcceptError {
        /** The process's or the system's file descriptor limit ({@code EMFILE}, {@code ENFILE}). */
        FILE_LIMIT,
        /** The kernel is out of socket buffers or memory ({@code ENOBUFS}, {@code ENOMEM}). */
        MEMORY,
        /** Anything else. */
        OTHER;

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

    /** Why a dashboard snapshot was sent: the bounded values of the {@code reason} tag. */
    public enum SnapshotReason {
        CONNECT,
        REQUESTED,
        RESYNC;

        final String tag = name().toLowerCase(Locale.ROOT);
    }

    /**
     * What a received message was: the first message(s) of a connection that has no client id yet, a message of a
     * registered connection, or a binary frame.
     */
    public enum MessageKind {
        REGISTRATION,
        UPDATE,
        BINARY;

        final String tag = name().toLowerCase(Locale.ROOT);
    }

    /** Why the feed closed a dashboard viewer: the bounded values of the {@code reason} tag. */
    public enum DropReason {
        SLOW,
        LIMIT;

        final String tag = name().toLowerCase(Locale.ROOT);
    }

    /** Who started a closing handshake. */
    public enum Initiator {
        GATEWAY,
        CLIENT;

        final String tag = name().toLowerCase(Locale.ROOT);
    }

    /** The close codes counted one by one; any other code counts as {@code other}. */
    private static final int[] KNOWN_CLOSE_CODES = {
        1000, 1001, 1002, 1003, 1005, 1007, 1008, 1009, 1010, 1011, 4001, 4002
    };

    /** The {@code reason} tag of a connection replaced by a newer one (a takeover, close 4001). */
    static final String SUPERSEDED = "superseded";

    private final MeterRegistry registry;
    private final Map<RejectKind, Counter> rejected = new EnumMap<>(RejectKind.class);
    /** [kind][0 = ok, 1 + RejectKind ordinal]; null where the combination cannot happen. */
    private final @Nullable Counter[][] messages;
    private final Timer messageDuration;
    private final AtomicInteger open = new AtomicInteger();
    private final Counter opened;
    private final Map<DisconnectReason.Kind, Counter> closed = new EnumMap<>(DisconnectReason.Kind.class);
    private final Counter closedSuperseded;
    /** [initiator * (codes + 1) + code index]; created on first use, so only codes that happened show. */
    private final AtomicReferenceArray<Counter> closeFrames;
    private final Counter takeovers;
    private final Counter livenessTimeouts;
    private final Timer livenessDetection;
    private final Map<ClientCommand, Counter> commands = new EnumMap<>(ClientCommand.class);
    private final Counter received;
    private final Counter sent;
    private final AtomicInteger dashboardViewers = new AtomicInteger();
    private final Counter deltasEncoded;
    private final Counter deltaClients;
    private final Counter deltasSent;
    private final Counter deltasSkipped;
    private final Counter snapshotsEncoded;
    private final Map<SnapshotReason, Counter> snapshotsSent = new EnumMap<>(SnapshotReason.class);
    private final Counter resyncedFromHistory;
    private final Counter resyncedBySnapshot;
    private final Map<DropReason, Counter> dropped = new EnumMap<>(DropReason.class);
    private final Timer tick;
    private final Map<Refusal, Counter> refusals = new EnumMap<>(Refusal.class);
    private final Map<PolicyClose, Counter> policyCloses = new EnumMap<>(PolicyClose.class);
    private final Map<HttpConnectionError, Counter> httpConnectionErrors = new EnumMap<>(HttpConnectionError.class);
    private final Map<AcceptError, Counter> acceptErrors = new EnumMap<>(AcceptError.class);

    /** Meters on {@code registry}, with the liveness histogram laid out for the default 30 s timeout. */
    public GatewayMetrics(MeterRegistry registry) {
        this(registry, Duration.ofSeconds(30));
    }

    /**
     * Registers every meter of the gateway (and the dashboard feed's) on {@code registry}; configure its filters
     * first ({@link MeterFilters#configure}).
     *
     * @param livenessTimeout the configured liveness timeout; the detection histogram's buckets sit just above it
     */
    public GatewayMetrics(MeterRegistry registry, Duration livenessTimeout) {
        this.registry = registry;
        for (RejectKind k : RejectKind.values()) {
            rejected.put(k, counter(GatewayMeters.WS_MESSAGES_REJECTED).tag("kind", k.tag).register(registry));
        }
        messages = new Counter[MessageKind.values().length][RejectKind.values().length + 1];
        for (MessageKind kind : MessageKind.values()) {
            if (kind == MessageKind.BINARY) {
                messages[kind.ordinal()][1 + RejectKind.BINARY.ordinal()] = message(kind, RejectKind.BINARY.tag);
                continue;
            }
            messages[kind.ordinal()][0] = message(kind, "ok");
            for (RejectKind r : RejectKind.values()) {
                boolean possible =
                        r != RejectKind.BINARY && (kind == MessageKind.UPDATE || r != RejectKind.ID_MISMATCH);
                if (possible) {
                    messages[kind.ordinal()][1 + r.ordinal()] = message(kind, r.tag);
                }
            }
        }
        messageDuration = Timer.builder(GatewayMeters.WS_MESSAGE_DURATION.meterName())
                .description(GatewayMeters.WS_MESSAGE_DURATION.description())
                .serviceLevelObjectives(micros(10), micros(25), micros(50), micros(100), micros(250), micros(500),
                        millis(1), millis(2.5), millis(5), millis(10), millis(25), millis(50), millis(100))
                .register(registry);

        Gauge.builder(GatewayMeters.WS_CONNECTIONS_OPEN.meterName(), open, AtomicInteger::get)
                .description(GatewayMeters.WS_CONNECTIONS_OPEN.description())
                .strongReference(true)
                .register(registry);
        opened = counter(GatewayMeters.WS_CONNECTIONS_OPENED).register(registry);
        for (DisconnectReason.Kind k : DisconnectReason.Kind.values()) {
            if (k != DisconnectReason.Kind.RESTARTED) { // never the end of a live connection
                closed.put(k, counter(GatewayMeters.WS_CONNECTIONS_CLOSED)
                        .tag("reason", k.name().toLowerCase(Locale.ROOT)).register(registry));
            }
        }
        closedSuperseded = counter(GatewayMeters.WS_CONNECTIONS_CLOSED).tag("reason", SUPERSEDED).register(registry);
        closeFrames = new AtomicReferenceArray<>(Initiator.values().length * (KNOWN_CLOSE_CODES.length + 1));
        takeovers = counter(GatewayMeters.WS_TAKEOVERS).register(registry);
        livenessTimeouts = counter(GatewayMeters.WS_LIVENESS_TIMEOUTS).register(registry);
        livenessDetection = Timer.builder(GatewayMeters.WS_LIVENESS_DETECTION.meterName())
                .description(GatewayMeters.WS_LIVENESS_DETECTION.description())
                .serviceLevelObjectives(livenessTimeout, livenessTimeout.plusMillis(100),
                        livenessTimeout.plusMillis(250), livenessTimeout.plusMillis(500),
                        livenessTimeout.plusSeconds(1), livenessTimeout.plusSeconds(2), livenessTimeout.plusSeconds(5),
                        livenessTimeout.plusSeconds(10))
                .register(registry);
        for (ClientCommand c : ClientCommand.values()) {
            commands.put(c, counter(GatewayMeters.COMMANDS_SENT).tag("command", c.wireName()).register(registry));
        }
        received = counter(GatewayMeters.NETWORK_RECEIVED).register(registry);
        sent = counter(GatewayMeters.NETWORK_SENT).register(registry);
        Gauge.builder(GatewayMeters.DASHBOARD_VIEWERS.meterName(), dashboardViewers, AtomicInteger::get)
                .description(GatewayMeters.DASHBOARD_VIEWERS.description())
                .strongReference(true)
                .register(registry);
        deltasEncoded = counter(GatewayMeters.DASHBOARD_DELTAS_ENCODED).register(registry);
        deltaClients = counter(GatewayMeters.DASHBOARD_DELTA_CLIENTS).register(registry);
        deltasSent = counter(GatewayMeters.DASHBOARD_DELTAS_SENT).register(registry);
        deltasSkipped = counter(GatewayMeters.DASHBOARD_DELTAS_SKIPPED).register(registry);
        snapshotsEncoded = counter(GatewayMeters.DASHBOARD_SNAPSHOTS_ENCODED).register(registry);
        for (SnapshotReason r : SnapshotReason.values()) {
            snapshotsSent.put(r, counter(GatewayMeters.DASHBOARD_SNAPSHOTS_SENT).tag("reason", r.tag)
                    .register(registry));
        }
        resyncedFromHistory = counter(GatewayMeters.DASHBOARD_VIEWERS_RESYNCED).tag("via", "history")
                .register(registry);
        resyncedBySnapshot = counter(GatewayMeters.DASHBOARD_VIEWERS_RESYNCED).tag("via", "snapshot")
                .register(registry);
        for (DropReason r : DropReason.values()) {
            dropped.put(r, counter(GatewayMeters.DASHBOARD_VIEWERS_DROPPED).tag("reason", r.tag)
                    .register(registry));
        }
        tick = Timer.builder(GatewayMeters.DASHBOARD_TICK.meterName())
                .description(GatewayMeters.DASHBOARD_TICK.description())
                .register(registry);
        registerSecurityMeters(registry);
    }

    /**
     * Clients by state, read from {@code clients} at scrape time from two counters the registry keeps (no scan).
     * The registry is held strongly by the gauges.
     */
    public void bindClients(ClientRegistry clients) {
        Gauge.builder(GatewayMeters.CLIENTS.meterName(), clients, ClientRegistry::connectedCount)
                .description(GatewayMeters.CLIENTS.description())
                .baseUnit(GatewayMeters.CLIENTS.baseUnit())
                .tag("state", "connected")
                .strongReference(true)
                .register(registry);
        Gauge.builder(GatewayMeters.CLIENTS.meterName(), clients, c -> Math.max(0, c.size() - c.connectedCount()))
                .description(GatewayMeters.CLIENTS.description())
                .baseUnit(GatewayMeters.CLIENTS.baseUnit())
                .tag("state", "disconnected")
                .strongReference(true)
                .register(registry);
    }

    private void registerSecurityMeters(MeterRegistry registry) {
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
        for (HttpConnectionError e : HttpConnectionError.values()) {
            httpConnectionErrors.put(e, counter(GatewayMeters.HTTP_CONNECTION_ERRORS).tag("reason", e.tag)
                    .register(registry));
        }
        for (AcceptError e : AcceptError.values()) {
            acceptErrors.put(e, counter(GatewayMeters.ACCEPT_ERRORS).tag("reason", e.tag).register(registry));
        }
    }

    /** The registry the meters live in. */
    public MeterRegistry registry() {
        return registry;
    }

    // ---- messages

    /** Counts a refused message (no client id known on the connection yet counts as a registration). */
    public void rejected(RejectKind kind) {
        rejected(kind == RejectKind.BINARY ? MessageKind.BINARY : MessageKind.UPDATE, kind);
    }

    /** Counts a refused message of {@code kind}. */
    public void rejected(MessageKind kind, RejectKind why) {
        rejected.get(why).increment();
        Counter c = messages[kind.ordinal()][1 + why.ordinal()];
        if (c != null) {
            c.increment();
        }
    }

    /** Counts a message that was stored and acknowledged. */
    public void accepted(MessageKind kind) {
        Counter c = messages[kind.ordinal()][0];
        if (c != null) {
            c.increment();
        }
    }

    /** Records the time one message took, from its arrival to its reply being queued. */
    public void messageProcessed(long nanos) {
        messageDuration.record(nanos, TimeUnit.NANOSECONDS);
    }

    // ---- connections

    /** A WebSocket handshake completed. */
    public void connectionOpened() {
        open.incrementAndGet();
        opened.increment();
    }

    /** A WebSocket connection ended for {@code reason} (or was taken over, when {@code superseded}). */
    public void connectionClosed(DisconnectReason.Kind reason, boolean superseded) {
        open.decrementAndGet();
        Counter c = superseded ? closedSuperseded : closed.get(reason);
        if (c != null) {
            c.increment();
        }
    }

    /** A close frame that started a closing handshake ({@code code} -1: a close frame without a code, 1005). */
    public void closeFrame(Initiator initiator, int code) {
        int index = initiator.ordinal() * (KNOWN_CLOSE_CODES.length + 1) + codeIndex(code == -1 ? 1005 : code);
        Counter c = closeFrames.get(index);
        if (c == null) {
            int i = index % (KNOWN_CLOSE_CODES.length + 1);
            String tag = i < KNOWN_CLOSE_CODES.length ? Integer.toString(KNOWN_CLOSE_CODES[i]) : "other";
            c = counter(GatewayMeters.WS_CLOSE_FRAMES).tag("code", tag).tag("initiator", initiator.tag)
                    .register(registry);
            closeFrames.set(index, c); // the registry returns the same counter to a racing thread
        }
        c.increment();
    }

    private static int codeIndex(int code) {
        for (int i = 0; i < KNOWN_CLOSE_CODES.length; i++) {
            if (KNOWN_CLOSE_CODES[i] == code) {
                return i;
            }
        }
        return KNOWN_CLOSE_CODES.length;
    }

    /** A connection lost its client id to a newer connection. */
    public void takeover() {
        takeovers.increment();
    }

    /** A liveness timeout fired {@code idleNanos} after the connection's last inbound traffic. */
    public void livenessTimeout(long idleNanos) {
        livenessTimeouts.increment();
        livenessDetection.record(idleNanos, TimeUnit.NANOSECONDS);
    }

    /** An operator command was written to a client. */
    public void commandSent(ClientCommand command) {
        commands.get(command).increment();
    }

    // ---- network

    /** Bytes read from a connection. */
    public void bytesReceived(long n) {
        received.increment(n);
    }

    /** Bytes written to a connection. */
    public void bytesSent(long n) {
        sent.increment(n);
    }

    private Counter message(MessageKind kind, String result) {
        return counter(GatewayMeters.WS_MESSAGES_RECEIVED).tag("kind", kind.tag).tag("result", result)
                .register(registry);
    }

    static Counter.Builder counter(GatewayMeters meter) {
        return Counter.builder(meter.meterName()).description(meter.description()).baseUnit(meter.baseUnit());
    }

    static Duration micros(long n) {
        return Duration.ofNanos(n * 1_000);
    }

    static Duration millis(double n) {
        return Duration.ofNanos((long) (n * 1_000_000));
    }

    /** A dashboard viewer joined the feed. */
    public void dashboardViewerAdded() {
        dashboardViewers.incrementAndGet();
    }

    /** A dashboard viewer left the feed. */
    public void dashboardViewerRemoved() {
        dashboardViewers.decrementAndGet();
    }

    /** The feed encoded a delta carrying {@code clients} changed or removed clients. */
    public void dashboardDeltaEncoded(int clients) {
        deltasEncoded.increment();
        deltaClients.increment(clients);
    }

    /** A delta was written to a viewer. */
    public void dashboardDeltaSent() {
        deltasSent.increment();
    }

    /** A delivery was skipped: the viewer's connection was not writable. */
    public void dashboardDeltaSkipped() {
        deltasSkipped.increment();
    }

    /** The feed encoded a snapshot. */
    public void dashboardSnapshotEncoded() {
        snapshotsEncoded.increment();
    }

    /** A snapshot was written to a viewer. */
    public void dashboardSnapshotSent(SnapshotReason reason) {
        snapshotsSent.get(reason).increment();
    }

    /** A skipped viewer was brought back in sync, by a snapshot or from the history of recent deltas. */
    public void dashboardViewerResynced(boolean bySnapshot) {
        (bySnapshot ? resyncedBySnapshot : resyncedFromHistory).increment();
    }

    /** The feed closed a viewer. */
    public void dashboardViewerDropped(DropReason reason) {
        dropped.get(reason).increment();
    }

    /** One feed tick took {@code nanos}. */
    public void dashboardTick(long nanos) {
        tick.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Counts something the access and abuse defences refused. */
    public void refused(Refusal reason) {
        refusals.get(reason).increment();
    }

    /** Counts a WebSocket connection closed for breaking a policy. */
    public void policyClose(PolicyClose reason) {
        policyCloses.get(reason).increment();
    }

    /** Counts an error on an HTTP connection. */
    public void httpConnectionError(HttpConnectionError reason) {
        httpConnectionErrors.get(reason).increment();
    }

    /** Counts a failed attempt to accept a socket. */
    public void acceptError(AcceptError reason) {
        acceptErrors.get(reason).increment();
    }
}
