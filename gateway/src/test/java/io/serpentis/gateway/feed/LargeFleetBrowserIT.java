package io.serpentis.gateway.feed;

import static org.assertj.core.api.Assertions.assertThat;

import io.serpentis.gateway.registry.ClientRegistry;
import io.serpentis.gateway.registry.DisconnectReason;
import io.serpentis.gateway.registry.StatusUpdate;
import io.serpentis.gateway.testing.BrowserExtension;
import io.serpentis.gateway.testing.RecordingConnection;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;

/**
 * The dashboard with 10,000 registered clients in a real headless Chromium: it loads, renders only the rows in
 * view, filters, sorts, scrolls and follows live updates without a JavaScript error; its charts show the fleet's
 * counts and distribution, and a screenshot of them is not blank.
 *
 * <p>The fleet is registered with {@code registry().apply(conn, update)}, the very call every WebSocket session
 * makes (as {@code LargeFleetIT} does): 10,000 real sockets would measure the test machine, not the dashboard.
 */
class LargeFleetBrowserIT {

    @RegisterExtension
    static final BrowserExtension browser =
            BrowserExtension.withGateway(c -> c.withFeed(f -> f.withHistoryInterval(Duration.ofSeconds(1))));

    static final int FLEET = 10_000;
    static final RecordingConnection[] connections = new RecordingConnection[FLEET];

    @BeforeAll
    static void registerFleet() {
        ClientRegistry registry = browser.gateway().registry();
        for (int i = 0; i < FLEET; i++) {
            String id = "fleet-" + i;
            connections[i] = new RecordingConnection(id);
            registry.apply(
                    connections[i],
                    new StatusUpdate(
                            id, new String[] {"client_state", "cpu_usage", "memory_usage", "group"}, new String[] {
                                "running", Integer.toString(i % 100), Integer.toString((i * 7) % 100), "g" + i % 7
                            }));
            if (i % 10 == 0) {
                registry.release(connections[i], id, DisconnectReason.CLIENT);
            }
        }
    }

    private String text(String id) {
        return browser.driver().findElement(By.id(id)).getText();
    }

    private long rowCount() {
        return (Long) browser.js("return document.querySelectorAll('tr.client').length");
    }

    @SuppressWarnings("unchecked")
    private List<String> ids() {
        return (List<String>) browser.js("return [...document.querySelectorAll('tr.client')].map(r => r.dataset.id);");
    }

    /**
     * Scrolls {@code element} into view, at the top of the window ({@code top}) or at its bottom; its bounding box then
     * (w, h, top, bottom) and the viewport's height (vh).
     */
    private static Map<String, Double> scrolledIntoView(WebElement element, boolean top) {
        browser.js("arguments[0].scrollIntoView(arguments[1])", element, top);
        @SuppressWarnings("unchecked")
        Map<String, Object> box = (Map<String, Object>) browser.js(
                "const r = arguments[0].getBoundingClientRect();"
                        + " return {w: r.width, h: r.height, top: r.top, bottom: r.bottom, vh: window.innerHeight};",
                element);
        Map<String, Double> out = new HashMap<>();
        box.forEach((k, v) -> out.put(k, ((Number) v).doubleValue()));
        return out;
    }

