package io.serpentis.gateway.feed;

import static org.assertj.core.api.Assertions.assertThat;

import io.serpentis.gateway.testing.BrowserExtension;
import io.serpentis.gateway.testing.WsTestClient;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.Select;
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

    private String text(String id) {
        return browser.driver().findElement(By.id(id)).getText();
    }

    private void click(String selector) {
        browser.driver().findElement(By.cssSelector(selector)).click();
    }

    private boolean dialogOpen() {
        return Boolean.TRUE.equals(browser.js("return document.getElementById('bulk-dialog').open"));
    }

    /** The id of the newest audit entry, as the API lists it, or "" when the trail is empty. */
    static String newestAuditId() throws Exception {
        JsonNode entries = getJson("/api/v1/audit?limit=1").get("entries");
        return entries.isEmpty() ? "" : entries.get(0).get("id").asString();
    }

    @SuppressWarnings("unchecked")
    private List<String> whereShown() {
        return (List<String>)
                browser.js("return [...document.querySelectorAll('#bulk-where li')].map(li => li.textContent)");
    }

    @Test
    void bulkPauseOnTheFilterConfirmsTheDryRunCountAndSendsToExactlyThoseClients() throws Exception {
        browser.openDashboard();
        try (WsTestClient a1 = connected("bulk-a-1", "{\"client_state\": \"running\"}");
                WsTestClient a2 = connected("bulk-a-2", "{\"client_state\": \"running\"}");
                WsTestClient b1 = connected("bulk-b-1", "{\"client_state\": \"running\"}")) {
            connected("bulk-a-3", "{\"client_state\": \"running\"}").close();
            browser.driver().findElement(By.id("search")).sendKeys("bulk-a");
            new Select(browser.driver().findElement(By.id("state-filter"))).selectByValue("connected");
            browser.waitAtMost(Duration.ofSeconds(5)).until(d -> text("shown").startsWith("2 of "));
            String auditBefore = newestAuditId();

            // A dry run: the dialog shows the count and the expressions; cancel sends nothing.
            click("button[data-bulk='pause']");
            browser.waitAtMost(Duration.ofSeconds(10)).until(d -> dialogOpen());
            assertThat(text("bulk-summary")).isEqualTo("2 connected clients match the filter.");
            assertThat(whereShown()).containsExactly("client_id~bulk-a", "connected==true");
            assertThat(text("bulk-preview")).isEqualTo("First by id: bulk-a-1, bulk-a-2");
            assertThat(text("bulk-confirm")).isEqualTo("Pause 2 clients");
            assertThat(browser.js("return document.getElementById('bulk-note').hidden"))
                    .isEqualTo(true);
            click("#bulk-cancel");
            browser.waitAtMost(Duration.ofSeconds(5)).until(d -> !dialogOpen());
            assertThat(text("bulk-status")).isEqualTo("Cancelled: nothing was sent.");
            assertThat(a1.poll(Duration.ofSeconds(1))).isNull();
            assertThat(a2.poll(Duration.ofMillis(100))).isNull();
            assertThat(newestAuditId()).as("the audit trail after cancel").isEqualTo(auditBefore);

            // Confirmed: exactly the clients counted get the command.
            click("button[data-bulk='pause']");
            browser.waitAtMost(Duration.ofSeconds(10)).until(d -> dialogOpen());
            click("#bulk-confirm");
            assertThat(a1.next()).isEqualTo("{\"command\": \"pause\"}");
            assertThat(a2.next()).isEqualTo("{\"command\": \"pause\"}");
            browser.waitAtMost(Duration.ofSeconds(10))
                    .until(d -> text("bulk-status").equals("Pause sent to 2 clients of 2 matched, 2 delivered."));
            assertThat(b1.poll(Duration.ofMillis(500))).isNull();
        }
        JsonNode bulk = getJson("/api/v1/audit?limit=1").get("entries").get(0);
        assertThat(bulk.get("action").asString()).isEqualTo("bulk_pause");
        assertThat(bulk.get("target").asString()).isEqualTo("where client_id~bulk-a, connected==true; limit 2");
        // The audit panel shows it on top, above the two pauses it sent.
        browser.waitAtMost(Duration.ofSeconds(10))
                .until(d -> auditShown().size() >= 3
                        && auditShown().get(0).equals(bulk.get("id").asString()));
        assertThat(auditCells(0))
                .containsExactly(
                        "loopback 127.0.0.1",
                        "bulk_pause",
                        "where client_id~bulk-a, connected==true; limit 2",
                        "sent 2 of 2 matched, 2 delivered");
        assertThat(List.of(auditCells(1).get(2), auditCells(2).get(2)))
                .containsExactlyInAnyOrder("bulk-a-1", "bulk-a-2");
        browser.assertNoErrorsAndNothingLeftTheMachine();
    }

    @Test
    void aBulkDryRunShowsHostileIdsAsTextAndSaysWhenTheTableCountsOtherwise() {
        browser.openDashboard();
        try (WsTestClient hostile = connected(HOSTILE + "-bulk", "{\"client_state\": \"running\"}")) {
            // The table ignores case, the gateway's ~ does not: the dialog says why its count differs.
            browser.driver().findElement(By.id("search")).sendKeys("ONERROR");
            click("button[data-bulk='disconnect']");
            browser.waitAtMost(Duration.ofSeconds(10)).until(d -> dialogOpen());
            assertThat(text("bulk-summary"))
                    .isEqualTo("No connected client matches the filter: nothing would be sent.");
            assertThat(browser.js("return document.getElementById('bulk-confirm').disabled"))
                    .isEqualTo(true);
            assertThat(text("bulk-note")).contains("The table shows 1 client connected", "case-sensitively");
            click("#bulk-cancel");
            browser.waitAtMost(Duration.ofSeconds(5)).until(d -> !dialogOpen());

            browser.driver().findElement(By.id("search")).clear();
            browser.driver().findElement(By.id("search")).sendKeys("onerror");
            click("button[data-bulk='disconnect']");
            browser.waitAtMost(Duration.ofSeconds(10)).until(d -> dialogOpen());
            assertThat(text("bulk-preview")).isEqualTo("First by id: <img src=x onerror=alert(1)>⟨U+202E⟩ops-bulk");
            assertThat(browser.js("return document.querySelectorAll('#bulk-dialog img').length"))
                    .isEqualTo(0L);
            click("#bulk-cancel");
            browser.waitAtMost(Duration.ofSeconds(5)).until(d -> !dialogOpen());
            assertThat(hostile.isClosed()).isFalse();
        }
        browser.assertNoErrorsAndNothingLeftTheMachine();
    }

    /** The ids of the audit entries the panel shows, top first. */
    @SuppressWarnings("unchecked")
    private List<String> auditShown() {
        return (List<String>) browser.js(
                "return [...document.querySelectorAll('#audit-rows tr.audit-entry')].map(r => r.dataset.id)");
    }

    /** Actor, action, target and outcome of the panel's row {@code index}. */
    @SuppressWarnings("unchecked")
    private List<String> auditCells(int index) {
        return (List<String>) browser.js(
                "return [...document.querySelectorAll('#audit-rows tr.audit-entry')[arguments[0]].cells].slice(1)"
                        + ".map(c => c.textContent)",
                index);
    }

    /** The ids of a page of {@code GET /api/v1/audit}, and its next cursor last. */
    static List<String> auditPage(String query) throws Exception {
        JsonNode page = getJson("/api/v1/audit?limit=10" + query);
        List<String> ids = new ArrayList<>();
        page.get("entries").forEach(e -> ids.add(e.get("id").asString()));
        ids.add(page.get("next_cursor").asString());
        return ids;
    }

    @Test
    void theAuditPanelShowsTheLatestActionsNewestFirstAndPagesBackByCursor() throws Exception {
        browser.openDashboard();
        // Twelve commands to clients that do not exist (each recorded, failed), the last to a hostile id.
        for (int i = 0; i < 12; i++) {
            String id = i < 11 ? "audit-ghost-" + i : HOSTILE + "-ghost";
            HttpResponse<String> r = HTTP.send(
                    HttpRequest.newBuilder(browser.gateway()
                                    .http("/api/v1/clients/"
                                            + URLEncoder.encode(id, StandardCharsets.UTF_8)
                                                    .replace("+", "%20")
                                            + "/commands"))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"command\": \"pause\"}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(404);
        }
        List<String> newest = auditPage("");
        String cursor = newest.remove(newest.size() - 1);
        List<String> older = auditPage("&cursor=" + cursor);
        older.remove(older.size() - 1);

        // Refreshed by itself: the latest ten, newest first, the hostile id as text.
        browser.waitAtMost(Duration.ofSeconds(15)).until(d -> auditShown().equals(newest));
        assertThat(auditCells(0))
                .containsExactly(
                        "loopback 127.0.0.1",
                        "pause",
                        "<img src=x onerror=alert(1)>⟨U+202E⟩ops-ghost",
                        "failed: not_connected");
        assertThat(browser.js("return document.querySelectorAll('#audit img').length"))
                .isEqualTo(0L);
        assertThat(browser.js("return document.querySelector('#audit-rows td.audit-target').firstElementChild.tagName"))
                .isEqualTo("BDI");
        assertThat(text("audit-status")).isEqualTo("the latest 10 entries, newest first");

        click("#audit-older");
        browser.waitAtMost(Duration.ofSeconds(10)).until(d -> auditShown().equals(older));
        assertThat(text("audit-status")).isEqualTo("page 2: " + older.size() + " older entries");
        click("#audit-newest");
        browser.waitAtMost(Duration.ofSeconds(10)).until(d -> auditShown().equals(newest));
        browser.assertNoErrorsAndNothingLeftTheMachine();
    }
}
