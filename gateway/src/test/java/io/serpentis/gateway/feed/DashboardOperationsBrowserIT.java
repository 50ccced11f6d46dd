package io.serpentis.gateway.feed;

import static org.assertj.core.api.Assertions.assertThat;

import io.serpentis.gateway.testing.BrowserExtension;
import io.serpentis.gateway.testing.WsTestClient;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Operating the fleet from the dashboard in a real headless Chromium (issue 15 point 6): a row's command shows its
 * receipt (acknowledged by a real JDK WebSocket client that answers, delivered then {@code failed: timed_out} for
 * one that does not); bulk commands on the table's filter confirm the dry run's count in a dialog first; the audit
 * panel lists the operators' actions. Client ids stay text everywhere.
 */
class DashboardOperationsBrowserIT {
    /** Markup and a right-to-left override, as a client could send them. */
    static final String HOSTILE = "<img src=x onerror=alert(1)>\u202Eops";

    static final Duration ACK_TIMEOUT = Duration.ofSeconds(5);
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final JsonMapper JSON = JsonMapper.builder().build();

    @RegisterExtension
    static final BrowserExtension browser =
            BrowserExtension.withGateway(c -> c.withOperations(o -> o.withAckTimeout(ACK_TIMEOUT)));

    /** A connected client with {@code status}, once its row is in the table; the caller closes it. */
    private static WsTestClient connected(String id, String status) {
        WsTestClient c = WsTestClient.connect(browser.gateway().wsUri());
        String json = id.replace("\u202E", "\\u202e");
        assertThat(c.request("{\"client_id\": \"" + json + "\", \"status\": " + status + "}"))
                .contains("message_processed");
        browser.waitAtMost(Duration.ofSeconds(5))
                .until(d -> browser.inDashboard("return row(arguments[0])", id) != null);
        return c;
    }

    /** What the receipt in a client's row says, or null without one. */
    private String receiptState(String id) {
        return (String) browser.inDashboard(
                "return row(arguments[0])?.querySelector('.receipt-state')?.textContent ?? null", id);
    }

    private String receiptAttribute(String id, String attribute) {
        return (String) browser.inDashboard(
                "return row(arguments[0])?.querySelector('.receipt')?.getAttribute(arguments[1]) ?? null",
                id,
                attribute);
    }

    private void awaitReceipt(String id, String state, Duration timeout) {
        browser.waitAtMost(timeout).until(d -> state.equals(receiptState(id)));
    }

    static JsonNode getJson(String path) throws Exception {
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(browser.gateway().http(path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    @Test
    void aRowShowsItsCommandAcknowledgedByAClientThatAnswers() throws Exception {
        browser.openDashboard();
        try (WsTestClient client = connected("ops-ack", "{\"client_state\": \"running\"}")) {
            browser.clickInRow("ops-ack", "button[data-action='pause']");

            assertThat(client.next()).isEqualTo("{\"command\": \"pause\"}");
            client.send("{\"client_id\": \"ops-ack\", \"status\": {\"client_state\": \"paused\","
                    + " \"acknowledged_command\": \"pause\"}}");
            awaitReceipt("ops-ack", "acknowledged", Duration.ofSeconds(10));
        }
        assertThat(browser.requests()).anyMatch(u -> u.endsWith("/api/v1/clients/ops-ack/commands?wait=2s"));
        // The command id in the tooltip is the receipt's.
        String commandId = receiptAttribute("ops-ack", "data-command-id");
        assertThat(getJson("/api/v1/commands/" + commandId).get("state").asString())
                .isEqualTo("acknowledged");
        assertThat(receiptAttribute("ops-ack", "title")).contains(commandId).startsWith("Pause: acknowledged");
        browser.assertNoErrorsAndNothingLeftTheMachine();
    }

    @Test
    void aClientThatDoesNotAnswerShowsDeliveredThenTimedOut() throws Exception {
        browser.openDashboard();
        try (WsTestClient client = connected("ops-silent", "{\"client_state\": \"running\"}")) {
            browser.clickInRow("ops-silent", "button[data-action='resume']");

            assertThat(client.next()).isEqualTo("{\"command\": \"resume\"}");
            awaitReceipt("ops-silent", "delivered", ACK_TIMEOUT);
            // Followed until final: the receipt fails once the acknowledgement timeout has passed.
            awaitReceipt("ops-silent", "failed: timed_out", ACK_TIMEOUT.multipliedBy(3));
        }
        String commandId = receiptAttribute("ops-silent", "data-command-id");
        assertThat(browser.requests()).anyMatch(u -> u.endsWith("/api/v1/commands/" + commandId));
        assertThat(getJson("/api/v1/commands/" + commandId).get("reason").asString())
                .isEqualTo("timed_out");
        browser.assertNoErrorsAndNothingLeftTheMachine();
    }

    @Test
    void aHostileIdStaysTextInItsReceipt() {
        browser.openDashboard();
        try (WsTestClient client = connected(HOSTILE, "{\"client_state\": \"running\"}")) {
            browser.clickInRow(HOSTILE, "button[data-action='pause']");

            assertThat(client.next()).isEqualTo("{\"command\": \"pause\"}");
            awaitReceipt(HOSTILE, "delivered", Duration.ofSeconds(10));
        }
        assertThat(browser.js("return document.querySelectorAll('#clients img, #notice img').length"))
                .isEqualTo(0L);
        assertThat(browser.driver().findElement(By.id("notice")).getText())
                .isEqualTo("Pause command sent to client <img src=x onerror=alert(1)>⟨U+202E⟩ops.");
        browser.assertNoErrorsAndNothingLeftTheMachine();
    }
}