    @Test
    void tenThousandClientsLoadFilterSortAndUpdateWithoutError() {
        long start = System.nanoTime();
        browser.open("/");
        browser.waitAtMost(Duration.ofSeconds(30)).until(ExpectedConditions.textToBe(By.id("count-total"), "10000"));
        browser.waitAtMost(Duration.ofSeconds(10)).until(d -> rowCount() > 0);
        Duration load = Duration.ofNanos(System.nanoTime() - start);
        assertThat(load).as("time to show 10,000 clients").isLessThan(Duration.ofSeconds(15));
        assertThat(text("count-connected")).isEqualTo("9000");
        assertThat(text("count-disconnected")).isEqualTo("1000");
        assertThat(text("feed-state")).isEqualTo("Live");
        // Only the rows in view exist.
        assertThat(rowCount()).isBetween(1L, 200L);
        assertThat(ids().get(0)).isEqualTo("fleet-0");

        browser.driver().findElement(By.id("search")).sendKeys("fleet-999");
        browser.waitAtMost(Duration.ofSeconds(10)).until(d -> text("shown").equals("11 of 10000 shown"));
        // The table draws its rows at the next animation frame after the count: wait for them.
        browser.waitAtMost(Duration.ofSeconds(10)).until(d -> ids().size() == 11);
        assertThat(ids())
                .containsExactly(
                        "fleet-999",
                        "fleet-9990",
                        "fleet-9991",
                        "fleet-9992",
                        "fleet-9993",
                        "fleet-9994",
                        "fleet-9995",
                        "fleet-9996",
                        "fleet-9997",
                        "fleet-9998",
                        "fleet-9999");

        new Select(browser.driver().findElement(By.id("state-filter"))).selectByValue("disconnected");
        browser.waitAtMost(Duration.ofSeconds(10)).until(d -> text("shown").equals("1 of 10000 shown"));
        browser.waitAtMost(Duration.ofSeconds(10)).until(d -> ids().size() == 1);
        assertThat(ids()).containsExactly("fleet-9990");

        browser.driver().findElement(By.id("search")).clear();
        browser.js(
                "const s = document.getElementById('search'); s.value = '';" + " s.dispatchEvent(new Event('input'));");
        browser.waitAtMost(Duration.ofSeconds(10)).until(d -> text("shown").equals("1000 of 10000 shown"));
        browser.driver()
                .findElement(By.cssSelector("button.sort[data-sort='id']"))
                .click();
        browser.waitAtMost(Duration.ofSeconds(10)).until(d -> ids().get(0).equals("fleet-9990"));

        // Scrolled to the end, the last rows are there and still only a window of rows exists.
        new Select(browser.driver().findElement(By.id("state-filter"))).selectByValue("all");
        browser.waitAtMost(Duration.ofSeconds(10)).until(d -> text("shown").equals("10000 clients"));
        browser.js("const v = document.getElementById('viewport'); v.scrollTop = v.scrollHeight;");
        browser.waitAtMost(Duration.ofSeconds(10)).until(d -> ids().contains("fleet-0"));
        assertThat(rowCount()).isBetween(1L, 200L);

        // A live update of one client out of 10,000 reaches its row.
        browser.gateway()
                .registry()
                .apply(connections[1], new StatusUpdate("fleet-1", new String[] {"cpu_usage"}, new String[] {"12.75"}));
        // (still sorted by id, descending, and scrolled to the end, where fleet-1 is)
        browser.waitAtMost(Duration.ofSeconds(10))
                .until(d -> String.valueOf(browser.inDashboard("return row('fleet-1')?.textContent ?? ''"))
                        .contains("12.75"));

        browser.assertNoErrorsAndNothingLeftTheMachine();
    }

