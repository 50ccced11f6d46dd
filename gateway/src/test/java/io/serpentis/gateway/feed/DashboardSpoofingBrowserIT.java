package io.serpentis.gateway.feed;

import static org.assertj.core.api.Assertions.assertThat;

import io.serpentis.gateway.testing.BrowserExtension;
import io.serpentis.gateway.testing.WsTestClient;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * Display spoofing in a real headless Chromium: client data is shown isolated from the text around it, with
 * invisible and bidi-control characters replaced by a visible marker, so an id with a right-to-left override no
 * longer passes for the real id it imitates, and a zero-width character or a blank value no longer hides.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardSpoofingBrowserIT {

    @RegisterExtension
    static final BrowserExtension browser = BrowserExtension.withGateway();

    private static final String REAL = "worker-1";
    /** A right-to-left override, then "1-rekrow": rendered as "worker-1" unless the override is shown. */
    private static final String SPOOF = "\u202E1-rekrow";

    private static final String RLO = "⟨U+202E⟩";
    private static final String FSI = "\u2068";
    private static final String PDI = "\u2069";

    private static final List<WsTestClient> clients = new ArrayList<>();
    private static WsTestClient spoof;

    /** Registers a client; JSON escapes (such as a backslash-u202E) in {@code idJson} and {@code status}. */
    private static WsTestClient register(String idJson, String status) {
        WsTestClient c = WsTestClient.connect(browser.gateway().wsUri());
        clients.add(c);
        assertThat(c.request("{\"client_id\": \"" + idJson + "\", \"status\": " + status + "}"))
                .contains("message_processed");
        return c;
    }

    @BeforeAll
    static void registerTheRealClientAndItsSpoof() {
        register(REAL, "{\"client_state\": \"running\", \"cpu_usage\": 23.4}");
        // Values with a zero-width space and joiner, a blank value, a name with a BEL and one with an isolate.
        spoof = register(
                "\\u202E1-rekrow",
                "{\"client_state\": \"run\\u200Bning\", \"cpu_usage\": 23.4,"
                        + " \"note\": \"a\\u200Db\", \"blank\": \"   \", \"bell\\u0007\": \"x\","
                        + " \"\\u2066lead\": \"\\uFEFFbom\"}");
    }

    @AfterAll
    static void closeClients() {
        clients.forEach(WsTestClient::close);
    }

    @BeforeEach
    void openDashboard() {
        browser.openDashboard();
        browser.waitAtMost(Duration.ofSeconds(5))
                .until(d -> js("return !!row(arguments[0]) && !!row(arguments[1])", REAL, SPOOF)
                        .equals(true));
    }

    @AfterEach
    void noErrors() {
        browser.assertNoErrorsAndNothingLeftTheMachine();
    }

    /** Runs {@code script} in the page with {@code row(id)}: a client's table row, found by its id, or null. */
    private static Object js(String script, Object... args) {
        return browser.inDashboard(script, args);
    }

    @Test
    @Order(1)
    void anIdWithARightToLeftOverrideNoLongerLooksLikeTheIdItImitates() throws IOException {
        // What the operator sees: the pixels of the two id cells (identical when the override is left to act).
        BufferedImage page = ImageIO.read(
                new ByteArrayInputStream(((TakesScreenshot) browser.driver()).getScreenshotAs(OutputType.BYTES)));
        assertThat(pixels(page, REAL)).as("pixels of the spoof's id cell").isNotEqualTo(pixels(page, SPOOF));

        assertThat(js("return row(arguments[0]).querySelector('th.id').innerText", REAL))
                .isEqualTo(REAL);
        assertThat(js("return row(arguments[0]).querySelector('th.id').innerText", SPOOF))
                .isEqualTo(RLO + "1-rekrow");
        // The marker is an element of its own, styled apart, so the characters "⟨U+202E⟩" in an id cannot fake it.
        assertThat(js(
                        "const m = row(arguments[0]).querySelector('th.id .codepoint');"
                                + " return [m.textContent, getComputedStyle(m).borderTopStyle, m.title]",
                        SPOOF))
                .isEqualTo(List.of(RLO, "dashed", "U+202E RIGHT-TO-LEFT OVERRIDE"));
        // Isolated: a <bdi> (unicode-bidi: isolate, direction from its own text) holds the id in its cell.
        for (String id : List.of(REAL, SPOOF)) {
            assertThat(js(
                            "const b = row(arguments[0]).querySelector('th.id bdi');"
                                    + " return b ? [b.tagName, getComputedStyle(b).unicodeBidi] : null",
                            id))
                    .as("bdi of " + id)
                    .isEqualTo(List.of("BDI", "isolate"));
        }
        // Tooltips and accessible names: the same markers, between FIRST STRONG ISOLATE and POP DIRECTIONAL ISOLATE.
        assertThat(js("return row(arguments[0]).querySelector('th.id button').title", SPOOF))
                .isEqualTo("Show every attribute of " + FSI + RLO + "1-rekrow" + PDI);
        assertThat(js(
                        "return row(arguments[0]).querySelector(\"button[data-action='pause']\")"
                                + ".getAttribute('aria-label')",
                        SPOOF))
                .isEqualTo("Pause " + FSI + RLO + "1-rekrow" + PDI);
    }

    /** The ARGB pixels of a client's id cell in {@code page}. */
    private static int[] pixels(BufferedImage page, String id) {
        @SuppressWarnings("unchecked")
        Map<String, Number> r = (Map<String, Number>) js(
                "const b = row(arguments[0]).querySelector('th.id')"
                        + ".getBoundingClientRect(); const s = devicePixelRatio;"
                        + " return {x: b.x * s, y: b.y * s, w: b.width * s, h: b.height * s};",
                id);
        int x = (int) Math.round(r.get("x").doubleValue());
        int y = (int) Math.round(r.get("y").doubleValue());
        int w = (int) Math.round(r.get("w").doubleValue());
        int h = (int) Math.round(r.get("h").doubleValue());
        assertThat(x + w).as("cell inside the screenshot").isLessThanOrEqualTo(page.getWidth());
        assertThat(y + h).as("cell inside the screenshot").isLessThanOrEqualTo(page.getHeight());
        return page.getRGB(x, y, w, h, null, 0, w);
    }

    @Test
    @Order(2)
    void invisibleCharactersInNamesAndValuesShowAsMarkersInTheTableAndTheDetails() throws IOException {
        String cell = (String) js("return row(arguments[0]).querySelector('td.details-cell').innerText", SPOOF);
        assertThat(cell)
                .contains(
                        "run⟨U+200B⟩ning",
                        "a⟨U+200D⟩b",
                        "⟨U+0020⟩⟨U+0020⟩⟨U+0020⟩",
                        "bell⟨U+0007⟩",
                        "⟨U+2066⟩lead",
                        "⟨U+FEFF⟩bom");
        assertThat(js(
                        "return [...row(arguments[0]).querySelectorAll('li.attr')]"
                                + ".every(li => li.querySelector('.name > bdi') && li.querySelector('.value > bdi'))",
                        SPOOF))
                .isEqualTo(true);
        assertThat(js("return [...row(arguments[0]).querySelectorAll('li.attr')].map(li => li.title)", SPOOF))
                .asList()
                .contains(FSI + "client_state" + PDI + ": " + FSI + "run⟨U+200B⟩ning" + PDI);

        browser.waitAtMost(Duration.ofSeconds(5))
                .ignoring(StaleElementReferenceException.class)
                .until(d -> {
                    ((WebElement) js("return row(arguments[0]).querySelector('th.id button')", SPOOF)).click();
                    return true;
                });
        browser.waitAtMost(Duration.ofSeconds(5))
                .until(ExpectedConditions.visibilityOfElementLocated(By.id("details")));
        assertThat(js("const t = document.getElementById('details-title');"
                        + " return [t.innerText, t.firstElementChild.tagName]"))
                .isEqualTo(List.of(RLO + "1-rekrow", "BDI"));
        String details = (String) js("return document.getElementById('details-fields').innerText");
        assertThat(details)
                .contains(
                        "run⟨U+200B⟩ning",
                        "a⟨U+200D⟩b",
                        "⟨U+0020⟩⟨U+0020⟩⟨U+0020⟩",
                        "bell⟨U+0007⟩",
                        "⟨U+2066⟩lead",
                        "⟨U+FEFF⟩bom");
        assertThat(js("return [...document.querySelectorAll('#details-fields dt, #details-fields dd')]"
                        + ".every(e => e.querySelector(':scope > bdi'))"))
                .isEqualTo(true);

        Path shot = browser.screenshot(Path.of("target", "screenshots", "dashboard-spoofing.png"));
        assertThat(shot).exists().isNotEmptyFile();
    }

    @Test
    @Order(3)
    void theNoticeAfterACommandShowsTheIdIsolatedWithItsMarker() {
        browser.waitAtMost(Duration.ofSeconds(5))
                .ignoring(StaleElementReferenceException.class)
                .until(d -> {
                    ((WebElement) js(
                                    "return row(arguments[0])" + ".querySelector(\"button[data-action='pause']\")",
                                    SPOOF))
                            .click();
                    return true;
                });

        assertThat(spoof.next()).isEqualTo("{\"command\": \"pause\"}");
        // The notice follows the receipt: the button waits up to 2 s for the client's acknowledgement.
        browser.waitAtMost(Duration.ofSeconds(10))
                .until(ExpectedConditions.textToBe(
                        By.id("notice"), "Pause command sent to client " + RLO + "1-rekrow."));
        assertThat(js("return document.querySelector('#notice bdi .codepoint')?.textContent"))
                .isEqualTo(RLO);
    }

    /** Every character the helper must mark, by code point. */
    private static List<Integer> hiddenCodePoints() {
        List<Integer> cps = new ArrayList<>();
        IntStream.rangeClosed(0x0000, 0x001F).forEach(cps::add); // C0 controls
        IntStream.rangeClosed(0x007F, 0x009F).forEach(cps::add); // DEL and C1 controls
        IntStream.rangeClosed(0x202A, 0x202E).forEach(cps::add); // bidi embeddings and overrides
        IntStream.rangeClosed(0x2066, 0x2069).forEach(cps::add); // bidi isolates
        cps.addAll(List.of(0x200E, 0x200F, 0x061C)); // LRM, RLM, ALM
        IntStream.rangeClosed(0x200B, 0x200D).forEach(cps::add); // zero-width space, non-joiner, joiner
        IntStream.rangeClosed(0x2060, 0x2064).forEach(cps::add); // word joiner, invisible operators
        cps.addAll(List.of(0xFEFF, 0x00AD)); // BOM (zero-width no-break space), soft hyphen
        IntStream.rangeClosed(0xFFF9, 0xFFFB).forEach(cps::add); // interlinear annotation
        cps.addAll(List.of(0x180E, 0x206A, 0x206F, 0xE0001, 0xE0041, 0x1D173)); // other Cf, outside the BMP too
        cps.addAll(List.of(0x2028, 0x2029, 0x3164, 0x115F, 0xFFA0, 0xD800)); // separators, blank letters, surrogate
        return cps;
    }

    @Test
    @Order(4)
    void theHelperMarksEveryInvisibleAndBidiControlCharacterAndNothingElse() {
        // visible.js itself, imported in the page: a list of what came out wrong (empty when all is right).
        List<String> plain = List.of(
                "worker-1",
                "a b",
                "Ünïcödé",
                "שלום-1",
                "مرحبا",
                "日本語",
                "👍",
                "❤️",
                "<b>x</b>",
                "⟨U+202E⟩ typed by a client",
                "");
        Object wrong = browser.js("""
                const [cps, plain] = arguments;
                return import('/visible.js').then(({ isolated, isolatedText }) => {
                  const wrong = [];
                  const check = (input, shown, markers) => {
                    const text = isolatedText(input);
                    if (text !== '\\u2068' + shown + '\\u2069') {
                      wrong.push(`isolatedText ${JSON.stringify(input)}: ${text}`);
                    }
                    const node = isolated(input);
                    const marks = [...node.querySelectorAll('span.codepoint')].map((m) => m.textContent);
                    if (node.tagName !== 'BDI' || node.textContent !== shown || marks.join() !== markers.join()) {
                      wrong.push(`isolated ${JSON.stringify(input)}: ${node.tagName} ${node.textContent} ${marks}`);
                    }
                  };
                  for (const cp of cps) {
                    const marker = `⟨U+${cp.toString(16).toUpperCase().padStart(4, '0')}⟩`;
                    check(`a${String.fromCodePoint(cp)}b`, `a${marker}b`, [marker]);
                  }
                  for (const s of plain) check(s, s, []);
                  check(' ', '⟨U+0020⟩', ['⟨U+0020⟩']);
                  check('\\u3000', '⟨U+3000⟩', ['⟨U+3000⟩']);
                  check('  x ', '⟨U+0020⟩⟨U+0020⟩x⟨U+0020⟩', ['⟨U+0020⟩', '⟨U+0020⟩', '⟨U+0020⟩']);
                  check('\\u00A0worker-1', '⟨U+00A0⟩worker-1', ['⟨U+00A0⟩']);
                  return wrong;
                });
                """, hiddenCodePoints(), plain);

        assertThat(wrong).asList().isEmpty();
    }
}
