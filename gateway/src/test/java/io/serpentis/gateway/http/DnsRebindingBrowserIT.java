package io.serpentis.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.serpentis.gateway.GatewayServer;
import io.serpentis.gateway.config.GatewayConfig;
import io.serpentis.gateway.testing.BrowserExtension;
import io.serpentis.gateway.testing.GatewayServerExtension;
import io.serpentis.gateway.testing.HttpTestClient;
import io.serpentis.gateway.testing.WsTestClient;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;

/**
 * DNS rebinding in a real headless Chromium (issue 11, point 1). The browser resolves {@code rebind.example} to
 * 127.0.0.1, as it would once the attacker's DNS rebinds the name. The attack as it happens: the operator's
 * browser loads the attacker's page from {@code http://rebind.example:<port>/} (here: a small server on that port),
 * the name then points at loopback (here: that server stops and a gateway binds the same port), and the page's
 * script, still same-origin with itself, calls the gateway. The gateway must give it nothing: the listing, a
 * command and the dashboard feed are refused 421. A second run against a gateway that serves the name (it is on
 * {@code --allowed-hosts}) shows what the page would get otherwise, so the refusal is not an artefact of the test.
 */
class DnsRebindingBrowserIT {
    private static final String REBIND = "rebind.example";

    @RegisterExtension
    static final BrowserExtension browser = BrowserExtension.mappingToLoopback(REBIND);

    /** The attacker's script: same-origin calls to whatever now answers on its name and port. */
    private static final String ATTACK = """
            return (async () => {
            const out = {};
            try {
              const r = await fetch('/statuses');
              out.statuses = r.status + ' ' + await r.text();
            } catch (e) { out.statuses = 'error ' + e; }
            try {
              const r = await fetch('/clients/rebind-victim/pause', {method: 'POST'});
              out.pause = r.status + ' ' + await r.text();
            } catch (e) { out.pause = 'error ' + e; }
            out.feed = await new Promise(resolve => {
              const ws = new WebSocket('ws://' + location.host + '/ws/dashboard');
              ws.onmessage = m => { resolve('message ' + m.data); ws.close(); };
              ws.onerror = () => resolve('error');
              ws.onclose = e => resolve('closed ' + e.code);
              setTimeout(() => resolve('timeout'), 5000);
            });
            return out;
            })();
            """;

    /** Loads the attacker's page on {@code port}, then rebinds: that server stops and a gateway takes the port. */
    private static int loadAttackersPage() throws IOException {
        HttpServer attacker = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        attacker.createContext("/", exchange -> {
            byte[] page = "<!doctype html><title>cute cats</title><p>cute cats</p>".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
            exchange.sendResponseHeaders(200, page.length);
            try (OutputStream body = exchange.getResponseBody()) {
                body.write(page);
            }
        });
        attacker.start();
        int port = attacker.getAddress().getPort();
        try {
            browser.driver().get("http://" + REBIND + ":" + port + "/");
            assertThat(browser.driver().findElement(By.tagName("p")).getText()).isEqualTo("cute cats");
        } finally {
            attacker.stop(0);
        }
        return port;
    }

    private static GatewayServer gatewayOn(int port, UnaryOperator<GatewayConfig> customizer)
            throws InterruptedException {
        return new GatewayServer(
                        customizer.apply(GatewayServerExtension.testDefaults()).withServer(s -> s.withPort(port)))
                .start();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> attack() {
        return (Map<String, String>) browser.js(ATTACK);
    }

    @Test
    void aPageOnAReboundNameGetsNothingFromTheGateway() throws Exception {
        int port = loadAttackersPage();
        try (GatewayServer gateway = gatewayOn(port, c -> c);
                WsTestClient victim = WsTestClient.connect(gateway.wsUri())) {
            victim.request("{\"client_id\": \"rebind-victim\", \"status\": {\"secret\": \"s3cr3t-status\"}}");

            Map<String, String> got = attack();

            assertThat(got.get("statuses"))
                    .startsWith("421 ")
                    .contains("is not served by this gateway")
                    .doesNotContain("rebind-victim", "s3cr3t-status");
            assertThat(got.get("pause")).startsWith("421 ");
            assertThat(got.get("feed")).doesNotStartWith("message").doesNotContain("s3cr3t-status");
            assertThat(victim.poll(Duration.ofMillis(300)))
                    .as("no command reached the client")
                    .isNull();
            assertThat(new HttpTestClient(gateway.httpUri()).record("rebind-victim"))
                    .doesNotContainEntry("client_state", "paused");

            // navigating there directly shows the refusal, not the dashboard
            browser.driver().get("http://" + REBIND + ":" + port + "/");
            assertThat(browser.driver().findElements(By.id("feed-state"))).isEmpty();
            assertThat(browser.driver().getPageSource())
                    .contains("--allowed-hosts")
                    .doesNotContain("s3cr3t-status");
        }
    }

    /** The control: the same page and script against a gateway told to serve the name get everything. */
    @Test
    void aNameOnTheAllowedHostsIsServedToTheSamePage() throws Exception {
        int port = loadAttackersPage();
        try (GatewayServer gateway = gatewayOn(port, c -> c.withSecurity(s -> s.withAllowedHosts(List.of(REBIND))));
                WsTestClient victim = WsTestClient.connect(gateway.wsUri())) {
            victim.request("{\"client_id\": \"rebind-victim\", \"status\": {\"secret\": \"s3cr3t-status\"}}");

            Map<String, String> got = attack();

            assertThat(got.get("statuses")).startsWith("200 ").contains("rebind-victim", "s3cr3t-status");
            assertThat(got.get("pause")).startsWith("200 ");
            assertThat(got.get("feed")).startsWith("message").contains("s3cr3t-status");
            assertThat(victim.next()).contains("pause");
        }
    }
}
