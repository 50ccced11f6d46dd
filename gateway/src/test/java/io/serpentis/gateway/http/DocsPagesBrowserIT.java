package io.serpentis.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.serpentis.gateway.testing.BrowserExtension;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code /docs} (Swagger UI) and {@code /redoc} (ReDoc) in a real headless Chromium: both render the gateway's own
 * OpenAPI document, and the page makes no request to any host but the gateway (no petstore, no validator, no CDN,
 * no fonts), as recorded over WebDriver BiDi.
 */
class DocsPagesBrowserIT {

    @RegisterExtension
    static final BrowserExtension browser = BrowserExtension.withGateway();

    @BeforeEach
    void forget() {
        browser.driver().get("about:blank");
        browser.clearRecorded();
    }

    private String bodyText() {
        return String.valueOf(browser.js("return document.body ? document.body.innerText : ''"));
    }

    @Test
    void swaggerUiRendersTheApiFromLocalAssetsOnly() {
        browser.open("/docs");

        browser.waitAtMost(Duration.ofSeconds(30))
                .until(d -> (Long) browser.js("return document.querySelectorAll('.swagger-ui .opblock').length") >= 10);
        String text = bodyText();
        assertThat(text)
                .contains(
                        "Collegium Serpentis gateway",
                        "/api/v1/clients",
                        "/statuses",
                        "/clients/{client_id}/pause",
                        "/ws/dashboard");
        assertThat(browser.requests()).anyMatch(u -> u.endsWith("/openapi.json"));
        browser.assertNoErrorsAndNothingLeftTheMachine();
    }

    @Test
    void redocRendersTheApiFromLocalAssetsOnly() {
        browser.open("/redoc");

        browser.waitAtMost(Duration.ofSeconds(30)).until(d -> bodyText().contains("/api/v1/clients"));
        String text = bodyText();
        assertThat(text).contains("Collegium Serpentis gateway", "A page of clients, filtered");
        assertThat(browser.requests()).anyMatch(u -> u.endsWith("/openapi.json"));
        browser.assertNoErrorsAndNothingLeftTheMachine();
    }
}
