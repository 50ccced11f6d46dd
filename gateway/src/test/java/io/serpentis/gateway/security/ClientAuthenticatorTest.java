package io.serpentis.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jwt.JWTClaimsSet;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.serpentis.gateway.config.ClientAuthConfig;
import io.serpentis.gateway.testing.TestJwts;
import java.time.Duration;
import java.util.Date;
import org.junit.jupiter.api.Test;

class ClientAuthenticatorTest {
    private static final String SHARED = "shared-client-token-0123456789";
    private static final String SECRET = TestJwts.SECRET;

    private static HttpRequest upgrade(String uri, String... headers) {
        HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
        for (int i = 0; i < headers.length; i += 2) {
            r.headers().add(headers[i], headers[i + 1]);
        }
        return r;
    }

    private static HttpRequest bearer(String token) {
        return upgrade("/ws", "Authorization", "Bearer " + token);
    }

    private static ClientAuthenticator jwt() {
        return new ClientAuthenticator(ClientAuthConfig.jwt(SECRET, Duration.ofSeconds(30)));
    }

    @Test
    void offByDefaultAndEveryoneIsAnonymous() {
        ClientAuthenticator a = new ClientAuthenticator(ClientAuthConfig.defaults());
        assertThat(a.required()).isFalse();
        assertThat(a.authenticate(upgrade("/ws")).principal()).isEqualTo(ClientPrincipal.ANONYMOUS);
    }

    @Test
    void sharedSecretFromTheHeaderOrTheQuery() {
        ClientAuthenticator a = new ClientAuthenticator(ClientAuthConfig.sharedSecret(SHARED));
        assertThat(a.authenticate(bearer(SHARED)).principal()).isEqualTo(ClientPrincipal.SHARED);
        assertThat(a.authenticate(upgrade("/ws", "Authorization", "bearer " + SHARED))
                        .principal())
                .isNotNull();
        assertThat(a.authenticate(upgrade("/ws?token=" + SHARED)).principal()).isNotNull();
        assertThat(a.authenticate(upgrade("/ws")).failure()).startsWith("Missing client token");
        assertThat(a.authenticate(upgrade("/ws?token=")).failure()).startsWith("Missing client token");
        assertThat(a.authenticate(bearer("wrong-token-wrong-token")).failure()).isEqualTo("Invalid client token");
        assertThat(a.authenticate(upgrade("/ws", "Authorization", "Basic " + SHARED))
                        .failure())
                .as("not a bearer token")
                .startsWith("Missing client token");
        assertThat(a.authenticate(upgrade("/ws?token=%zz")).failure()).startsWith("Missing client token");
    }

    @Test
    void aValidJwtAuthorizesItsSubjectUntilItExpires() {
        String token = TestJwts.hs256(SECRET, "worker-7", 60_000);
        ClientAuthenticator.Result r = jwt().authenticate(bearer(token));
        assertThat(r.failure()).isNull();
        assertThat(r.principal().subject()).isEqualTo("worker-7");
        assertThat(r.principal().expiresAtMillis())
                .isBetween(System.currentTimeMillis() + 60_000, System.currentTimeMillis() + 91_000); // exp + 30 s skew
        assertThat(jwt().authenticate(upgrade("/ws?token=" + token)).principal().subject())
                .isEqualTo("worker-7");
    }

    @Test
    void refusesExpiredJwtsBeyondTheClockSkew() {
        assertThat(jwt().authenticate(bearer(TestJwts.hs256(SECRET, "w", -3_600_000)))
                        .failure())
                .isEqualTo("Client token expired");
        assertThat(jwt().authenticate(bearer(TestJwts.hs256(SECRET, "w", -10_000)))
                        .failure())
                .as("10 s late is within 30 s of skew")
                .isNull();
        ClientAuthenticator strict = new ClientAuthenticator(ClientAuthConfig.jwt(SECRET, Duration.ZERO));
        assertThat(strict.authenticate(bearer(TestJwts.hs256(SECRET, "w", -10_000)))
                        .failure())
                .isEqualTo("Client token expired");
    }

