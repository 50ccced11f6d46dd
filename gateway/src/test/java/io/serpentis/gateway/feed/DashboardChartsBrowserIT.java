package io.serpentis.gateway.feed;

import static org.assertj.core.api.Assertions.assertThat;

import io.serpentis.gateway.testing.BrowserExtension;
import io.serpentis.gateway.testing.WsTestClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;

/**
 * The dashboard's charts in a real headless Chromium (issue 15 point 6): the fleet's history, kept by the gateway
 * and sampled every second here, drawn as inline SVG with the right numbers (the polylines' points, the text
 * beside them, the description screen readers get) and extended live; the distribution of {@code client_state}
 * (or another attribute) as bars matching {@code GET /api/v1/fleet/summary}; a hostile value stays text.
 */
class DashboardChartsBrowserIT {
    /** Markup and a right-to-left override, as a client could send them. */
    static final String HOSTILE = "<img src=x onerror=alert(1)>\u202Eevil";

    @RegisterExtension
    static final BrowserExtension browser =
            BrowserExtension.withGateway(c -> c.withFeed(f -> f.withHistoryInterval(Duration.ofSeconds(1))));

    static final List<WsTestClient> clients = new ArrayList<>();

    private static WsTestClient register(String id, String status) {
        WsTestClient c = WsTestClient.connect(browser.gateway().wsUri());
        clients.add(c);
        assertThat(c.request("{\"client_id\": \"" + id + "\", \"status\": " + status + "}"))
                .contains("message_processed");
        return c;
    }

    /**
     * Six clients, five connected: {@code client_state} running (three, one of them gone), error, the hostile value,
     * and one without it; {@code zone} on some.
     */
    @BeforeAll
    static void registerFleet() {
        // chart-6 first: never more than five connected at once, so the y axis tops at 5.
        WsTestClient gone = register("chart-6", "{\"client_state\": \"running\"}");
        gone.close(1000, "bye");
        gone.awaitClose();
        register("chart-1", "{\"client_state\": \"running\", \"zone\": \"north\"}");
        register("chart-2", "{\"client_state\": \"running\", \"zone\": \"north\"}");
        register("chart-3", "{\"client_state\": \"error\", \"zone\": \"south\"}");
        register("chart-4", "{\"client_state\": \"" + HOSTILE.replace("\u202E", "\\u202e") + "\"}");
        register("chart-5", "{\"cpu_usage\": 3}");
    }

    @AfterAll
    static void closeClients() {
        clients.forEach(WsTestClient::close);
    }

    private String text(String id) {
        return browser.driver().findElement(By.id(id)).getText();
    }

    /** The points ({@code x,y}) of the series {@code key} in chart {@code chart}. */
    private String[] points(String chart, String key) {
        String points = (String) browser.js(
                "return document.querySelector(`#${arguments[0]} polyline.series.${arguments[1]}`)"
                        + ".getAttribute('points')",
                chart,
                key);
        return points.trim().split(" ");
    }

    /** The last point's y of the series {@code key} in chart {@code chart}. */
    private double lastY(String chart, String key) {
        String[] all = points(chart, key);
        return Double.parseDouble(all[all.length - 1].split(",")[1]);
    }

    /** The x of point {@code i} (negative: from the end) of the series {@code key} in chart {@code chart}. */
    private double x(String chart, String key, int i) {
        String[] all = points(chart, key);
        return Double.parseDouble(all[i < 0 ? all.length + i : i].split(",")[0]);
    }

    @SuppressWarnings("unchecked")
    private List<Map<String, Object>> bars() {
        return (List<Map<String, Object>>) browser.js("return [...document.querySelectorAll('#dist-rows tr.dist')]"
                + ".map(r => ({kind: r.className, label: r.querySelector('th').textContent,"
                + " total: r.dataset.total, connected: r.dataset.connected,"
                + " count: r.querySelector('td.dist-count').textContent,"
                + " width: r.querySelector('rect.total').getAttribute('width'),"
                + " connectedWidth: r.querySelector('rect.connected').getAttribute('width'),"
                + " aria: r.querySelector('svg.bar').getAttribute('aria-label')}))");
    }

