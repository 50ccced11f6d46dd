package io.serpentis.gateway.config;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * How WebSocket clients prove who they are at the upgrade of {@code /ws}. Off by default, so clients written for
 * the original (which send no credentials) keep working. When on, the token is taken from the upgrade's
 * {@code Authorization: Bearer <token>} header or its {@code token} query parameter; a missing or bad token is
 * answered 401 before any WebSocket frame.
 *
 * @param mode {@link Mode#NONE} (default), {@link Mode#SHARED_SECRET} or {@link Mode#JWT}
 *     ({@code --client-auth}, {@code GATEWAY_CLIENT_AUTH})
 * @param clientToken the token every client presents in {@code shared-secret} mode, at least 16 characters
 *     ({@code --client-token}, {@code GATEWAY_CLIENT_TOKEN}); never printed
 * @param jwtSecret the HMAC key of HS256-signed JWTs in {@code jwt} mode, at least 32 bytes (256 bits, RFC 7518
 *     section 3.2) ({@code --jwt-secret}, {@code GATEWAY_JWT_SECRET}); never printed
 * @param jwtClockSkew tolerance when checking a JWT's {@code exp} and {@code nbf} against this host's clock;
 *     default 30 s, at most 5 min
 */
public record ClientAuthConfig(
        Mode mode, @Nullable String clientToken, @Nullable String jwtSecret, Duration jwtClockSkew) {

    /** Client authentication modes; the command line spells them {@code none}, {@code shared-secret}, {@code jwt}. */
    public enum Mode {
        /** No credentials asked for (the original's behaviour). */
        NONE,
        /** Every client presents the same token; any {@code client_id} may be registered with it. */
        SHARED_SECRET,
        /** Each client presents an HS256 JWT whose {@code sub} is the only {@code client_id} it may register. */
        JWT;

        /** The command-line spelling. */
        public String cliName() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        /** The command-line spelling, {@link #cliName()}, which {@code --help} shows as the default. */
        @Override
        public String toString() {
            return cliName();
        }

        /** Parses {@code none}, {@code shared-secret} or {@code jwt} (any case, {@code _} for {@code -}). */
        public static Mode parse(String value) {
            String v = value.trim().toUpperCase(Locale.ROOT).replace('-', '_');
            for (Mode m : values()) {
                if (m.name().equals(v)) {
                    return m;
                }
            }
            throw new IllegalArgumentException("client-auth must be none, shared-secret or jwt, was " + value);
        }
    }

    public ClientAuthConfig {
        Checks.notNull(mode, "client-auth");
        clientToken = blankToNull(clientToken);
        jwtSecret = blankToNull(jwtSecret);
        Checks.notNegative(jwtClockSkew, "jwt-clock-skew");
        if (jwtClockSkew.compareTo(Duration.ofMinutes(5)) > 0) {
            throw new IllegalArgumentException("jwt-clock-skew must be at most 5m, was " + jwtClockSkew);
        }
        // A secret given for another mode is a configuration mistake that would leave clients unauthenticated.
        if (mode != Mode.SHARED_SECRET && clientToken != null) {
            throw new IllegalArgumentException("client-token is set but client-auth is " + mode.cliName()
                    + "; set --client-auth shared-secret (GATEWAY_CLIENT_AUTH) to use it");
        }
        if (mode != Mode.JWT && jwtSecret != null) {
            throw new IllegalArgumentException("jwt-secret is set but client-auth is " + mode.cliName()
                    + "; set --client-auth jwt (GATEWAY_CLIENT_AUTH) to use it");
        }
        if (mode == Mode.SHARED_SECRET && (clientToken == null || clientToken.length() < 16)) {
            throw new IllegalArgumentException(
                    "client-auth shared-secret needs --client-token (GATEWAY_CLIENT_TOKEN) of at least 16 characters");
        }
        if (mode == Mode.JWT && (jwtSecret == null || jwtSecret.getBytes(StandardCharsets.UTF_8).length < 32)) {
            throw new IllegalArgumentException(
                    "client-auth jwt needs --jwt-secret (GATEWAY_JWT_SECRET) of at least 32 bytes (HS256 key size)");
        }
    }

    /** Client authentication off; 30 s clock skew for when it is turned on. */
    public static ClientAuthConfig defaults() {
        return new ClientAuthConfig(Mode.NONE, null, null, Duration.ofSeconds(30));
    }

    /** {@code shared-secret} mode with {@code token}. */
    public static ClientAuthConfig sharedSecret(String token) {
        return new ClientAuthConfig(Mode.SHARED_SECRET, token, null, Duration.ofSeconds(30));
    }

    /** {@code jwt} mode with {@code secret} and {@code clockSkew}. */
    public static ClientAuthConfig jwt(String secret, Duration clockSkew) {
        return new ClientAuthConfig(Mode.JWT, null, secret, clockSkew);
    }

    private static @Nullable String blankToNull(@Nullable String s) {
        return s == null || s.isBlank() ? null : s;
    }

    @Override
    public String toString() {
        return "ClientAuthConfig[mode=" + mode.cliName() + (clientToken != null ? ", clientToken=<redacted>" : "")
                + (jwtSecret != null ? ", jwtSecret=<redacted>" : "") + ", jwtClockSkew=" + jwtClockSkew + "]";
    }
}
