package io.serpentis.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.serpentis.gateway.testing.WsTestClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The executable jar as an operator runs it (the README's run command, minus the build): starts on the embedded
 * store, serves the documented endpoints, and shuts down gracefully on SIGTERM.
 */
class GatewayProcessIT {
    private static final Pattern LISTENING = Pattern.compile("Gateway listening on /[^:]+:(\\d+)");
    private final List<String> output = new CopyOnWriteArrayList<>();
    private Process process;
    private Thread reader;

    private int start(String... args) throws Exception {
        Path jar = Path.of("target", "serpentis-gateway.jar");
        assertThat(jar).as("built by the package phase").exists();
        List<String> cmd = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar.toString()));
        cmd.addAll(List.of(args));
        process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        CompletableFuture<Integer> port = new CompletableFuture<>();
        reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    output.add(line);
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) {
                        port.complete(Integer.parseInt(m.group(1)));
                    }
                }
                port.completeExceptionally(new IllegalStateException("exited: " + output));
            } catch (IOException e) {
                port.completeExceptionally(e);
            }
        }, "gateway-output");
        reader.setDaemon(true);
        reader.start();
        return port.get(30, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() {
        if (process != null) {
            process.destroyForcibly();
        }
    }

    @Test
    void servesTheDocumentedEndpointsAndStopsGracefullyOnSigterm() throws Exception {
        int port = start("--host", "127.0.0.1", "--port", "0", "--shutdown-timeout", "5s");
        HttpClient http = HttpClient.newHttpClient();
        URI base = URI.create("http://127.0.0.1:" + port);
        for (String path : List.of("/", "/health", "/statuses", "/openapi.json")) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve(path)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(path).isEqualTo(200);
        }
        assertThat(output).anyMatch(l -> l.contains("Effective configuration"));

        WsTestClient client = WsTestClient.connect(URI.create("ws://127.0.0.1:" + port + "/ws"));
        assertThat(client.request("{\"client_id\": \"proc-1\"}")).contains("\"redis_status\": \"embedded\"");

        // SIGTERM through the handle: Process.destroy() would also close our end of the output pipe.
        process.toHandle().destroy();
        assertThat(client.awaitClose(Duration.ofSeconds(5)).code()).isEqualTo(1001);
        assertThat(process.waitFor(8, TimeUnit.SECONDS)).as("exits within the shutdown timeout").isTrue();
        reader.join(5000); // the last lines may still be in the pipe when the process has exited
        assertThat(output).anyMatch(l -> l.contains("Gateway stopped"));
    }

    @Test
    void refusesABadSettingWithAMessageNamingIt() throws Exception {
        Path jar = Path.of("target", "serpentis-gateway.jar");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                jar.toString(), "--liveness-timeout", "1s", "--ping-interval", "5s").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(2);
        assertThat(out).contains("liveness-timeout");
        assertThat(Files.exists(jar)).isTrue();
    }
}
