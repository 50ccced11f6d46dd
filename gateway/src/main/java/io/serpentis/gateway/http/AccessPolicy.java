package io.serpentis.gateway.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.serpentis.gateway.config.SecurityConfig;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Decides who may use the admin routes and which browser pages may open WebSockets (PROTOCOL.md compatibility
 * table, row 1). Admin requests need the bearer token when one is configured, and come from a loopback peer when
 * none is. A browser {@code Origin} must be the gateway's own or on the allowlist for admin requests (so a foreign
 * page cannot make the operator's browser send them), and on the allowlist for WebSocket upgrades when one is
 * configured (cross-site WebSocket hijacking). Immutable and thread-safe.
 */
public final class AccessPolicy {

    /**
     * Why a request was refused.
     *
     * @param status 401 or 403
     * @param detail the {@code {"detail": ...}} text
     */
    public record Denial(HttpResponseStatus status, String detail) {}

    /** A {@code Sec-WebSocket-Protocol} entry {@code bearer.<token>} carries the admin token of a feed upgrade. */
    public static final String SUBPROTOCOL_TOKEN_PREFIX = "bearer.";

    private final byte @Nullable [] tokenDigest;
    private final Set<String> allowedOrigins;
    private final boolean anyOrigin;

    public AccessPolicy(SecurityConfig config) {
        this.tokenDigest = config.adminToken() == null ? null : sha256(config.adminToken());
        this.anyOrigin = config.allowedOrigins().contains("*");
        this.allowedOrigins = Set.copyOf(config.allowedOrigins());
    }

    /** Whether an admin token is configured. */
    public boolean tokenRequired() {
        return tokenDigest != null;
    }

    /** Checks an admin request; {@code null} means allowed. */
    public @Nullable Denial checkAdmin(HttpRequest request, @Nullable SocketAddress remote) {
        return checkAdmin(request, remote, bearerToken(request));
    }

    /**
     * Checks the upgrade of an admin WebSocket endpoint (the dashboard feed) by the admin rules. A browser's
     * WebSocket API cannot set an {@code Authorization} header, so for these upgrades only the token is also taken
     * from a {@code token} query parameter or from a {@code Sec-WebSocket-Protocol} entry {@code bearer.<token>}.
     * The token is never logged. {@code null} means allowed.
     */
    public @Nullable Denial checkAdminUpgrade(HttpRequest request, @Nullable SocketAddress remote) {
        String token = bearerToken(request);
        if (token == null) {
            List<String> query = new QueryStringDecoder(request.uri()).parameters().get("token");
            if (query != null && !query.isEmpty()) {
                token = query.get(0);
            }
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
            return new Denial(HttpResponseStatus.FORBIDDEN, "Origin " + printable(origin)
                    + " may not use the admin API; add it to --allowed-origins (GATEWAY_ALLOWED_ORIGINS)");
        }
        if (tokenDigest != null) {
            if (token == null || !MessageDigest.isEqual(tokenDigest, sha256(token))) {
                return new Denial(HttpResponseStatus.UNAUTHORIZED,
                        "Missing or invalid admin token: send Authorization: Bearer <token>");
            }
            return null;
        }
        if (!(remote instanceof InetSocketAddress a) || a.getAddress() == null || !a.getAddress().isLoopbackAddress()) {
            return new Denial(HttpResponseStatus.FORBIDDEN, "Admin access is limited to loopback peers while no "
                    + "admin token is configured; set --admin-token (GATEWAY_ADMIN_TOKEN) to allow remote operators");
        }
        return null;
    }

    private static @Nullable String bearerToken(HttpRequest request) {
        String auth = request.headers().get(HttpHeaderNames.AUTHORIZATION);
        if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        return auth.substring(7).trim();
    }

    /** Checks the {@code Origin} of a WebSocket upgrade; {@code null} means allowed. */
    public @Nullable Denial checkUpgrade(HttpRequest request) {
        String origin = request.headers().get(HttpHeaderNames.ORIGIN);
        if (origin == null || anyOrigin || allowedOrigins.isEmpty() || isOwnOrigin(origin, request)
                || allowedOrigins.contains(norm(origin))) {
            return null;
        }
        return new Denial(HttpResponseStatus.FORBIDDEN, "Origin " + printable(origin)
                + " may not open WebSocket connections; add it to --allowed-origins (GATEWAY_ALLOWED_ORIGINS)");
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

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
