package io.serpentis.gateway.feed;

import static org.assertj.core.api.Assertions.assertThat;

import io.serpentis.gateway.registry.ClientRegistry;
import io.serpentis.gateway.registry.DisconnectReason;
import io.serpentis.gateway.registry.StatusUpdate;
import io.serpentis.gateway.testing.BrowserExtension;
import io.serpentis.gateway.testing.RecordingConnection;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;

/**
 * The dashboard with 10,000 registered clients in a real headless Chromium: it loads, renders only the rows in
 * view, filters, sorts, scrolls and follows live updates without a JavaScript error.
 *
 * <p>The fleet is registered with {@code registry().apply(conn, update)}, the very call every WebSocket session
 * makes (as {@code LargeFleetIT} does): 10,000 real sockets would measure the test machine, not the dashboard.
 */
class LargeFleetBrowserIT {

    @RegisterExtension
    static final BrowserExtension browser = BrowserExtension.withGateway();

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
}
