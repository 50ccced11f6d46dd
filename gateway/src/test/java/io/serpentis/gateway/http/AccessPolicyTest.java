package io.serpentis.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.serpentis.gateway.config.SecurityConfig;
import io.serpentis.gateway.metrics.GatewayMetrics;
import io.serpentis.gateway.security.ClientAuthenticator;
import io.serpentis.gateway.security.ClientPrincipal;
import io.serpentis.gateway.security.ConnectionLimiter;
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

    private static HttpRequest to(String host) {
        HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/statuses");
        r.headers().set("Host", host);
        return r;
    }

    @Test
    void anonymousClientsShareOneGrantAndEachUpgradeHoldsASlotUntilItsChannelCloses() {
        SecurityConfig config = SecurityConfig.defaults();
        ConnectionLimiter limiter = new ConnectionLimiter(config.connections());
        AccessPolicy p = new AccessPolicy(config, new ClientAuthenticator(config.clientAuth()), limiter, null);
        EmbeddedChannel first = new EmbeddedChannel();
        EmbeddedChannel second = new EmbeddedChannel();
        HttpRequest upgrade = to("127.0.0.1:8000");

        AccessPolicy.ClientUpgrade a = p.admitClient(upgrade, first);
        AccessPolicy.ClientUpgrade b = p.admitClient(upgrade, second);

        assertThat(a.admission()).isNotNull().isSameAs(b.admission());
        assertThat(a.admission().principal()).isEqualTo(ClientPrincipal.ANONYMOUS);
        assertThat(limiter.webSocketConnections()).isEqualTo(2);
        first.close();
        second.close();
        assertThat(limiter.webSocketConnections()).isZero();
        assertFalse(first.finish());
        assertFalse(second.finish());
    }

    /** DNS rebinding: a page on a hostile name that resolves to 127.0.0.1 sends that name as its Host. */
    @Test
    void servesIpLiteralsAndLocalhostNamesOnlyByDefaultAndRefusesOtherHostsWith421() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        AccessPolicy p = new AccessPolicy(SecurityConfig.defaults(), new GatewayMetrics(meters));
        for (String served : List.of(
                "127.0.0.1",
                "127.0.0.1:8000",
                "192.0.2.7:80",
                "[::1]",
                "[::1]:8000",
                "[2001:db8::7]:8000",
                "localhost",
                "LocalHost:8000",
                "localhost.:8000",
                "app.localhost:8000",
                "127.0.0.1.",
                "")) {
            assertThat(p.checkHost(to(served))).as("'" + served + "'").isNull();
        }
        HttpRequest http10 = new DefaultHttpRequest(HttpVersion.HTTP_1_0, HttpMethod.GET, "/statuses");
        assertThat(p.checkHost(http10))
                .as("an HTTP/1.0 request without Host names no host")
                .isNull();
        List<String> refused = List.of(
                "rebind.example:8000",
                "rebind.example",
                "localhost.rebind.example",
                "evil-localhost",
                "127.0.0.1.rebind.example",
                "gateway",
                "[::1",
                "[::1]x",
                "[not-an-ip]",
                "localhost:80x",
                "::1",
                ":8000");
        for (String host : refused) {
            AccessPolicy.Denial d = p.checkHost(to(host));
            assertThat(d).as(host).isNotNull();
            assertThat(d.status()).isEqualTo(HttpResponseStatus.MISDIRECTED_REQUEST);
            assertThat(d.detail())
                    .contains("is not served by this gateway")
                    .endsWith("add it to --allowed-hosts (GATEWAY_ALLOWED_HOSTS)");
        }
        assertThat(p.checkHost(to("Rebind.Example.:8000")).detail())
                .isEqualTo("Host 'rebind.example' is not served "
                        + "by this gateway; add it to --allowed-hosts (GATEWAY_ALLOWED_HOSTS)");
        assertThat(p.checkHost(to("gw\u00e9.example")).detail()).startsWith("Host 'gw?.example' ");
        assertThat(meters.get("gateway.security.refusals")
                        .tag("reason", "host")
                        .counter()
                        .count())
                .isEqualTo(refused.size() + 2);
    }

    @Test
    void configuredHostNamesAreServedWhateverTheirCasePortOrTrailingDot() {
        AccessPolicy p = new AccessPolicy(
                SecurityConfig.defaults().withAllowedHosts(List.of(" Gateway", "ops.example.com.", "")));
        for (String served : List.of(
                "gateway",
                "gateway:8000",
                "GATEWAY.",
                "ops.example.com",
                "ops.example.com.:443",
                "localhost",
                "127.0.0.1")) {
            assertThat(p.checkHost(to(served))).as(served).isNull();
        }
        for (String refused : List.of("rebind.example", "sub.ops.example.com", "example.com", "gateway.evil")) {
            assertThat(p.checkHost(to(refused))).as(refused).isNotNull();
        }
        assertThat(p.servedHosts()).isEqualTo("IP literals, localhost, *.localhost, gateway, ops.example.com");
        AccessPolicy any = new AccessPolicy(SecurityConfig.defaults().withAllowedHosts(List.of("*")));
        assertThat(any.checkHost(to("rebind.example:8000"))).isNull();
        assertThat(any.servedHosts()).contains("any host name");
    }

    @Test
    void allowedHostsMustBeHostNamesWithoutSchemeOrPort() {
        assertThat(SecurityConfig.defaults()
                        .withAllowedHosts(List.of("GW.Example.", "*", "gw.example"))
                        .allowedHosts())
                .containsExactly("gw.example", "*");
        for (String bad : List.of(
                "http://gw.example",
                "gw.example:8000",
                "*.example.com",
                "gw example",
                ".example",
                "gw..example",
                "-gw.example",
                "[::1]")) {
            assertThatThrownBy(() -> SecurityConfig.defaults().withAllowedHosts(List.of(bad)))
                    .as(bad)
                    .hasMessageContaining("allowed-hosts")
                    .hasMessageContaining(bad);
        }
    }

    @Test
    void aMainPortScrapeNeedsTheAdminTokenOnlyWhileOneIsConfigured() {
        AccessPolicy open = new AccessPolicy(SecurityConfig.defaults());
        assertThat(open.checkScrape(request(), REMOTE))
                .as("no token: public, not loopback-only")
                .isNull();
        AccessPolicy closed = new AccessPolicy(SecurityConfig.defaults().withAdminToken(TOKEN));
        assertThat(closed.checkScrape(request(), LOOPBACK).status()).isEqualTo(HttpResponseStatus.UNAUTHORIZED);
        assertThat(closed.checkScrape(request("Authorization", "Bearer wrong"), REMOTE)
                        .status())
                .isEqualTo(HttpResponseStatus.UNAUTHORIZED);
        assertThat(closed.checkScrape(request("Authorization", "Bearer " + TOKEN), REMOTE))
                .isNull();
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
        assertThat(p.checkAdmin(request("Authorization", "Bearer " + TOKEN), REMOTE))
                .isNull();
        assertThat(p.checkAdmin(request("Authorization", "bearer " + TOKEN), REMOTE))
                .isNull();
        assertThat(p.checkAdmin(request(), LOOPBACK).status()).isEqualTo(HttpResponseStatus.UNAUTHORIZED);
        assertThat(p.checkAdmin(request("Authorization", "Bearer wrong"), REMOTE)
                        .status())
                .isEqualTo(HttpResponseStatus.UNAUTHORIZED);
        assertThat(p.checkAdmin(request("Authorization", "Basic " + TOKEN), REMOTE)
                        .status())
                .isEqualTo(HttpResponseStatus.UNAUTHORIZED);
    }

    /**
     * A malformed query on the feed's upgrade is a missing token, not an exception that leaves the request
     * unanswered.
     */
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
        assertThat(p.checkAdmin(request("Origin", "https://evil.example"), LOOPBACK)
                        .status())
                .isEqualTo(HttpResponseStatus.FORBIDDEN);
        assertThat(p.checkAdmin(request("Origin", "http://gw.example:8000"), LOOPBACK))
                .isNull();
        AccessPolicy allowing =
                new AccessPolicy(SecurityConfig.defaults().withAllowedOrigins(List.of("https://ops.example/")));
        assertThat(allowing.checkAdmin(request("Origin", "https://OPS.example"), LOOPBACK))
                .isNull();
    }

    @Test
    void upgradesAreCheckedOnlyAgainstAConfiguredAllowlist() {
        AccessPolicy open = new AccessPolicy(SecurityConfig.defaults());
        assertThat(open.checkUpgrade(request("Origin", "https://evil.example"))).isNull();
        AccessPolicy closed =
                new AccessPolicy(SecurityConfig.defaults().withAllowedOrigins(List.of("https://ops.example")));
        assertThat(closed.checkUpgrade(request("Origin", "https://evil.example"))
                        .status())
                .isEqualTo(HttpResponseStatus.FORBIDDEN);
        assertThat(closed.checkUpgrade(request("Origin", "https://ops.example")))
                .isNull();
        assertThat(closed.checkUpgrade(request("Origin", "http://gw.example:8000")))
                .isNull();
        assertThat(closed.checkUpgrade(request()))
                .as("non-browser clients send no Origin")
                .isNull();
    }

    @Test
    void tokensTooShortAndMalformedOriginsAreRefusedAtStartUp() {
        assertThatThrownBy(() -> SecurityConfig.defaults().withAdminToken("short"))
                .hasMessageContaining("admin-token");
        assertThatThrownBy(() -> SecurityConfig.defaults().withAllowedOrigins(List.of("evil.example")))
                .hasMessageContaining("allowed-origins");
        assertThat(SecurityConfig.defaults().withAdminToken(TOKEN).toString()).doesNotContain(TOKEN);
    }
}