    @Test
    void theChartsShowTheFleetsHistoryAndTheDistributionAsText() {
        browser.openDashboard();
        // The history as the gateway kept it: the latest sample, 5 connected and 1 disconnected.
        browser.waitAtMost(Duration.ofSeconds(15))
                .until(d -> text("chart-connected").equals("5")
                        && text("chart-disconnected").equals("1"));
        Object samples = browser.js("return document.getElementById('chart-clients').dataset.samples");
        assertThat(Integer.parseInt(String.valueOf(samples))).isPositive();
        assertThat(browser.js("return document.querySelector('#chart-clients polyline.connected').dataset.points"))
                .isEqualTo(samples);
        // The y axis tops at 5: connected at the top of the plot (y 8), disconnected at a fifth (8 + 122 * 4 / 5).
        assertThat(browser.js("return document.getElementById('chart-clients').dataset.max"))
                .isEqualTo("5");
        assertThat(lastY("chart-clients", "connected")).isEqualTo(8.0);
        assertThat(lastY("chart-clients", "disconnected")).isEqualTo(105.6);
        // A history of a few seconds spans the chart's shortest axis, two minutes, not the hour: the latest sample
        // at the right edge (x 592), the first one at most the history's share of the width to its left.
        assertThat(browser.js("return document.getElementById('chart-clients').dataset.spanMs"))
                .isEqualTo("120000");
        browser.waitAtMost(Duration.ofSeconds(15))
                .until(d -> Integer.parseInt(String.valueOf(
                                browser.js("return document.getElementById('chart-clients').dataset.samples")))
                        >= 3);
        assertThat(x("chart-clients", "connected", -1)).isEqualTo(592.0);
        // Three samples a second apart: 2 s of 120 s is 9 px of the 544 (over an hour it would be 0.3 px).
        assertThat(x("chart-clients", "connected", 0)).isBetween(48.0, 584.0);
        // What a screen reader gets: a title and a description with the numbers.
        assertThat(browser.js("return document.getElementById('chart-clients').getAttribute('aria-labelledby')"))
                .isEqualTo("chart-clients-title chart-clients-desc");
        assertThat((String) browser.js("return document.getElementById('chart-clients-desc').textContent"))
                .contains("Latest: 5 connected, 1 disconnected");
        assertThat(browser.js("return document.querySelector('#chart-rate polyline.updates').dataset.points"))
                .isEqualTo(browser.js("return document.getElementById('chart-rate').dataset.samples"));
        assertThat(text("chart-updates")).matches("[0-9.,]+");

        // Extended live: a client that registers now shows in the next samples.
        register("chart-7", "{\"client_state\": \"running\"}");
        browser.waitAtMost(Duration.ofSeconds(15))
                .until(d -> text("chart-connected").equals("6"));

        // The distribution of client_state: the largest group first; bars and counts as the summary counts them.
        browser.waitAtMost(Duration.ofSeconds(15))
                .until(d -> bars().size() == 4 && "4".equals(bars().get(0).get("total")));
        List<Map<String, Object>> bars = bars();
        assertThat(bars.get(0))
                .containsEntry("label", "running")
                .containsEntry("connected", "3")
                .containsEntry("count", "4 (3 connected)")
                .containsEntry("width", "100.00")
                .containsEntry("connectedWidth", "75.00")
                .containsEntry("aria", "\u2068running\u2069: 4 (3 connected)");
        assertThat(bars).filteredOn(b -> "1".equals(b.get("total"))).hasSize(3);
        assertThat(bars)
                .filteredOn(b -> "1".equals(b.get("total")))
                .allSatisfy(b -> assertThat(b.get("width")).isEqualTo("25.00"));
        assertThat(bars.get(3)).containsEntry("kind", "dist missing").containsEntry("label", "no value");
        // The hostile value is text: shown with its marker, isolated, and no element made of it.
        assertThat(bars).extracting(b -> b.get("label")).contains("<img src=x onerror=alert(1)>⟨U+202E⟩evil", "error");
        assertThat(browser.js("return document.querySelectorAll('#charts img').length"))
                .isEqualTo(0L);
        assertThat(browser.js("return [...document.querySelectorAll('#dist-rows tr.dist.value th')]"
                        + ".every(th => th.firstElementChild?.tagName === 'BDI')"))
                .isEqualTo(true);
        assertThat(text("dist-summary")).isEqualTo("7 clients, 3 values");

        // Another attribute: the selector offers the names the records carry.
        new Select(browser.driver().findElement(By.id("dist-attribute"))).selectByValue("zone");
        browser.waitAtMost(Duration.ofSeconds(10))
                .until(ExpectedConditions.textToBe(By.cssSelector("#dist-rows tr.dist th"), "north"));
        assertThat(bars())
                .extracting(b -> b.get("label") + "=" + b.get("total"))
                .containsExactly("north=2", "south=1", "no value=4");

        browser.assertNoErrorsAndNothingLeftTheMachine();
    }
}
