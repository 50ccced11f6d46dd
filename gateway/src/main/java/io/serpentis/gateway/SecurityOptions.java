package io.serpentis.gateway;

import static java.util.Objects.requireNonNullElse;

import io.serpentis.gateway.config.ClientAuthConfig;
import io.serpentis.gateway.config.ConnectionLimitsConfig;
import io.serpentis.gateway.config.GatewayConfig;
import io.serpentis.gateway.config.ParsingConverter;
import io.serpentis.gateway.config.SecurityConfig;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * {@link GatewayCommand}'s security options by subject, each a picocli mixin: admin access and the origins and hosts
 * served, client authentication, and connection and rate limits. Together they make the {@code SecurityConfig}.
 */
final class SecurityOptions {
    private SecurityOptions() {}

    /**
     * {@link GatewayCommand}'s access options: the admin token and the origins and host names served. With
     * {@link ClientAuth} and {@link ConnectionLimits} they make the security record.
     */
    static final class Access {
        private static final SecurityConfig DEFAULTS = GatewayConfig.defaults().security();

        @Option(
                names = "--admin-token",
                description = "Bearer token for the admin routes (/statuses, POST /clients/...) and for /metrics on "
                        + "the main port; at least 16 characters. Without one, admin routes answer loopback peers "
                        + "only. Prefer the environment variable: flags show in process lists.")
        @Nullable
        String adminToken = DEFAULTS.adminToken();

        @Option(
                names = "--allowed-origins",
                split = ",",
                description = "Comma-separated browser origins (https://host[:port]) allowed to open WebSockets and "
                        + "send admin requests; * for any. Without it: WebSockets from any origin, admin requests from "
                        + "the gateway's own origin only.")
        @Nullable
        List<String> allowedOrigins; // null, not the default's empty list, which --help would show as []

        @Option(
                names = "--allowed-hosts",
                split = ",",
                description = "Comma-separated host names (no port) served besides IP literals, localhost and "
                        + "*.localhost, which always are; a request naming another host in its Host header gets 421 "
                        + "(DNS rebinding). * serves any name (unsafe).")
        @Nullable
        List<String> allowedHosts; // null: the default, as for --allowed-origins

        /** A security builder with these options set; the caller adds client authentication and limits. */
        SecurityConfig.Builder security() {
            return SecurityConfig.builder()
                    .adminToken(adminToken)
                    .allowedOrigins(requireNonNullElse(allowedOrigins, DEFAULTS.allowedOrigins()))
                    .allowedHosts(requireNonNullElse(allowedHosts, DEFAULTS.allowedHosts()));
        }
    }

    /** {@link GatewayCommand}'s client authentication options: how a WebSocket client proves its id at the upgrade. */
    static final class ClientAuth {
        private static final ClientAuthConfig DEFAULTS =
                GatewayConfig.defaults().security().clientAuth();

        @Option(
                names = "--client-auth",
                converter = ModeConverter.class,
                description =
                        "How WebSocket clients authenticate at the upgrade: none, shared-secret (--client-token) or "
                                + "jwt (HS256, sub = client_id, exp required; --jwt-secret).")
        ClientAuthConfig.Mode clientAuth = DEFAULTS.mode();

        @Option(
                names = "--client-token",
                description =
                        "The shared client token (at least 16 characters) for --client-auth shared-secret. Prefer "
                                + "the environment variable. Never logged.")
        @Nullable
        String clientToken = DEFAULTS.clientToken();

        @Option(
                names = "--jwt-secret",
                description =
                        "The HS256 key (at least 32 bytes) for --client-auth jwt. Prefer the environment variable. "
                                + "Never logged.")
        @Nullable
        String jwtSecret = DEFAULTS.jwtSecret();

        @Option(names = "--jwt-clock-skew", description = "Clock skew tolerated when checking a JWT's exp and nbf.")
        Duration jwtClockSkew = DEFAULTS.jwtClockSkew();

        ClientAuthConfig config() {
            return new ClientAuthConfig(clientAuth, clientToken, jwtSecret, jwtClockSkew);
        }

        /** Reads {@code --client-auth} as {@code none}, {@code shared-secret} or {@code jwt}. */
        static final class ModeConverter extends ParsingConverter<ClientAuthConfig.Mode> {
            ModeConverter() {
                super(ClientAuthConfig.Mode::parse);
            }
        }
    }

    /** {@link GatewayCommand}'s connection and rate limits: per gateway, per address and per connection. */
    static final class ConnectionLimits {
        private static final ConnectionLimitsConfig DEFAULTS =
                GatewayConfig.defaults().security().connections();

        @Option(
                names = "--max-connections",
                description = "Most WebSocket connections at once; further upgrades get 503 (sockets beyond it plus a "
                        + "margin are closed at accept).")
        int maxConnections = DEFAULTS.maxConnections();

        @Option(
                names = "--max-connections-per-address",
                description = "Most sockets (HTTP and WebSocket, counted from accept) open at once from one address "
                        + "(IPv4, or IPv6 /64); 429 at accept beyond; 0 = no limit.")
        int maxConnectionsPerAddress = DEFAULTS.maxConnectionsPerAddress();

        @Option(
                names = "--connection-rate-per-address",
                description = "New sockets (HTTP and WebSocket) per second one address may open on average; 429 at "
                        + "accept beyond; 0 = no limit.")
        int connectionRatePerAddress = DEFAULTS.connectionRatePerAddress();

        @Option(
                names = "--connection-burst-per-address",
                description = "New connections one address may open at once before the rate applies.")
        int connectionBurstPerAddress = DEFAULTS.connectionBurstPerAddress();

        @Option(
                names = "--limit-loopback",
                arity = "0..1",
                fallbackValue = "true",
                description = "Apply the per-address limits to loopback peers too (off: a local proxy, the load "
                        + "generator and local tools are not one client).")
        boolean limitLoopback = DEFAULTS.limitLoopback();

        @Option(
                names = "--message-rate",
                description = "Messages per second one connection may send on average; over it: {\"error\": ...}, "
                        + "nothing stored; 0 = no limit.")
        int messageRate = DEFAULTS.messageRate();

        @Option(
                names = "--message-burst",
                description = "Messages one connection may send at once before the rate applies.")
        int messageBurst = DEFAULTS.messageBurst();

        @Option(
                names = "--rate-limit-close-after",
                description = "Close (1008) a connection whose messages keep being refused for this long; 0 = never "
                        + "close.")
        Duration rateLimitCloseAfter = DEFAULTS.rateLimitCloseAfter();

        @Option(
                names = "--slow-consumer-timeout",
                description = "Close (1008) a WebSocket connection that leaves its replies unread this long.")
        Duration slowConsumerTimeout = DEFAULTS.slowConsumerTimeout();

        ConnectionLimitsConfig config() {
            return ConnectionLimitsConfig.builder()
                    .maxConnections(maxConnections)
                    .maxConnectionsPerAddress(maxConnectionsPerAddress)
                    .connectionRatePerAddress(connectionRatePerAddress)
                    .connectionBurstPerAddress(connectionBurstPerAddress)
                    .limitLoopback(limitLoopback)
                    .messageRate(messageRate)
                    .messageBurst(messageBurst)
                    .rateLimitCloseAfter(rateLimitCloseAfter)
                    .slowConsumerTimeout(slowConsumerTimeout)
                    .build();
        }
    }
}
