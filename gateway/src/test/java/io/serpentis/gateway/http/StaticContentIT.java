package io.serpentis.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.serpentis.gateway.testing.GatewayServerExtension;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The dashboard's static files as a browser fetches them: types, ETags, 304, HEAD, and nothing else served. */
class StaticContentIT {

    @RegisterExtension
    static final GatewayServerExtension gateway = new GatewayServerExtension();

    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    @Test
    void rootServesTheDashboardWithAnEtag() throws Exception {
        HttpResponse<String> r = get("/");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(header(r, "content-type")).isEqualTo("text/html; charset=utf-8");
        assertThat(header(r, "etag")).matches("\"[^\"]+\"");
        assertThat(header(r, "cache-control")).isEqualTo("no-cache");
        assertThat(header(r, "content-length"))
                .isEqualTo(String.valueOf(r.body().getBytes(StandardCharsets.UTF_8).length));
        assertThat(r.body()).contains("<title>Client Status Dashboard</title>");
    }

    @Test
    void ifNoneMatchWithTheEtagIsNotModifiedWithoutBody() throws Exception {
        String etag = header(get("/"), "etag");

        HttpResponse<String> r = send(request("/").header("If-None-Match", etag).GET());

        assertThat(r.statusCode()).isEqualTo(304);
        assertThat(r.body()).isEmpty();
        assertThat(header(r, "etag")).isEqualTo(etag);
    }

    @Test
    void ifNoneMatchWithAnotherEtagServesTheFile() throws Exception {
        HttpResponse<String> r =
                send(request("/").header("If-None-Match", "\"something-else\"").GET());

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("<title>Client Status Dashboard</title>");
    }

    @Test
    void scriptAndStylesheetHaveTheirTypes() throws Exception {
        HttpResponse<String> js = get("/app.js");
        HttpResponse<String> css = get("/style.css");

        assertThat(js.statusCode()).isEqualTo(200);
        assertThat(header(js, "content-type")).startsWith("text/javascript");
        assertThat(header(js, "etag")).isNotBlank();
        assertThat(css.statusCode()).isEqualTo(200);
        assertThat(header(css, "content-type")).startsWith("text/css");
        assertThat(header(css, "etag")).isNotBlank();
        assertThat(header(js, "etag")).isNotEqualTo(header(css, "etag"));
    }

    @Test
    void headAnswersWithTheGetHeadersAndNoBody() throws Exception {
        HttpResponse<String> g = get("/");
        HttpResponse<String> h = send(request("/").method("HEAD", HttpRequest.BodyPublishers.noBody()));

        assertThat(h.statusCode()).isEqualTo(200);
        assertThat(h.body()).isEmpty();
        for (String name : new String[] {"content-type", "content-length", "etag", "cache-control"}) {
            assertThat(header(h, name)).as(name).isEqualTo(header(g, name));
        }
    }

    @Test
    void theOriginalsAddressAndIndexHtmlServeTheSamePage() throws Exception {
        String page = get("/").body();

        assertThat(get("/static/status_display.html").body()).isEqualTo(page);
        assertThat(get("/index.html").body()).isEqualTo(page);
    }

