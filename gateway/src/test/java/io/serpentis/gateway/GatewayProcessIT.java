package io.serpentis.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.serpentis.gateway.testing.GatewayProcess;
import io.serpentis.gateway.testing.WsTestClient;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The executable jar as an operator runs it (the README's run command, minus the build): starts on the embedded
 * store, serves the documented endpoints, and shuts down gracefully on SIGTERM.
 */
class GatewayProcessIT {

    @Test
    void servesTheDocumentedEndpointsAndStopsGracefullyOnSigterm() throws Exception {
        try (GatewayProcess gw =
                GatewayProcess.start("--host", "127.0.0.1", "--port", "0", "--shutdown-timeout", "5s")) {
            HttpClient http = HttpClient.newHttpClient();
            for (String path : List.of(
                    "/", "/health", "/statuses", "/openapi.json", "/docs", "/redoc", "/livez", "/readyz", "/metrics")) {
                HttpResponse<String> r = http.send(
                        HttpRequest.newBuilder(gw.httpUri().resolve(path)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(path).isEqualTo(200);
            }
            assertThat(gw.output()).anyMatch(l -> l.contains("Effective configuration"));

            WsTestClient client = WsTestClient.connect(gw.wsUri());
            assertThat(client.request("{\"client_id\": \"proc-1\"}")).contains("\"redis_status\": \"embedded\"");

            gw.terminate(); // SIGTERM
            assertThat(client.awaitClose(Duration.ofSeconds(5)).code()).isEqualTo(1001);
            assertThat(gw.waitFor(8)).as("exits within the shutdown timeout").isTrue();
            assertThat(gw.output()).anyMatch(l -> l.contains("Gateway stopped"));
        }
    }

    @Test
    void refusesABadSettingWithAMessageNamingIt() throws Exception {
        Path jar = Path.of("target", "serpentis-gateway.jar");
        Process p = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-jar",
                        jar.toString(),
                        "--liveness-timeout",
                        "1s",
                        "--ping-interval",
                        "5s")
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(2);
        assertThat(out).contains("liveness-timeout");
    }
}
