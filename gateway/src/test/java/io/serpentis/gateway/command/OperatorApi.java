package io.serpentis.gateway.command;

import io.serpentis.gateway.testing.HttpTestClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The operator routes of one gateway (receipts, audit, bulk commands) over the JDK's HTTP client. */
final class OperatorApi {
    static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();

    private final URI base;

    OperatorApi(URI base) {
        this.base = base;
    }

    static JsonNode json(HttpResponse<String> r) {
        return JSON.readTree(r.body());
    }

    HttpResponse<String> get(String rawPath) {
        return join(getAsync(rawPath));
    }

    CompletableFuture<HttpResponse<String>> getAsync(String rawPath) {
        HttpRequest req = HttpRequest.newBuilder(URI.create(base + rawPath))
                .timeout(Duration.ofSeconds(60))
                .GET()
                .build();
        return HTTP.sendAsync(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    HttpResponse<String> postJson(String rawPath, String body) {
        return join(postJsonAsync(rawPath, body));
    }

    CompletableFuture<HttpResponse<String>> postJsonAsync(String rawPath, String body) {
        HttpRequest req = HttpRequest.newBuilder(URI.create(base + rawPath))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        return HTTP.sendAsync(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    /** {@code POST /api/v1/clients/{id}/commands[query]} with {@code {"command": command}}. */
    CompletableFuture<HttpResponse<String>> commandAsync(String clientId, String command, String query) {
        return postJsonAsync(
                "/api/v1/clients/" + HttpTestClient.segment(clientId) + "/commands" + query,
                "{\"command\": \"" + command + "\"}");
    }

    HttpResponse<String> command(String clientId, String command) {
        return join(commandAsync(clientId, command, ""));
    }

    /** {@code GET /api/v1/commands/{id}}, parsed; fails unless 200. */
    JsonNode receipt(String commandId) {
        HttpResponse<String> r = get("/api/v1/commands/" + HttpTestClient.segment(commandId));
        if (r.statusCode() != 200) {
            throw new AssertionError("GET receipt " + commandId + " answered " + r.statusCode() + ": " + r.body());
        }
        return json(r);
    }

    /** The receipt's state (and reason, after a slash, when it failed). */
    String state(String commandId) {
        JsonNode r = receipt(commandId);
        return r.path("state").asString()
                + (r.path("reason").isNull() ? "" : "/" + r.path("reason").asString());
    }

    static <T> T join(CompletableFuture<T> f) {
        try {
            return f.join();
        } catch (RuntimeException e) {
            if (e.getCause() instanceof IOException io) {
                throw new UncheckedIOException(io);
            }
            throw e;
        }
    }
}
