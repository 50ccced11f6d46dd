package io.serpentis.gateway.feed;

import static org.assertj.core.api.Assertions.assertThat;

import io.serpentis.gateway.testing.BrowserExtension;
import io.serpentis.gateway.testing.WsTestClient;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * When the live feed is unavailable the dashboard falls back to polling {@code GET /statuses} every 5 s, as the
 * original did, and returns to the feed once it can. Here the feed is made unavailable by the viewer limit: a
 * script holds the only place, so the page's feed is closed with 1013.
 */
class DashboardFallbackBrowserIT {

    @RegisterExtension
    static final BrowserExtension browser = BrowserExtension.withGateway(c -> c.withFeed(f -> f.withMaxViewers(1)));

    @Test
    void pollsStatusesWhileTheFeedIsUnavailableThenGoesLiveAgain() {
        WsTestClient occupant =
                WsTestClient.connect(URI.create(browser.gateway().wsUri() + "/dashboard"));
        occupant.next(); // its snapshot: the only viewer place is taken
        try (WsTestClient client = WsTestClient.connect(browser.gateway().wsUri())) {
            browser.open("/");
            browser.waitAtMost(Duration.ofSeconds(15))
                    .until(ExpectedConditions.textToBe(By.id("feed-state"), "Unavailable, polling every 5 s"));

            client.request("{\"client_id\": \"polled-1\", \"status\": {\"cpu_usage\": 5}}");
            browser.waitAtMost(Duration.ofSeconds(12))
                    .until(d -> String.valueOf(browser.js("return document.getElementById('clients').textContent"))
                            .contains("polled-1"));
            assertThat(browser.driver().findElement(By.id("data-source")).getText())
                    .isEqualTo("Data source: embedded");
            assertThat(browser.requests()).anyMatch(u -> u.endsWith("/statuses"));

            occupant.close();
            browser.waitAtMost(Duration.ofSeconds(40)).until(ExpectedConditions.textToBe(By.id("feed-state"), "Live"));
            client.request("{\"client_id\": \"polled-1\", \"status\": {\"cpu_usage\": 66.5}}");
            browser.waitAtMost(Duration.ofSeconds(5))
                    .until(d -> String.valueOf(browser.js("return document.getElementById('clients').textContent"))
                            .contains("66.5"));
        }
        assertThat(browser.errors()).as("JavaScript errors").isEmpty();
    }
}
