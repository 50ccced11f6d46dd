package io.serpentis.gateway.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A black-box HTTP client on the JDK's own {@code java.net.http.HttpClient}: plain requests against the gateway,
 * plus the one read every protocol test needs, a client's entry in {@code GET /statuses}.
 */
public final class HttpTestClient {
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1) // as the dashboard and scripts speak it; no h2c upgrade attempt
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final URI base;

    public HttpTestClient(URI base) {
        this.base = base;
    }

    /** {@code path} as one percent-encoded path segment (spaces as {@code %20}, never {@code +}). */
    public static String segment(String raw) {
        return URLEncoder.encode(raw, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** Sends {@code method rawPath} (already percent-encoded) without a body; the body is read as bytes. */
    public HttpResponse<byte[]> sendBytes(String method, String rawPath) {
        HttpRequest req = HttpRequest.newBuilder(URI.create(base + rawPath))
                .timeout(TIMEOUT)
                .method(method, HttpRequest.BodyPublishers.noBody())
                .build();
        try {
            return HTTP.send(req, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Sends {@code method rawPath} without a body; the body is read as UTF-8 text. */
    public HttpResponse<String> send(String method, String rawPath) {
        HttpRequest req = HttpRequest.newBuilder(URI.create(base + rawPath))
                .timeout(TIMEOUT)
                .method(method, HttpRequest.BodyPublishers.noBody())
                .build();
        try {
            return HTTP.send(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    public HttpResponse<String> get(String rawPath) {
        return send("GET", rawPath);
    }

    public HttpResponse<String> post(String rawPath) {
        return send("POST", rawPath);
    }

    /** {@code POST /clients/{id}/{command}} with the id percent-encoded. */
    public HttpResponse<String> command(String clientId, String command) {
        return post("/clients/" + segment(clientId) + "/" + command);
    }

    /** {@code GET /statuses}, parsed; fails unless it answers 200. */
    public JsonNode statuses() {
        HttpResponse<String> r = get("/statuses");
        if (r.statusCode() != 200) {
            throw new AssertionError("GET /statuses answered " + r.statusCode() + ": " + r.body());
        }
        return JSON.readTree(r.body());
    }

    /**
     * The client's entry in {@code GET /statuses} as field name to value, in the order listed, or {@code null}
     * when the client is not listed. Fails if any value is not a JSON string (the original stores strings only).
     * The node field ({@code gateway_node}), which the gateway adds beside the original's fields, is checked to be
     * present on every registered record and left out, so that tests compare the original's layout.
     */
    public Map<String, String> record(String clientId) {
        return record(statuses(), clientId);
    }

    /** The client's entry in an already fetched {@code /statuses} document (see {@link #record(String)}). */
    public static Map<String, String> record(JsonNode statuses, String clientId) {
        JsonNode entry = statuses.get("clients").get(clientId);
        if (entry == null) {
            return null;
        }
        Map<String, String> fields = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : entry.properties()) {
            if (!e.getValue().isString()) {
                throw new AssertionError(
                        "field " + e.getKey() + " of " + clientId + " is not a string: " + e.getValue());
            }
            fields.put(e.getKey(), e.getValue().stringValue());
        }
        if (fields.containsKey("connected") && fields.remove("gateway_node") == null) {
            throw new AssertionError("registered client " + clientId + " has no gateway_node");
        }
        return fields;
    }
}