    @Test
    void theChartsOfTenThousandClientsShowTheirCountsAndAreDrawn() throws Exception {
        browser.open("/");
        browser.waitAtMost(Duration.ofSeconds(30)).until(ExpectedConditions.textToBe(By.id("count-total"), "10000"));
        browser.waitAtMost(Duration.ofSeconds(20))
                .until(d -> text("chart-connected").equals("9,000")
                        && text("chart-disconnected").equals("1,000"));
        assertThat((String) browser.js("return document.getElementById('chart-clients-desc').textContent"))
                .contains("Latest: 9,000 connected, 1,000 disconnected");
        browser.waitAtMost(Duration.ofSeconds(20))
                .until(d -> "10000"
                        .equals(browser.js("return document.querySelector('#dist-rows tr.dist')?.dataset.total")));
        assertThat(browser.js("return document.querySelector('#dist-rows tr.dist').textContent"))
                .isEqualTo("running10,000 (9,000 connected)");
        // The group attribute: seven values, each bar as long as its share of the largest.
        browser.waitAtMost(Duration.ofSeconds(20))
                .until(d -> Long.valueOf(1)
                        .equals(browser.js(
                                "return document.querySelectorAll('#dist-attribute option[value=\"group\"]').length")));
        new Select(browser.driver().findElement(By.id("dist-attribute"))).selectByValue("group");
        browser.waitAtMost(Duration.ofSeconds(20))
                .until(d -> Long.valueOf(7)
                        .equals(browser.js("return document.querySelectorAll('#dist-rows tr.dist').length")));
        assertThat(text("dist-summary")).isEqualTo("10,000 clients, 7 values");

        // A screenshot of the panel: in view, of a real size, and not blank (the lines and bars have colours).
        WebElement panel = browser.driver().findElement(By.id("charts"));
        Map<String, Double> box = scrolledIntoView(panel, true);
        assertThat(box.get("w")).isGreaterThan(600);
        assertThat(box.get("h")).isGreaterThan(150);
        assertThat(box.get("top")).isBetween(-1.0, box.get("vh"));
        Path shot = browser.screenshot(Path.of("target", "screenshots", "large-fleet-dashboard.png"));
        assertThat(shot).isNotEmptyFile();
        byte[] png = panel.getScreenshotAs(OutputType.BYTES);
        Path panelShot = Path.of("target", "screenshots", "large-fleet-charts.png");
        Files.write(panelShot, png);
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        assertThat(image.getWidth()).isGreaterThan(600);
        assertThat(image.getHeight()).isGreaterThan(150);
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < image.getHeight(); y += 2) {
            for (int x = 0; x < image.getWidth(); x += 2) {
                colours.add(image.getRGB(x, y));
            }
        }
        assertThat(colours).as("distinct colours in the charts panel").hasSizeGreaterThan(20);
        browser.assertNoErrorsAndNothingLeftTheMachine();
    }

    @Test
    void theOperationsPanelsOfTenThousandClientsShowReceiptsTheBulkCountAndTheAudit() throws Exception {
        browser.open("/");
        browser.waitAtMost(Duration.ofSeconds(30)).until(ExpectedConditions.textToBe(By.id("count-total"), "10000"));
        browser.waitAtMost(Duration.ofSeconds(10)).until(d -> browser.inDashboard("return row('fleet-1')") != null);

        // A row's command: its receipt in the row, its entry in the audit panel.
        browser.clickInRow("fleet-1", "button[data-action='pause']");
        browser.waitAtMost(Duration.ofSeconds(10))
                .until(d -> "delivered"
                        .equals(browser.inDashboard(
                                "return row('fleet-1')?.querySelector('.receipt-state')?.textContent")));
        browser.waitAtMost(Duration.ofSeconds(10))
                .until(d -> "fleet-1"
                        .equals(browser.js(
                                "return document.querySelector('#audit-rows td.audit-target')?.textContent")));

        // Every connected client: the dry run's count in the dialog (a screenshot of it), then cancel.
        browser.driver()
                .findElement(By.cssSelector("button[data-bulk='pause']"))
                .click();
        browser.waitAtMost(Duration.ofSeconds(20))
                .until(d -> Boolean.TRUE.equals(browser.js("return document.getElementById('bulk-dialog').open")));
        assertThat(text("bulk-summary")).isEqualTo("9,000 connected clients match the filter.");
        assertThat(text("bulk-confirm")).isEqualTo("Pause 9,000 clients");
        assertThat(browser.screenshot(Path.of("target", "screenshots", "large-fleet-bulk-dialog.png")))
                .isNotEmptyFile();
        browser.driver().findElement(By.id("bulk-cancel")).click();
        browser.waitAtMost(Duration.ofSeconds(5))
                .until(d -> text("bulk-status").equals("Cancelled: nothing was sent."));

        // The bulk controls, the table with the receipt, and the audit panel under it in one screenshot.
        WebElement audit = browser.driver().findElement(By.id("audit"));
        Map<String, Double> box = scrolledIntoView(audit, false);
        assertThat(box.get("w")).isGreaterThan(600);
        assertThat(box.get("h")).isGreaterThan(60);
        assertThat(box.get("top")).isBetween(-1.0, box.get("vh"));
        assertThat(box.get("bottom")).isBetween(0.0, box.get("vh"));
        assertThat(audit.isDisplayed()).isTrue();
        Path shot = browser.screenshot(Path.of("target", "screenshots", "large-fleet-operations.png"));
        BufferedImage image = ImageIO.read(shot.toFile());
        assertThat(image.getHeight()).isGreaterThan(box.get("bottom").intValue() - 1);
        WebElement bulkPause = browser.driver().findElement(By.cssSelector("button[data-bulk='pause']"));
        Object bulkTop = browser.js("return arguments[0].getBoundingClientRect().top", bulkPause);
        assertThat(((Number) bulkTop).doubleValue())
                .as("the bulk buttons, in the screenshot too")
                .isBetween(0.0, box.get("vh"));
        browser.assertNoErrorsAndNothingLeftTheMachine();
    }
}