    @Test
    void openApiDocumentIsJsonWithAnEtag() throws Exception {
        HttpResponse<String> r = get("/openapi.json");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(header(r, "content-type")).isEqualTo("application/json");
        assertThat(header(r, "etag")).isNotBlank();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "/../pom.xml",
                "/%2e%2e/pom.xml",
                "/..%2Fpom.xml",
                "/static/../pom.xml",
                "/web/index.html",
                "/web/app.js",
                "/pom.xml",
                "/logback.xml",
                "/openapi.json/",
                "/index.html/",
                "/META-INF/MANIFEST.MF",
                "/io/serpentis/gateway/GatewayServer.class",
                "/app.js.map",
                "/nope",
                "/%zz",
                "/app.js%"
            })
    void pathsOutsideTheDashboardAreNotFound(String path) throws IOException {
        // A raw socket, so the path reaches the server exactly as written (no client-side normalisation).
        RawResponse r = raw("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");

        assertThat(r.status()).as(path).isEqualTo(404);
        assertThat(r.body()).isEqualTo("{\"detail\":\"Not Found\"}");
    }

    @Test
    void thePageLoadsOnlyLocalAssets() throws Exception {
        String page = get("/").body();
        Matcher refs = Pattern.compile("(?:src|href)\\s*=\\s*\"([^\"]*)\"").matcher(page);
        int count = 0;
        while (refs.find()) {
            String ref = refs.group(1);
            count++;
            assertThat(ref)
                    .as("reference in index.html")
                    .satisfiesAnyOf(
                            v -> assertThat(v).startsWith("/").doesNotStartWith("//"),
                            v -> assertThat(v).startsWith("data:"));
            if (ref.startsWith("/")) {
                assertThat(get(ref).statusCode()).as(ref).isEqualTo(200);
            }
        }
        assertThat(count).isGreaterThanOrEqualTo(2);
        assertThat(page).contains("type=\"module\"");
        assertThat(get("/style.css").body()).doesNotContain("@import", "url(http", "url(//");
    }

    @Test
    void theScriptsNeverInsertHtml() throws Exception {
        Map<String, String> modules = modules("/app.js");
        assertThat(modules.keySet()).contains("/app.js", "/api.js", "/feed.js", "/store.js", "/table.js");
        for (var m : modules.entrySet()) {
            assertThat(m.getValue())
                    .as(m.getKey())
                    .doesNotContain(
                            "innerHTML",
                            "outerHTML",
                            "insertAdjacentHTML",
                            "document.write",
                            "createContextualFragment",
                            "DOMParser",
                            "eval(",
                            "new Function",
                            "setAttribute('style'",
                            "srcdoc");
        }
        String all = String.join("\n", modules.values());
        assertThat(all)
                .contains(
                        "adminFetch('/statuses'",
                        "encodeURIComponent(id)",
                        "export function render(",
                        "new WebSocket(");
    }

    /** {@code entry} and every module it imports, transitively, by path. */
    private static Map<String, String> modules(String entry) throws Exception {
        Map<String, String> found = new TreeMap<>();
        ArrayDeque<String> todo = new ArrayDeque<>(List.of(entry));
        Pattern imports = Pattern.compile("(?m)^import\\s[^;]*?from\\s+'\\./([^']+)'");
        while (!todo.isEmpty()) {
            String path = todo.poll();
            if (found.containsKey(path)) {
                continue;
            }
            HttpResponse<String> r = get(path);
            assertThat(r.statusCode()).as(path).isEqualTo(200);
            assertThat(header(r, "content-type")).as(path).startsWith("text/javascript");
            found.put(path, r.body());
            Matcher m = imports.matcher(r.body());
            while (m.find()) {
                todo.add("/" + m.group(1));
            }
        }
        return found;
    }

    private static HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(gateway.httpUri() + path)).timeout(Duration.ofSeconds(10));
    }

    private static HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return send(request(path).GET());
    }

    private static HttpResponse<String> send(HttpRequest.Builder b) throws IOException, InterruptedException {
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String header(HttpResponse<?> r, String name) {
        return r.headers().firstValue(name).orElse(null);
    }

    private record RawResponse(int status, String head, String body) {}

    private static RawResponse raw(String request) throws IOException {
        try (Socket s = new Socket(
                gateway.server().localAddress().getAddress(),
                gateway.server().localAddress().getPort())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            int split = response.indexOf("\r\n\r\n");
            String head = split < 0 ? response : response.substring(0, split);
            String body = split < 0 ? "" : response.substring(split + 4);
            return new RawResponse(Integer.parseInt(head.substring(9, 12)), head, body);
        }
    }
}
