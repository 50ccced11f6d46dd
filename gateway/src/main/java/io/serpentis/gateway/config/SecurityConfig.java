package io.serpentis.gateway.config;

import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * Who may use the gateway and how much: the operator side (admin token), browser pages (origins), WebSocket
 * clients (client authentication) and the connection and message limits. Read by {@code AccessPolicy}, the one
 * place these rules are applied.
 *
 * @param adminToken when set, the admin routes ({@code /statuses}, {@code POST /clients/...}) require
 *     {@code Authorization: Bearer <token>}; when {@code null} (default) they answer loopback peers only
 *     ({@code --admin-token}, {@code GATEWAY_ADMIN_TOKEN}); never printed
 * @param allowedOrigins browser origins (e.g. {@code https://ops.example.com}) allowed to open WebSockets and send
 *     admin requests; empty (default) means: WebSocket upgrades from any origin (as the original), admin requests
 *     only from the gateway's own origin; {@code *} allows every origin ({@code --allowed-origins},
 *     {@code GATEWAY_ALLOWED_ORIGINS}, comma-separated)
 * @param clientAuth how WebSocket clients authenticate; off by default
 * @param connections connection caps, per-address and per-connection rate limits, the slow-consumer timeout
 */
public record SecurityConfig(@Nullable String adminToken, List<String> allowedOrigins, ClientAuthConfig clientAuth,
        ConnectionLimitsConfig connections) {

    public SecurityConfig {
        Checks.notNull(allowedOrigins, "allowed-origins");
        Checks.notNull(clientAuth, "client-auth");
        Checks.notNull(connections, "connections");
        if (adminToken != null && adminToken.isBlank()) {
            adminToken = null;
        }
        if (adminToken != null && adminToken.length() < 16) {
            throw new IllegalArgumentException("admin-token must be at least 16 characters long");
        }
        allowedOrigins = allowedOrigins.stream()
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .map(s -> s.equals("*") ? s : normalizeOrigin(s))
                .toList();
    }

    /** No token (loopback-only admin), no origin allowlist, no client authentication, the default limits. */
    public static SecurityConfig defaults() {
        return new SecurityConfig(null, List.of(), ClientAuthConfig.defaults(), ConnectionLimitsConfig.defaults());
    }

    public SecurityConfig withAdminToken(@Nullable String token) {
        return new SecurityConfig(token, allowedOrigins, clientAuth, connections);
    }

    public SecurityConfig withAllowedOrigins(List<String> origins) {
        return new SecurityConfig(adminToken, origins, clientAuth, connections);
    }

    public SecurityConfig withClientAuth(ClientAuthConfig auth) {
        return new SecurityConfig(adminToken, allowedOrigins, auth, connections);
    }

    public SecurityConfig withConnections(UnaryOperator<ConnectionLimitsConfig> change) {
        return new SecurityConfig(adminToken, allowedOrigins, clientAuth, change.apply(connections));
    }

    /** {@code scheme://host[:port]} in lower case without a trailing slash. */
    public static String normalizeOrigin(String origin) {
        String o = origin.trim().toLowerCase(Locale.ROOT);
        while (o.endsWith("/")) {
            o = o.substring(0, o.length() - 1);
        }
        if (!o.startsWith("http://") && !o.startsWith("https://")) {
            throw new IllegalArgumentException(
                    "allowed-origins entries must look like https://host[:port] or be *, was " + origin);
        }
        return o;
    }

    @Override
    public String toString() {
        return "SecurityConfig[adminToken=" + (adminToken == null ? "none (loopback only)" : "<redacted>")
                + ", allowedOrigins=" + allowedOrigins + ", clientAuth=" + clientAuth + ", connections=" + connections
                + "]";
    }
}
