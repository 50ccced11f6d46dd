package io.serpentis.gateway.feed;

import static org.assertj.core.api.Assertions.assertThat;

import io.serpentis.gateway.testing.BrowserExtension;
import io.serpentis.gateway.testing.WsTestClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;

/**
 * The dashboard in a real headless Chromium against the running gateway: clients registered over {@code /ws}
 * appear, update and leave live; the pause button reaches the client; markup in client data stays text.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardBrowserIT {

    @RegisterExtension
    static final BrowserExtension browser = BrowserExtension.withGateway();

    private final List<WsTestClient> clients = new ArrayList<>();

    @BeforeEach
    void openDashboard() {
        browser.openDashboard();
    }

    @AfterEach
    void closeClients() {
        clients.forEach(WsTestClient::close);
        browser.assertNoErrorsAndNothingLeftTheMachine();
    }

    private WsTestClient register(String id, String status) {
        WsTestClient c = WsTestClient.connect(browser.gateway().wsUri());
        clients.add(c);
        String ack = c.request("{\"client_id\": \"" + id + "\", \"status\": " + status + "}");
        assertThat(ack).contains("message_processed");
        return c;
    }

    /** The text of a client's row, read in one go in the page (rows are redrawn as data changes). */
    private String rowText(String id) {
        return (String) browser.inDashboard("return row(arguments[0])?.textContent ?? null", id);
    }

    private void awaitRowText(String id, String text, Duration timeout) {
        browser.waitAtMost(timeout).until(d -> {
            String t = rowText(id);
            return t != null && t.contains(text);
        });
    }

    @Test
    @Order(1)
    void aClientRegisteredOverWsAppearsWithinOneSecondThenUpdatesAndLeavesLive() {
        long start = System.nanoTime();
        WsTestClient client = register("browser-live-1", "{\"client_state\": \"running\", \"cpu_usage\": 42.5}");
        awaitRowText("browser-live-1", "Connected", Duration.ofSeconds(5));
        Duration appeared = Duration.ofNanos(System.nanoTime() - start);
        assertThat(appeared).as("time from the ack to the row").isLessThan(Duration.ofSeconds(1));
        assertThat(rowText("browser-live-1")).contains("42.5", "running");
        assertThat(browser.inDashboard("return row(arguments[0])?.querySelectorAll('meter').length", "browser-live-1"))
                .isEqualTo(1L);

        client.request("{\"client_id\": \"browser-live-1\", \"status\": {\"cpu_usage\": 77.25, \"phase\": \"two\"}}");
        awaitRowText("browser-live-1", "77.25", Duration.ofSeconds(5));
        assertThat(rowText("browser-live-1")).contains("phase", "two");

        client.close(1000, "done");
        awaitRowText("browser-live-1", "Disconnected by client", Duration.ofSeconds(5));
        assertThat(browser.inDashboard("return row(arguments[0])?.className", "browser-live-1"))
                .asString()
                .contains("gone");
        assertThat(browser.inDashboard(
                        "return row(arguments[0])?.querySelector(\"button[data-action='pause']\")" + ".disabled",
                        "browser-live-1"))
                .isEqualTo(true);
    }

    @Test
    @Order(2)
    void thePauseButtonSendsPauseToTheClient() {
        WsTestClient client = register("browser-pause-1", "{\"client_state\": \"running\"}");
        awaitRowText("browser-pause-1", "Connected", Duration.ofSeconds(5));

        browser.clickInRow("browser-pause-1", "button[data-action='pause']");

        assertThat(client.next()).isEqualTo("{\"command\": \"pause\"}");
        // The notice follows the receipt: the button waits up to 2 s for the client's acknowledgement.
        browser.waitAtMost(Duration.ofSeconds(10))
                .until(ExpectedConditions.textToBe(By.id("notice"), "Pause command sent to client browser-pause-1."));
        awaitRowText("browser-pause-1", "paused", Duration.ofSeconds(5));
    }

    @Test
    @Order(3)
    void markupInClientDataIsShownAsTextAndRunsNothing() {
        String img = "<img src=x onerror=\\\"window.__xss=1\\\">";
        String script = "<script>window.__xss=2</script>";
        register("<b>browser-xss</b>", "{\"client_state\": \"" + script + "\", \"note\": \"" + img + "\"}");
        awaitRowText("<b>browser-xss</b>", "browser-xss", Duration.ofSeconds(5));

        assertThat(rowText("<b>browser-xss</b>"))
                .contains(
                        "<img src=x onerror=\"window.__xss=1\">",
                        "<script>window.__xss=2</script>",
                        "<b>browser-xss</b>");
        assertThat(browser.js("return document.querySelectorAll('#clients img, #clients script, #clients b').length"))
                .isEqualTo(0L);
        assertThat(browser.js("return typeof window.__xss")).isEqualTo("undefined");
        assertThat(browser.requests()).as("the img would have fetched /x").noneMatch(u -> u.endsWith("/x"));

        browser.clickInRow("<b>browser-xss</b>", "th.id button");
        WebElement details = browser.driver().findElement(By.id("details"));
        browser.waitAtMost(Duration.ofSeconds(5)).until(ExpectedConditions.visibilityOf(details));
        assertThat(details.getAttribute("textContent")).contains("<img src=x onerror=\"window.__xss=1\">");
        assertThat(details.findElements(By.tagName("img"))).isEmpty();
        assertThat(browser.js("return typeof window.__xss")).isEqualTo("undefined");
    }

    @Test
    @Order(4)
    void searchFilterAndSortWorkOnTheTable() {
        register("browser-sort-b", "{\"n\": 1}");
        register("browser-sort-a", "{\"n\": 2}");
        WsTestClient leaving = register("browser-sort-c", "{\"n\": 3}");
        leaving.close(1000, "");
        awaitRowText("browser-sort-c", "Disconnected", Duration.ofSeconds(5));

        browser.driver().findElement(By.id("search")).sendKeys("browser-sort");
        browser.waitAtMost(Duration.ofSeconds(5))
                .until(d -> ids().equals(List.of("browser-sort-a", "browser-sort-b", "browser-sort-c")));
        assertThat(browser.driver().findElement(By.id("shown")).getText()).startsWith("3 of ");

        browser.driver()
                .findElement(By.cssSelector("button.sort[data-sort='id']"))
                .click();
        browser.waitAtMost(Duration.ofSeconds(5))
                .until(d -> ids().equals(List.of("browser-sort-c", "browser-sort-b", "browser-sort-a")));

        new Select(browser.driver().findElement(By.id("state-filter"))).selectByValue("disconnected");
        browser.waitAtMost(Duration.ofSeconds(5)).until(d -> ids().equals(List.of("browser-sort-c")));
    }

    @SuppressWarnings("unchecked")
    private List<String> ids() {
        return (List<String>) browser.js("return [...document.querySelectorAll('tr.client')].map(r => r.dataset.id);");
    }

    @Test
    @Order(5)
    void aScreenshotOfTheDashboardWithSomeClients() throws Exception {
        String[][] fleet = {
            {
                "worker-1",
                "{\"client_state\": \"running\", \"cpu_usage\": 23.4, \"memory_usage\": 41.0,"
                        + " \"version\": \"2.3.1\"}"
            },
            {
                "worker-2",
                "{\"client_state\": \"running\", \"cpu_usage\": 81.7, \"memory_usage\": 66.2,"
                        + " \"region\": \"eu-west\"}"
            },
            {"worker-3", "{\"client_state\": \"paused\", \"cpu_usage\": 3.1, \"memory_usage\": 12.9}"},
            {
                "ingest-7",
                "{\"client_state\": \"running\", \"cpu_usage\": 97.2, \"memory_usage\": 93.5," + " \"queue\": 1204}"
            },
        };
        for (String[] c : fleet) {
            register(c[0], c[1]);
        }
        register("batch-9", "{\"client_state\": \"running\", \"cpu_usage\": 55}")
                .close(1000, "");
        awaitRowText("batch-9", "Disconnected by client", Duration.ofSeconds(5));
        awaitRowText("ingest-7", "97.2", Duration.ofSeconds(5));

        Path shot = browser.screenshot(Path.of("target", "screenshots", "dashboard.png"));

        assertThat(shot).exists().isNotEmptyFile();
    }
}