    @Test
    void evaluatesExpiryOnItsOwnClock() {
        long[] now = {1_000_000_000_000L};
        ClientAuthenticator a =
                new ClientAuthenticator(ClientAuthConfig.jwt(SECRET, Duration.ofSeconds(5)), () -> now[0]);
        String token = TestJwts.sign(
                JWSAlgorithm.HS256,
                SECRET,
                new JWTClaimsSet.Builder()
                        .subject("w")
                        .expirationTime(new Date(now[0] + 10_000))
                        .notBeforeTime(new Date(now[0] + 1_000))
                        .build());
        assertThat(a.authenticate(bearer(token)).failure())
                .as("nbf within skew")
                .isNull();
        now[0] += 15_000;
        assertThat(a.authenticate(bearer(token)).failure())
                .as("exp + skew is the last valid moment")
                .isNull();
        now[0] += 1;
        assertThat(a.authenticate(bearer(token)).failure()).isEqualTo("Client token expired");
        now[0] = 1_000_000_000_000L - 10_000;
        assertThat(a.authenticate(bearer(token)).failure()).isEqualTo("Client token not valid yet");
    }

    @Test
    void refusesJwtsWithoutExpOrSub() {
        String noExp = TestJwts.sign(
                JWSAlgorithm.HS256,
                SECRET,
                new JWTClaimsSet.Builder().subject("w").build());
        assertThat(jwt().authenticate(bearer(noExp)).failure()).contains("no exp claim");
        assertThat(jwt().authenticate(bearer(TestJwts.hs256(SECRET, null, 60_000)))
                        .failure())
                .contains("no sub claim");
        assertThat(jwt().authenticate(bearer(TestJwts.hs256(SECRET, "", 60_000)))
                        .failure())
                .contains("no sub claim");
    }

    @Test
    void refusesForgedAndHostileJwts() {
        // signed with another secret
        assertThat(jwt().authenticate(bearer(TestJwts.hs256("another-secret-another-secret-0123", "w", 60_000)))
                        .failure())
                .isEqualTo("Invalid client token");
        // alg none: no signature at all
        assertThat(jwt().authenticate(bearer(TestJwts.unsecured("w"))).failure())
                .isEqualTo("Invalid client token");
        // HS512 with the right secret: only HS256 is accepted
        String hs512 = TestJwts.sign(
                JWSAlgorithm.HS512,
                SECRET + SECRET,
                new JWTClaimsSet.Builder()
                        .subject("w")
                        .expirationTime(new Date(System.currentTimeMillis() + 60_000))
                        .build());
        assertThat(new ClientAuthenticator(ClientAuthConfig.jwt(SECRET + SECRET, Duration.ZERO))
                        .authenticate(bearer(hs512))
                        .failure())
                .isEqualTo("Invalid client token");
        // algorithm confusion: a header claiming RS256 over an HMAC signature
        assertThat(jwt().authenticate(bearer(TestJwts.withForgedAlg("RS256", SECRET, "w")))
                        .failure())
                .isEqualTo("Invalid client token");
        // the right header, a tampered payload
        String good = TestJwts.hs256(SECRET, "w", 60_000);
        String[] parts = good.split("\\.");
        String tampered =
                parts[0] + "." + TestJwts.hs256(SECRET, "admin", 60_000).split("\\.")[1] + "." + parts[2];
        assertThat(jwt().authenticate(bearer(tampered)).failure()).isEqualTo("Invalid client token");
        for (String junk : new String[] {"x", "a.b.c", "....", "%%%", "e30.e30.", "x".repeat(5000)}) {
            assertThat(jwt().authenticate(bearer(junk)).failure())
                    .as(junk.length() > 20 ? "long" : junk)
                    .isEqualTo("Invalid client token");
        }
    }

    @Test
    void configurationIsValidatedAndSecretsAreRedacted() {
        assertThatThrownBy(() -> new ClientAuthConfig(ClientAuthConfig.Mode.NONE, SHARED, null, Duration.ZERO))
                .hasMessageContaining("client-token is set but client-auth is none");
        assertThatThrownBy(() -> new ClientAuthConfig(ClientAuthConfig.Mode.JWT, null, "too-short", Duration.ZERO))
                .hasMessageContaining("at least 32 bytes");
        assertThatThrownBy(() -> ClientAuthConfig.sharedSecret("short")).hasMessageContaining("16 characters");
        assertThatThrownBy(() -> ClientAuthConfig.jwt(SECRET, Duration.ofMinutes(6)))
                .hasMessageContaining("jwt-clock-skew");
        assertThat(ClientAuthConfig.sharedSecret(SHARED).toString())
                .doesNotContain(SHARED)
                .contains("<redacted>");
        assertThat(ClientAuthConfig.jwt(SECRET, Duration.ZERO).toString()).doesNotContain(SECRET);
        assertThat(ClientAuthConfig.Mode.parse("Shared-Secret")).isEqualTo(ClientAuthConfig.Mode.SHARED_SECRET);
        assertThatThrownBy(() -> ClientAuthConfig.Mode.parse("oauth"))
                .hasMessageContaining("none, shared-secret or jwt");
    }
}
