package io.serpentis.gateway.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.serpentis.gateway.config.GatewayConfig;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.bidi.module.LogInspector;
import org.openqa.selenium.bidi.module.Network;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A real headless Chromium for a test class: Debian's {@code /usr/bin/chromium} driven by
 * {@code /usr/bin/chromedriver} through Selenium (never a browser or driver download: both paths are given, so
 * Selenium Manager does not run). Every request the page makes and every JavaScript error or console error is
 * recorded over WebDriver BiDi. Non-loopback requests are sent to a dead proxy on loopback, so nothing leaves the
 * machine even if a page tried; the recorded URLs show whether it tried.
 *
 * <p>Without the browser the class is skipped with a reason, except under {@code CI=true}, where it fails
 * ({@code .ci/run} installs {@code chromium} and {@code chromium-driver}). Register as a {@code static}
 * {@code @RegisterExtension} field: {@link #withGateway} for a browser on a gateway of its own (the usual case),
 * {@link #mappingToLoopback} for one that resolves a foreign name to 127.0.0.1 (as DNS rebinding makes a browser
 * do) and connects to it directly.
 */
public final class BrowserExtension implements BeforeAllCallback, AfterAllCallback {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    /** In the dashboard's page: a client's table row, found by its id (any characters), or null. */
    private static final String ROW_FUNCTION = "const row = (id) => [...document.querySelectorAll('tr.client')]"
            + ".find(r => r.dataset.id === id) ?? null;\n";

    private final List<String> loopbackNames;
    private final @Nullable GatewayServerExtension gateway;
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final List<String> errors = new CopyOnWriteArrayList<>();
    private WebDriver driver;
    private Network network;
    private LogInspector logs;
    private Path profile;

    private BrowserExtension(List<String> loopbackNames, @Nullable GatewayServerExtension gateway) {
        this.loopbackNames = List.copyOf(loopbackNames);
        this.gateway = gateway;
    }

    /** A browser, and a gateway with the tests' defaults started before it and closed after it. */
    public static BrowserExtension withGateway() {
        return withGateway(c -> c);
    }

    /** A browser, and a gateway with {@code customizer} applied to the tests' defaults. */
    public static BrowserExtension withGateway(UnaryOperator<GatewayConfig> customizer) {
        return new BrowserExtension(List.of(), new GatewayServerExtension(customizer));
    }

    /** A browser alone, for gateways the test runs itself (processes of a fleet): see {@link #openDashboard(URI)}. */
    public static BrowserExtension browserOnly() {
        return new BrowserExtension(List.of(), null);
    }

    /**
     * A browser without a gateway that resolves each of {@code names} to 127.0.0.1 ({@code --host-resolver-rules})
     * and connects to them without the dead proxy: what a browser does once a hostile name has been rebound to
     * loopback.
     */
    public static BrowserExtension mappingToLoopback(String... names) {
        return new BrowserExtension(List.of(names), null);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            ExternalTools.skipOrFail("browser tests need " + CHROMIUM + " and " + CHROMEDRIVER
                    + " (apt-get install chromium chromium-driver)");
        }
        if (gateway != null) {
            gateway.beforeAll(context);
        }
        Logger.getLogger("org.openqa.selenium").setLevel(Level.SEVERE); // "no CDP for 150": BiDi is used instead
        profile = Files.createTempDirectory("serpentis-chromium");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments(
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--disable-default-apps",
                "--disable-dev-shm-usage",
                "--window-size=1440,900",
                "--user-data-dir=" + profile,
                // Loopback is never proxied; anything else goes to a closed port on loopback and fails there.
                "--proxy-server=http://127.0.0.1:9");
        if (!loopbackNames.isEmpty()) {
            options.addArguments(
                    "--host-resolver-rules="
                            + String.join(
                                    ", ",
                                    loopbackNames.stream()
                                            .map(n -> "MAP " + n + " 127.0.0.1")
                                            .toList()),
                    "--proxy-bypass-list=" + String.join(";", loopbackNames));
        }
        options.setCapability("webSocketUrl", true); // WebDriver BiDi
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER.toString()))
                .usingAnyFreePort()
                .build();
        driver = new ChromeDriver(service, options);
        network = new Network(driver);
        network.onBeforeRequestSent(e -> requests.add(e.getRequest().getUrl()));
        logs = new LogInspector(driver);
        logs.onJavaScriptException(e -> errors.add("exception: " + e.getText()));
        logs.onConsoleEntry(e -> {
            if ("error".equalsIgnoreCase(String.valueOf(e.getLevel()))) {
                errors.add("console: " + e.getText());
            }
        });
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        try {
            if (logs != null) {
                logs.close();
            }
            if (network != null) {
                network.close();
            }
        } finally {
            try {
                if (driver != null) {
                    driver.quit();
                }
                if (profile != null) {
                    try (Stream<Path> files = Files.walk(profile)) {
                        files.sorted(Comparator.reverseOrder())
                                .forEach(p -> p.toFile().delete());
                    }
                }
            } finally {
                if (gateway != null) {
                    gateway.afterAll(context);
                }
            }
        }
    }

    public WebDriver driver() {
        return driver;
    }

    /** The gateway this browser was built {@link #withGateway with}. */
    public GatewayServerExtension gateway() {
        if (gateway == null) {
            throw new IllegalStateException("this browser has no gateway of its own: use BrowserExtension.withGateway");
        }
        return gateway;
    }

    /** Loads {@code path} (and query) of the gateway's HTTP port. */
    public void open(String path) {
        driver.get(gateway().httpUri() + path);
    }

    /** Loads the dashboard, waits until its live feed is up, and forgets the requests and errors until then. */
    public void openDashboard() {
        openDashboard(gateway().httpUri());
    }

    /** Loads the dashboard of the gateway at {@code http} ({@code http://host:port}), as {@link #openDashboard()}. */
    public void openDashboard(URI http) {
        driver.get(http + "/");
        waitAtMost(Duration.ofSeconds(15)).until(ExpectedConditions.textToBe(By.id("feed-state"), "Live"));
        clearRecorded();
    }

    /** Runs {@code script} in the dashboard's page, where {@code row(id)} is a client's table row, or null. */
    public Object inDashboard(String script, Object... args) {
        return js(ROW_FUNCTION + script, args);
    }

    /**
     * Clicks the control {@code selector} of a client's row in the dashboard with a real pointer click, finding it
     * again if the row was redrawn meanwhile.
     */
    public void clickInRow(String id, String selector) {
        waitAtMost(Duration.ofSeconds(5))
                .ignoring(StaleElementReferenceException.class)
                .until(d -> {
                    WebElement row = (WebElement) inDashboard("return row(arguments[0])", id);
                    if (row == null) {
                        return false;
                    }
                    row.findElement(By.cssSelector(selector)).click();
                    return true;
                });
    }

    /** No JavaScript error and no request to a host but loopback since the last {@link #clearRecorded()}. */
    public void assertNoErrorsAndNothingLeftTheMachine() {
        assertThat(errors()).as("JavaScript errors").isEmpty();
        assertThat(nonLoopbackRequests()).as("requests leaving the machine").isEmpty();
    }

    /** Runs {@code script} in the page and returns its result. */
    public Object js(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    /** A wait on this browser, polling every 25 ms. */
    public WebDriverWait waitAtMost(Duration timeout) {
        WebDriverWait wait = new WebDriverWait(driver, timeout);
        wait.pollingEvery(Duration.ofMillis(25));
        return wait;
    }

    /** Every URL the browser requested since the last {@link #clearRecorded()}. */
    public List<String> requests() {
        return new ArrayList<>(requests);
    }

    /** The requested URLs whose host is not on loopback ({@code data:} and {@code blob:} URLs fetch nothing). */
    public List<String> nonLoopbackRequests() {
        List<String> out = new ArrayList<>();
        for (String url : requests) {
            String scheme =
                    url.contains(":") ? url.substring(0, url.indexOf(':')).toLowerCase(Locale.ROOT) : "";
            if (scheme.equals("data") || scheme.equals("blob") || scheme.equals("about")) {
                continue;
            }
            String host;
            try {
                host = URI.create(url).getHost();
            } catch (IllegalArgumentException e) {
                host = null;
            }
            if (host == null || !(host.equals("127.0.0.1") || host.equals("localhost") || host.equals("[::1]"))) {
                out.add(url);
            }
        }
        return out;
    }

    /** JavaScript exceptions and console errors since the last {@link #clearRecorded()}. */
    public List<String> errors() {
        return new ArrayList<>(errors);
    }

    public void clearRecorded() {
        requests.clear();
        errors.clear();
    }

    /** Saves a PNG of the viewport to {@code file} (directories created). */
    public Path screenshot(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        byte[] png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES);
        Files.write(file, png);
        return file;
    }
}
