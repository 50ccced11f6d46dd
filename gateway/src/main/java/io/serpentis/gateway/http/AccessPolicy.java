package io.serpentis.gateway.http;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.NetUtil;
import io.serpentis.gateway.config.SecurityConfig;
import io.serpentis.gateway.metrics.GatewayMetrics;
import io.serpentis.gateway.security.Admission;
import io.serpentis.gateway.security.ClientAuthenticator;
import io.serpentis.gateway.security.ClientPrincipal;
import io.serpentis.gateway.security.ConnectionLimiter;
import io.serpentis.gateway.security.RefusalReason;
import io.serpentis.gateway.security.Tokens;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.MessageDigest;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The one place where the gateway decides who may do what (PROTOCOL.md compatibility table, row 1; README,
 * Security). Every rule is applied here and nowhere else:
 *
 * <ul>
 *   <li><b>Host names</b> ({@link #checkHost}): every request on every listener, before anything else, must name
 *       in its {@code Host} a host the gateway serves: an IP literal, {@code localhost}, a name ending in
 *       {@code .localhost}, or one of {@code --allowed-hosts}; others get 421. A page on a hostile name that
 *       resolves to 127.0.0.1 (DNS rebinding) is same-origin with itself and would otherwise pass every rule below
 *       from the operator's browser, as a loopback peer whose {@code Origin} matches its {@code Host}.
 *   <li><b>Admin</b> ({@link #checkAdmin}): every route the {@link HttpRouter}'s table declares {@code admin()}
 *       ({@code /statuses}, {@code POST /clients/...}, and any route added for operators, such as a client API) is
 *       checked before its handler runs. It needs {@code Authorization: Bearer <admin token>}
 *       when a token is configured (compared as SHA-256 digests in constant time), and a loopback peer when none
 *       is. An operator WebSocket endpoint (a dashboard feed) applies the same rules at its upgrade. A scrape of
 *       {@code /metrics} on the main port needs the admin token while one is configured ({@link #checkScrape}).
 *   <li><b>Browser origins</b>: an admin request's {@code Origin} must be the gateway's own or on the allowlist (so a
 *       foreign page cannot make the operator's browser send it); a WebSocket upgrade's must be on the allowlist
 *       when one is configured (cross-site WebSocket hijacking). CORS is closed: no response grants
 *       {@code Access-Control-Allow-*}, and a preflight is refused ({@link #checkPreflight}).
 *   <li><b>Clients</b> ({@link #admitClient}): the WebSocket upgrade of {@code /ws} passes the origin rule, the
 *       global WebSocket cap ({@link ConnectionLimiter}) and client authentication ({@link ClientAuthenticator}), in
 *       that order; what it is granted travels with the channel as an {@link Admission}. The per-address limits
 *       apply earlier, to every socket at accept.
 * </ul>
 *
 * <p>Refusals are counted in {@code gateway.security.refusals}. Immutable (the limiter's counters aside) and
 * thread-safe.
 */
public final class AccessPolicy {

    /**
     * Why a request was refused.
     *
     * @param status 401, 403, 421, 429 or 503
     * @param detail the {@code {"detail": ...}} text
     * @param challenge the {@code WWW-Authenticate} value of a 401, or {@code null} for the admin realm's
     * @param retryAfterSeconds the {@code Retry-After} of a 429 or 503, or 0 for none
     */
    public record Denial(
            HttpResponseStatus status,
            String detail,
            @Nullable String challenge,
            int retryAfterSeconds) {

        public Denial(HttpResponseStatus status, String detail) {
            this(status, detail, null, 0);
        }

        /** The response that says so, closing the connection. */
        public FullHttpResponse toResponse(HttpResponses responses, ByteBufAllocator alloc) {
            FullHttpResponse r = responses.detail(alloc, status, detail);
            if (status.equals(HttpResponseStatus.UNAUTHORIZED)) {
                r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, challenge != null ? challenge : ADMIN_CHALLENGE);
            }
            if (retryAfterSeconds > 0) {
                r.headers().setInt(HttpHeaderNames.RETRY_AFTER, retryAfterSeconds);
            }
            return HttpResponses.closing(r);
        }
    }

    /**
     * What a client's upgrade was granted: exactly one of {@code admission} and {@code denial} is set.
     *
     * @param admission the grant, to be set on the channel ({@link Admission#KEY})
     * @param denial the refusal to answer with
     */
    public record ClientUpgrade(
            @Nullable Admission admission, @Nullable Denial denial) {}

    private static final String ADMIN_CHALLENGE = "Bearer realm=\"serpentis\"";

    /** A {@code Sec-WebSocket-Protocol} entry {@code bearer.<token>} carries the admin token of a feed upgrade. */
    public static final String SUBPROTOCOL_TOKEN_PREFIX = "bearer.";

    private final byte @Nullable [] tokenDigest;
    private final Set<String> allowedOrigins;
    private final boolean anyOrigin;
    private final Set<String> allowedHosts;
    private final boolean anyHost;
    private final ClientAuthenticator clients;
    private final ConnectionLimiter connections;
    /** The grant of every anonymous client. */
    private final Admission anonymous;

    private final @Nullable GatewayMetrics metrics;

    /** A policy that counts nothing (tests, tools). */
    public AccessPolicy(SecurityConfig config) {
        this(config, null);
    }

    /** A policy that counts its refusals in {@code metrics}. */
    public AccessPolicy(SecurityConfig config, @Nullable GatewayMetrics metrics) {
        this(
                config,
                new ClientAuthenticator(config.clientAuth()),
                new ConnectionLimiter(config.connections()),
                metrics);
    }

    /** A policy with the given authenticator and limiter (tests pass ones on their own clocks). */
    public AccessPolicy(
            SecurityConfig config,
            ClientAuthenticator clients,
            ConnectionLimiter connections,
            @Nullable GatewayMetrics metrics) {
        this.tokenDigest = config.adminToken() == null ? null : Tokens.sha256(config.adminToken());
        this.anyOrigin = config.allowedOrigins().contains("*");
        this.allowedOrigins = Set.copyOf(config.allowedOrigins());
        this.anyHost = config.allowedHosts().contains("*");
        this.allowedHosts = Set.copyOf(config.allowedHosts());
        this.clients = clients;
        this.connections = connections;
        this.metrics = metrics;
        this.anonymous = new Admission(ClientPrincipal.ANONYMOUS, connections.config());
    }

    /**
     * Checks the host a request names in its {@code Host} header; {@code null} means served. A request without one
     * (HTTP/1.0; the decoder refuses HTTP/1.1 without one) or with an empty one (RFC 9110 section 7.2) names no host
     * and is served. The port is ignored, and so are case and one trailing dot.
     */
    public @Nullable Denial checkHost(HttpRequest request) {
        String host = request.headers().get(HttpHeaderNames.HOST);
        if (anyHost || host == null || host.isBlank()) {
            return null;
        }
        String name = hostName(host);
        if (name != null && isServedName(name)) {
            return null;
        }
        count(RefusalReason.HOST);
        return new Denial(
                HttpResponseStatus.MISDIRECTED_REQUEST,
                "Host '" + printable(name != null ? name : host)
                        + "' is not served by this gateway; add it to --allowed-hosts (GATEWAY_ALLOWED_HOSTS)");
    }

    /** The host names served, for the start-up log. */
    public String servedHosts() {
        if (anyHost) {
            return "any host name (--allowed-hosts *)";
        }
        StringBuilder b = new StringBuilder("IP literals, localhost, *.localhost");
        allowedHosts.stream().sorted().forEach(h -> b.append(", ").append(h));
        return b.toString();
    }

    /**
     * Admits the WebSocket upgrade of a client: the origin rule ({@link #checkUpgrade}), then the global WebSocket
     * cap (a slot held until {@code channel} closes), then client authentication.
     */
    public ClientUpgrade admitClient(HttpRequest request, Channel channel) {
        Denial origin = checkUpgrade(request);
        if (origin != null) {
            return new ClientUpgrade(null, origin);
        }
        if (!connections.acquireWebSocket(channel)) {
            count(RefusalReason.CAPACITY);
            ConnectionLimiter.Refusal full = ConnectionLimiter.Refusal.CAPACITY;
            return new ClientUpgrade(null, new Denial(full.status(), full.detail(), null, 5));
        }
        ClientAuthenticator.Result auth = clients.authenticate(request);
        ClientPrincipal principal = auth.principal();
        if (principal == null) {
            count(RefusalReason.CLIENT_AUTH);
            return new ClientUpgrade(
                    null,
                    new Denial(
                            HttpResponseStatus.UNAUTHORIZED,
                            String.valueOf(auth.failure()),
                            ClientAuthenticator.challenge(),
                            0));
        }
        // An anonymous client (no client auth) gets the one shared grant: nothing per connection to keep.
        return new ClientUpgrade(
                principal.equals(ClientPrincipal.ANONYMOUS)
                        ? anonymous
                        : new Admission(principal, connections.config()),
                null);
    }

    /**
     * Refuses a CORS preflight ({@code OPTIONS} with {@code Origin} and {@code Access-Control-Request-Method}): CORS
     * is closed, so no cross-origin page may read an answer or send a request that needs one. {@code null} for any
     * other request.
     */
    public @Nullable Denial checkPreflight(HttpRequest request) {
        if (!HttpMethod.OPTIONS.equals(request.method())
                || !request.headers().contains(HttpHeaderNames.ORIGIN)
                || !request.headers().contains(HttpHeaderNames.ACCESS_CONTROL_REQUEST_METHOD)) {
            return null;
        }
        count(RefusalReason.CORS_PREFLIGHT);
        return new Denial(
                HttpResponseStatus.FORBIDDEN,
                "Cross-origin requests are not allowed: this gateway grants "
                        + "no CORS access; serve pages that use it from the gateway itself");
    }

    /**
     * Checks a scrape of {@code /metrics} on the main port: while an admin token is configured it is an admin
     * request ({@link #checkAdmin}), so that the fleet's figures are not public when the API is not; without one it
     * is public, as before (a Prometheus in another container is no loopback peer). {@code null} means allowed.
     */
    public @Nullable Denial checkScrape(HttpRequest request, @Nullable SocketAddress remote) {
        return tokenDigest == null ? null : checkAdmin(request, remote);
    }

    /** Whether an admin token is configured. */
    public boolean tokenRequired() {
        return tokenDigest != null;
    }

    /**
     * Who made an admin request that was allowed, as the audit trail names it: {@code admin-token} while a token is
     * configured (the one token has no identity of its own), else {@code loopback <peer address>}.
     */
    public String actor(@Nullable SocketAddress remote) {
        if (tokenDigest != null) {
            return "admin-token";
        }
        String peer = remote instanceof InetSocketAddress a && a.getAddress() != null
                ? a.getAddress().getHostAddress()
                : String.valueOf(remote);
        return "loopback " + peer;
    }

    /** Checks an admin request; {@code null} means allowed. */
    public @Nullable Denial checkAdmin(HttpRequest request, @Nullable SocketAddress remote) {
        return checkAdmin(request, remote, Tokens.bearer(request));
    }

    /**
     * Checks the upgrade of an admin WebSocket endpoint (the dashboard feed) by the admin rules. A browser's
     * WebSocket API cannot set an {@code Authorization} header, so for these upgrades only the token is also taken
     * from a {@code token} query parameter or from a {@code Sec-WebSocket-Protocol} entry {@code bearer.<token>}.
     * The token is never logged. {@code null} means allowed.
     */
    public @Nullable Denial checkAdminUpgrade(HttpRequest request, @Nullable SocketAddress remote) {
        String token = Tokens.bearer(request);
        if (token == null) {
            token = Tokens.queryParameter(request);
        }
        if (token == null) {
            for (String header : request.headers().getAll(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL)) {
                for (String offered : header.split(",")) {
                    String p = offered.trim();
                    if (p.startsWith(SUBPROTOCOL_TOKEN_PREFIX) && p.length() > SUBPROTOCOL_TOKEN_PREFIX.length()) {
                        token = p.substring(SUBPROTOCOL_TOKEN_PREFIX.length());
                    }
                }
            }
        }
        return checkAdmin(request, remote, token);
    }

    private @Nullable Denial checkAdmin(HttpRequest request, @Nullable SocketAddress remote, @Nullable String token) {
        String origin = request.headers().get(HttpHeaderNames.ORIGIN);
        if (origin != null && !anyOrigin && !isOwnOrigin(origin, request) && !allowedOrigins.contains(norm(origin))) {
            count(RefusalReason.ORIGIN);
            return new Denial(
                    HttpResponseStatus.FORBIDDEN,
                    "Origin " + printable(origin)
                            + " may not use the admin API; add it to --allowed-origins (GATEWAY_ALLOWED_ORIGINS)");
        }
        if (tokenDigest != null) {
            if (token == null || !MessageDigest.isEqual(tokenDigest, Tokens.sha256(token))) {
                count(RefusalReason.ADMIN_AUTH);
                return new Denial(
                        HttpResponseStatus.UNAUTHORIZED,
                        "Missing or invalid admin token: send Authorization: Bearer <token>");
            }
            return null;
        }
        if (!(remote instanceof InetSocketAddress a)
                || a.getAddress() == null
                || !a.getAddress().isLoopbackAddress()) {
            count(RefusalReason.ADMIN_AUTH);
            return new Denial(
                    HttpResponseStatus.FORBIDDEN,
                    "Admin access is limited to loopback peers while no "
                            + "admin token is configured; set --admin-token (GATEWAY_ADMIN_TOKEN) "
                            + "to allow remote operators");
        }
        return null;
    }

    /** Checks the {@code Origin} of a WebSocket upgrade; {@code null} means allowed. */
    public @Nullable Denial checkUpgrade(HttpRequest request) {
        String origin = request.headers().get(HttpHeaderNames.ORIGIN);
        if (origin == null
                || anyOrigin
                || allowedOrigins.isEmpty()
                || isOwnOrigin(origin, request)
                || allowedOrigins.contains(norm(origin))) {
            return null;
        }
        count(RefusalReason.ORIGIN);
        return new Denial(
                HttpResponseStatus.FORBIDDEN,
                "Origin " + printable(origin)
                        + " may not open WebSocket connections; add it to --allowed-origins (GATEWAY_ALLOWED_ORIGINS)");
    }

    private void count(RefusalReason reason) {
        if (metrics != null) {
            metrics.security().refused(reason);
        }
    }

    private boolean isServedName(String name) {
        if (name.startsWith("[")) {
            return name.endsWith("]") && NetUtil.isValidIpV6Address(name.substring(1, name.length() - 1));
        }
        return NetUtil.isValidIpV4Address(name)
                || name.equals("localhost")
                || name.endsWith(".localhost")
                || allowedHosts.contains(name);
    }

    /**
     * The host of a {@code Host} value ({@code uri-host [":" port]}, RFC 9110 section 7.2) in lower case without one
     * trailing dot, or {@code null} when the value is not of that shape.
     */
    private static @Nullable String hostName(String value) {
        String v = value.trim();
        int portAt;
        if (v.startsWith("[")) {
            int end = v.indexOf(']');
            if (end < 0) {
                return null;
            }
            portAt = end + 1;
        } else {
            int colon = v.lastIndexOf(':');
            portAt = colon < 0 ? v.length() : colon;
        }
        if (portAt < v.length() && !isPort(v, portAt)) {
            return null;
        }
        String name = v.substring(0, portAt).toLowerCase(Locale.ROOT);
        if (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1);
        }
        return name.isEmpty() ? null : name;
    }

    /** Whether {@code v} from {@code at} is {@code ":" *DIGIT}. */
    private static boolean isPort(String v, int at) {
        if (v.charAt(at) != ':') {
            return false;
        }
        for (int i = at + 1; i < v.length(); i++) {
            if (v.charAt(i) < '0' || v.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    private static boolean isOwnOrigin(String origin, HttpRequest request) {
        String host = request.headers().get(HttpHeaderNames.HOST);
        if (host == null) {
            return false;
        }
        String o = norm(origin);
        String h = host.toLowerCase(Locale.ROOT);
        return o.equals("http://" + h) || o.equals("https://" + h);
    }

    private static String norm(String origin) {
        String o = origin.trim().toLowerCase(Locale.ROOT);
        return o.endsWith("/") ? o.substring(0, o.length() - 1) : o;
    }

    private static String printable(String s) {
        String t = s.length() > 100 ? s.substring(0, 100) + "..." : s;
        return t.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
