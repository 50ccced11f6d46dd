package io.serpentis.gateway.config;

import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Who may use the gateway and how much: the host names it answers to, the operator side (admin token), browser
 * pages (origins), WebSocket clients (client authentication) and the connection and message limits. Read by
 * {@code AccessPolicy}, the one place these rules are applied.
 *
 * @param adminToken when set, the admin routes ({@code /statuses}, {@code POST /clients/...}) require
 *     {@code Authorization: Bearer <token>}; when {@code null} (default) they answer loopback peers only
 *     ({@code --admin-token}, {@code GATEWAY_ADMIN_TOKEN}); never printed
 * @param allowedOrigins browser origins (e.g. {@code https://ops.example.com}) allowed to open WebSockets and send
 *     admin requests; empty (default) means: WebSocket upgrades from any origin (as the original), admin requests
 *     only from the gateway's own origin; {@code *} allows every origin ({@code --allowed-origins},
 *     {@code GATEWAY_ALLOWED_ORIGINS}, comma-separated)
 * @param allowedHosts host names served in addition to the built-in ones (every IP literal, {@code localhost} and
 *     names ending in {@code .localhost}), which are always served; a request whose {@code Host} names any other
 *     host is refused with 421 on every route and listener (DNS rebinding). Stored in lower case without a
 *     trailing dot; compared without the port. Empty by default; {@code *} serves every name, which gives up that
 *     defence ({@code --allowed-hosts}, {@code GATEWAY_ALLOWED_HOSTS}, comma-separated)
 * @param clientAuth how WebSocket clients authenticate; off by default
 * @param connections connection caps, per-address and per-connection rate limits, the slow-consumer timeout
 */
public record SecurityConfig(
        @Nullable String adminToken,
        List<String> allowedOrigins,
        List<String> allowedHosts,
        ClientAuthConfig clientAuth,
        ConnectionLimitsConfig connections) {

    /** A host name as {@code --allowed-hosts} takes it: DNS labels (underscores tolerated), no scheme, no port. */
    private static final Pattern HOST_NAME =
            Pattern.compile("[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?" + "(\\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*");

    public SecurityConfig {
        Checks.notNull(allowedOrigins, "allowed-origins");
        Checks.notNull(allowedHosts, "allowed-hosts");
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
        allowedHosts = allowedHosts.stream()
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .map(s -> s.equals("*") ? s : normalizeHost(s))
                .distinct()
                .toList();
    }

    /**
     * No token (loopback-only admin), no origin allowlist, only the built-in host names, no client authentication,
     * the default limits.
     */
    public static SecurityConfig defaults() {
        return builder().build();
    }

    /** A builder that starts from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder that starts from this configuration. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** A copy with {@code adminToken} changed. */
    public SecurityConfig withAdminToken(@Nullable String token) {
        return toBuilder().adminToken(token).build();
    }

    /** A copy with {@code allowedOrigins} changed. */
    public SecurityConfig withAllowedOrigins(List<String> origins) {
        return toBuilder().allowedOrigins(origins).build();
    }

    /** A copy with {@code allowedHosts} changed. */
    public SecurityConfig withAllowedHosts(List<String> hosts) {
        return toBuilder().allowedHosts(hosts).build();
    }

    /** A copy with {@code clientAuth} changed. */
    public SecurityConfig withClientAuth(ClientAuthConfig auth) {
        return toBuilder().clientAuth(auth).build();
    }

    /** A copy with the connection limits changed by {@code change}. */
    public SecurityConfig withConnections(UnaryOperator<ConnectionLimitsConfig> change) {
        return toBuilder().connections(change.apply(connections)).build();
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

    /** A host name in lower case without one trailing dot, as {@code Host} names are compared. */
    public static String normalizeHost(String host) {
        String h = host.trim().toLowerCase(Locale.ROOT);
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        if (!HOST_NAME.matcher(h).matches()) {
            throw new IllegalArgumentException("allowed-hosts entries must be host names such as gateway.example.com "
                    + "(no scheme, no port) or *, was " + host);
        }
        return h;
    }

    @Override
    public String toString() {
        return "SecurityConfig[adminToken=" + (adminToken == null ? "none (loopback only)" : "<redacted>")
                + ", allowedOrigins=" + allowedOrigins + ", allowedHosts=" + allowedHosts + ", clientAuth=" + clientAuth
                + ", connections=" + connections + "]";
    }

    /** Builds a {@link SecurityConfig}; {@link #build()} validates. Its initial values are the defaults. */
    public static final class Builder {
        private @Nullable String adminToken;
        private List<String> allowedOrigins = List.of();
        private List<String> allowedHosts = List.of();
        private ClientAuthConfig clientAuth = ClientAuthConfig.defaults();
        private ConnectionLimitsConfig connections = ConnectionLimitsConfig.defaults();

        private Builder() {}

        private Builder(SecurityConfig c) {
            adminToken = c.adminToken;
            allowedOrigins = c.allowedOrigins;
            allowedHosts = c.allowedHosts;
            clientAuth = c.clientAuth;
            connections = c.connections;
        }

        /** See {@link SecurityConfig#adminToken()}; {@code null} or blank for none. */
        public Builder adminToken(@Nullable String token) {
            this.adminToken = token;
            return this;
        }

        /** See {@link SecurityConfig#allowedOrigins()}. */
        public Builder allowedOrigins(List<String> origins) {
            this.allowedOrigins = origins;
            return this;
        }

        /** See {@link SecurityConfig#allowedHosts()}. */
        public Builder allowedHosts(List<String> hosts) {
            this.allowedHosts = hosts;
            return this;
        }

        /** See {@link SecurityConfig#clientAuth()}. */
        public Builder clientAuth(ClientAuthConfig auth) {
            this.clientAuth = auth;
            return this;
        }

        /** See {@link SecurityConfig#connections()}. */
        public Builder connections(ConnectionLimitsConfig limits) {
            this.connections = limits;
            return this;
        }

        /** The validated configuration; throws {@link IllegalArgumentException} naming a bad setting. */
        public SecurityConfig build() {
            return new SecurityConfig(adminToken, allowedOrigins, allowedHosts, clientAuth, connections);
        }
    }
}
