package io.serpentis.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.serpentis.gateway.config.SecurityConfig;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class AccessPolicyTest {
    private static final InetSocketAddress LOOPBACK = new InetSocketAddress("127.0.0.1", 50000);
    private static final InetSocketAddress REMOTE = new InetSocketAddress("192.0.2.7", 50000);
    private static final String TOKEN = "s3cret-token-0123456789";

    private static HttpRequest request(String... headers) {
        HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/clients/x/pause");
        r.headers().set("Host", "gw.example:8000");
        for (int i = 0; i < headers.length; i += 2) {
            r.headers().set(headers[i], headers[i + 1]);
        }
        return r;
    }

    @Test
    void withoutATokenAdminIsLoopbackOnly() {
        AccessPolicy p = new AccessPolicy(SecurityConfig.defaults());
        assertThat(p.checkAdmin(request(), LOOPBACK)).isNull();
        AccessPolicy.Denial d = p.checkAdmin(request(), REMOTE);
        assertThat(d.status()).isEqualTo(HttpResponseStatus.FORBIDDEN);
        assertThat(d.detail()).contains("--admin-token");
    }

    @Test
    void withATokenAnyPeerWithTheTokenIsAdmitted() {
        AccessPolicy p = new AccessPolicy(SecurityConfig.defaults().withAdminToken(TOKEN));
        assertThat(p.checkAdmin(request("Authorization", "Bearer " + TOKEN), REMOTE)).isNull();
        assertThat(p.checkAdmin(request("Authorization", "bearer " + TOKEN), REMOTE)).isNull();
        assertThat(p.checkAdmin(request(), LOOPBACK).status()).isEqualTo(HttpResponseStatus.UNAUTHORIZED);
        assertThat(p.checkAdmin(request("Authorization", "Bearer wrong"), REMOTE).status())
                .isEqualTo(HttpResponseStatus.UNAUTHORIZED);
        assertThat(p.checkAdmin(request("Authorization", "Basic " + TOKEN), REMOTE).status())
                .isEqualTo(HttpResponseStatus.UNAUTHORIZED);
    }

    /** A malformed query on the feed's upgrade is a missing token, not an exception that leaves the request unanswered. */
    @Test
    void aMalformedTokenQueryOnAnAdminUpgradeIsRefusedNotThrown() {
        AccessPolicy p = new AccessPolicy(SecurityConfig.defaults().withAdminToken(TOKEN));
        HttpRequest upgrade = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/ws/dashboard?token=%zz");
        assertThat(p.checkAdminUpgrade(upgrade, LOOPBACK).status()).isEqualTo(HttpResponseStatus.UNAUTHORIZED);
        HttpRequest good = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/ws/dashboard?token=" + TOKEN);
        assertThat(p.checkAdminUpgrade(good, REMOTE)).isNull();
    }

    @Test
    void adminRequestsFromForeignPagesAreRefused() {
        AccessPolicy p = new AccessPolicy(SecurityConfig.defaults());
        // A form on another site POSTing to the operator's loopback gateway (cross-site request forgery).
        assertThat(p.checkAdmin(request("Origin", "https://evil.example"), LOOPBACK).status())
                .isEqualTo(HttpResponseStatus.FORBIDDEN);
        assertThat(p.checkAdmin(request("Origin", "http://gw.example:8000"), LOOPBACK)).isNull();
        AccessPolicy allowing = new AccessPolicy(
                SecurityConfig.defaults().withAllowedOrigins(List.of("https://ops.example/")));
        assertThat(allowing.checkAdmin(request("Origin", "https://OPS.example"), LOOPBACK)).isNull();
    }

    @Test
    void upgradesAreCheckedOnlyAgainstAConfiguredAllowlist() {
        AccessPolicy open = new AccessPolicy(SecurityConfig.defaults());
        assertThat(open.checkUpgrade(request("Origin", "https://evil.example"))).isNull();
        AccessPolicy closed = new AccessPolicy(
                SecurityConfig.defaults().withAllowedOrigins(List.of("https://ops.example")));
        assertThat(closed.checkUpgrade(request("Origin", "https://evil.example")).status())
                .isEqualTo(HttpResponseStatus.FORBIDDEN);
        assertThat(closed.checkUpgrade(request("Origin", "https://ops.example"))).isNull();
        assertThat(closed.checkUpgrade(request("Origin", "http://gw.example:8000"))).isNull();
        assertThat(closed.checkUpgrade(request())).as("non-browser clients send no Origin").isNull();
    }

    @Test
    void tokensTooShortAndMalformedOriginsAreRefusedAtStartUp() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SecurityConfig.defaults().withAdminToken("short"))
                .hasMessageContaining("admin-token");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> SecurityConfig.defaults().withAllowedOrigins(List.of("evil.example")))
                .hasMessageContaining("allowed-origins");
        assertThat(SecurityConfig.defaults().withAdminToken(TOKEN).toString()).doesNotContain(TOKEN);
    }
}
