package io.serpentis.gateway.security;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.netty.handler.codec.http.HttpRequest;
import io.serpentis.gateway.config.ClientAuthConfig;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.text.ParseException;
import java.util.Date;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Authenticates WebSocket clients at the upgrade, by {@link ClientAuthConfig}: no credentials, one shared token
 * (compared as SHA-256 digests in constant time), or an HS256-signed JWT verified with Nimbus JOSE+JWT. The token
 * comes from {@code Authorization: Bearer <token>} or, for clients that cannot set headers, the {@code token}
 * query parameter (which is why request URIs are never logged with their query). A JWT must be signed with HS256
 * (any other {@code alg}, {@code none} included, is refused), carry {@code exp} and a non-empty {@code sub}, and
 * be valid now within the configured clock skew ({@code exp}, and {@code nbf} when present).
 *
 * <p>Immutable and thread-safe.
 */
public final class ClientAuthenticator {

    /**
     * The outcome: exactly one of {@code principal} and {@code failure} is set.
     *
     * @param principal who the client is
     * @param failure why it was refused, for the 401 answer's {@code detail} (never contains the token)
     */
    public record Result(
            @Nullable ClientPrincipal principal, @Nullable String failure) {
        static Result ok(ClientPrincipal p) {
            return new Result(p, null);
        }

        static Result fail(String why) {
            return new Result(null, why);
        }
    }

    private static final int MAX_TOKEN_CHARS = 4096;

    private final ClientAuthConfig.Mode mode;
    private final byte @Nullable [] sharedDigest;
    private final @Nullable MACVerifier verifier;
    private final long skewMillis;
    private final LongSupplier clockMillis;

    /** An authenticator on the wall clock. */
    public ClientAuthenticator(ClientAuthConfig config) {
        this(config, System::currentTimeMillis);
    }

    /** An authenticator on {@code clockMillis} (epoch milliseconds; tests pass their own). */
    public ClientAuthenticator(ClientAuthConfig config, LongSupplier clockMillis) {
        this.mode = config.mode();
        this.sharedDigest = config.clientToken() == null ? null : Tokens.sha256(config.clientToken());
        this.skewMillis = config.jwtClockSkew().toMillis();
        this.clockMillis = clockMillis;
        MACVerifier v = null;
        if (config.jwtSecret() != null) {
            try {
                v = new MACVerifier(config.jwtSecret().getBytes(StandardCharsets.UTF_8));
            } catch (JOSEException e) {
                throw new IllegalArgumentException("jwt-secret cannot be used as an HS256 key: " + e.getMessage());
            }
        }
        this.verifier = v;
    }

    /** Whether clients must present a token. */
    public boolean required() {
        return mode != ClientAuthConfig.Mode.NONE;
    }

    /** The {@code WWW-Authenticate} challenge of a refusal (RFC 6750 section 3). */
    public static String challenge() {
        return "Bearer realm=\"serpentis-clients\", error=\"invalid_token\"";
    }

    /** Authenticates the upgrade {@code request}. */
    public Result authenticate(HttpRequest request) {
        if (mode == ClientAuthConfig.Mode.NONE) {
            return Result.ok(ClientPrincipal.ANONYMOUS);
        }
        String token = token(request);
        if (token == null) {
            return Result.fail("Missing client token: send Authorization: Bearer <token> (or ?token=<token>) with "
                    + "the WebSocket upgrade");
        }
        if (token.length() > MAX_TOKEN_CHARS) {
            return Result.fail("Invalid client token");
        }
        return mode == ClientAuthConfig.Mode.SHARED_SECRET ? sharedSecret(token) : jwt(token);
    }

    private Result sharedSecret(String token) {
        if (sharedDigest != null && MessageDigest.isEqual(sharedDigest, Tokens.sha256(token))) {
            return Result.ok(ClientPrincipal.SHARED);
        }
        return Result.fail("Invalid client token");
    }

    private Result jwt(String token) {
        MACVerifier v = verifier;
        if (v == null) {
            throw new AssertionError("jwt mode without a verifier");
        }
        SignedJWT jwt;
        JWTClaimsSet claims;
        try {
            jwt = SignedJWT.parse(token); // an unsecured ("alg": "none") JWT does not parse as a signed one
            // Only HS256: no algorithm confusion (a public key used as an HMAC secret), no downgrade.
            if (!JWSAlgorithm.HS256.equals(jwt.getHeader().getAlgorithm()) || !jwt.verify(v)) {
                return Result.fail("Invalid client token");
            }
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException | JOSEException | IllegalStateException e) {
            return Result.fail("Invalid client token");
        }
        long now = clockMillis.getAsLong();
        Date exp = claims.getExpirationTime();
        if (exp == null) {
            return Result.fail("Invalid client token: the JWT has no exp claim");
        }
        if (now > exp.getTime() + skewMillis) {
            return Result.fail("Client token expired");
        }
        Date nbf = claims.getNotBeforeTime();
        if (nbf != null && now < nbf.getTime() - skewMillis) {
            return Result.fail("Client token not valid yet");
        }
        String sub = claims.getSubject();
        if (sub == null || sub.isEmpty()) {
            return Result.fail("Invalid client token: the JWT has no sub claim (the client_id it authorizes)");
        }
        return Result.ok(new ClientPrincipal(sub, exp.getTime() + skewMillis));
    }

    /** The bearer token of the {@code Authorization} header, else the {@code token} query parameter. */
    static @Nullable String token(HttpRequest request) {
        String bearer = Tokens.bearer(request);
        if (bearer != null) {
            return bearer.isEmpty() ? null : bearer;
        }
        String query = Tokens.queryParameter(request);
        return query == null || query.isEmpty() ? null : query;
    }
}
