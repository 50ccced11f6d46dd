package io.serpentis.gateway.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import io.serpentis.gateway.testing.BrowserExtension;
import io.serpentis.gateway.testing.FleetHarness;
import io.serpentis.gateway.testing.GatewayProcess;
import io.serpentis.gateway.testing.PrometheusText;
import io.serpentis.gateway.testing.RedisServerExtension;
import io.serpentis.gateway.testing.WsTestClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;

/**
 * One picture of the fleet in a real headless Chromium (issue 13 point 2's dashboard part): the dashboard of one
 * node of three shows every node's clients with the node that holds them, the gateway nodes panel, a node that dies
 * as lost and its clients offline, a node filter, a pause button that reaches a client on another node, and a remote
 * client's markup as text. Leaves a screenshot in {@code target/screenshots/fleet-dashboard.png}.
 */
class FleetDashboardBrowserIT {
    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    @RegisterExtension
    static final BrowserExtension browser = BrowserExtension.browserOnly();

    private final List<WsTestClient> sockets = new ArrayList<>();
    private FleetHarness fleet;

    @AfterEach
    void stop() {
        sockets.forEach(WsTestClient::abort);
        if (fleet != null) {
            fleet.close();
        }
    }

    /**
     * Quick heartbeats, but a lease that three gateways and a browser on a loaded two-core box keep renewing (with
     * FleetViewIT's 2 s lease a node starved of CPU was now and then declared lost, its clients shown offline).
     */
    private static final String[] LEASE = {
        "--fleet-heartbeat-interval", "500ms", "--fleet-lease", "6s", "--fleet-reap-grace", "1s"
    };

    private WsTestClient client(GatewayProcess node, String id, String status) {
        WsTestClient c = WsTestClient.connect(node.wsUri());
        sockets.add(c);
        assertThat(c.request("{\"client_id\": \"" + id + "\", \"status\": " + status + "}"))
                .contains("message_processed");
        return c;
    }

    private String rowText(String id) {
        return (String) browser.inDashboard("return row(arguments[0])?.textContent ?? null", id);
    }

    private void awaitRow(String id, String... texts) {
        browser.waitAtMost(Duration.ofSeconds(30)).until(d -> {
            String t = rowText(id);
            if (t == null) {
                return false;
            }
            for (String text : texts) {
                if (!t.contains(text)) {
                    return false;
                }
            }
            return true;
        });
    }

    private String nodeRowText(String node) {
        return (String) browser.js(
                "return [...document.querySelectorAll('#node-rows tr')]"
                        + ".find(r => r.dataset.node === arguments[0])?.textContent ?? null",
                node);
    }

    private void awaitNodeRow(String node, String text) {
        browser.waitAtMost(Duration.ofSeconds(30)).until(d -> {
            String t = nodeRowText(node);
            return t != null && t.contains(text);
        });
    }

    @Test
    void oneNodesDashboardShowsTheWholeFleetItsNodesAndReachesClientsElsewhere() throws Exception {
        fleet = new FleetHarness("--redis-url", redis.url());
        GatewayProcess a = fleet.start("gw-a", LEASE);
        GatewayProcess b = fleet.start("gw-b", LEASE);
        GatewayProcess c = fleet.start("gw-c", LEASE);
        WsTestClient alpha = client(a, "alpha-1", "{\"client_state\": \"running\", \"cpu_usage\": 41.5}");
        client(
                a,
                "alpha-2",
                "{\"client_state\": \"running\", \"note\": \"<img src=x onerror=\\\"window.__xss=1\\\">\"}");
        client(b, "beta-1", "{\"client_state\": \"running\", \"memory_usage\": 63.0}");
        client(c, "gamma-1", "{\"client_state\": \"running\"}");

        browser.openDashboard(b.httpUri());
        awaitRow("alpha-1", "gw-a", "Connected", "41.5");
        awaitRow("beta-1", "gw-b", "Connected");
        awaitRow("gamma-1", "gw-c", "Connected");
        awaitRow("alpha-2", "<img src=x onerror=\"window.__xss=1\">");
        assertThat(browser.js("return document.querySelectorAll('#clients img').length"))
                .isEqualTo(0L);
        assertThat(browser.js("return typeof window.__xss")).isEqualTo("undefined");
        awaitNodeRow("gw-a", "Live");
        awaitNodeRow("gw-b", "this node");
        awaitNodeRow("gw-c", "Live");

        // A pause button on B's page reaches the client held by A.
        browser.waitAtMost(Duration.ofSeconds(5))
                .ignoring(StaleElementReferenceException.class)
                .until(d -> {
                    ((WebElement) browser.inDashboard("return row(arguments[0])", "alpha-1"))
                            .findElement(By.cssSelector("button[data-action='pause']"))
                            .click();
                    return true;
                });
        assertThat(alpha.next()).isEqualTo("{\"command\": \"pause\"}");
        // The notice follows the receipt: the button waits up to 2 s for the client's acknowledgement.
        browser.waitAtMost(Duration.ofSeconds(10))
                .until(ExpectedConditions.textToBe(By.id("notice"), "Pause command sent to client alpha-1."));
        awaitRow("alpha-1", "paused");

        // A node dies: the panel shows it lost, and its client offline, on B's page.
        fleet.kill("gw-c");
        awaitRow("gamma-1", "Disconnected", "Gateway node lost");
        awaitNodeRow("gw-c", "Lost");

        // The node filter.
        new Select(browser.driver().findElement(By.id("node-filter"))).selectByValue("gw-a");
        browser.waitAtMost(Duration.ofSeconds(5)).until(d -> rowText("beta-1") == null && rowText("alpha-1") != null);
        assertThat(rowText("alpha-2")).isNotNull();
        Path shot = browser.screenshot(Path.of("target", "screenshots", "fleet-dashboard-filtered.png"));
        assertThat(shot).isRegularFile();
        new Select(browser.driver().findElement(By.id("node-filter"))).selectByValue("all");
        browser.waitAtMost(Duration.ofSeconds(5)).until(d -> rowText("beta-1") != null);
        assertThat(PrometheusText.scrape(a.httpUri()).value("gateway_fleet_nodes_lost_total", "reason", "lease_expired")
                        + PrometheusText.scrape(b.httpUri())
                                .value("gateway_fleet_nodes_lost_total", "reason", "lease_expired"))
                .as("nodes declared lost, fleet-wide: gw-c only")
                .isEqualTo(1.0);
        assertThat(browser.driver().findElement(By.id("count-connected")).getText())
                .as(() -> "connected count; the rows: "
                        + browser.js("return [...document.querySelectorAll('#clients tr')]"
                                + ".map(r => r.textContent).join(' | ')")
                        + "; the nodes: "
                        + browser.js("return document.querySelector('#node-rows')?.textContent"))
                .isEqualTo("3");
        browser.screenshot(Path.of("target", "screenshots", "fleet-dashboard.png"));
        browser.assertNoErrorsAndNothingLeftTheMachine();
    }
}
