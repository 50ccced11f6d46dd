package io.serpentis.gateway;

import io.serpentis.gateway.config.DurationConverter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code java -jar serpentis-gateway.jar healthcheck}: exits 0 when the gateway's {@code /livez} answers 200, 1
 * otherwise. For container health checks (the runtime image has no curl); it starts no server and reads the same
 * {@code PORT} as the gateway.
 */
@Command(
        name = "healthcheck",
        mixinStandardHelpOptions = true,
        showDefaultValues = true,
        description = "Exits 0 when the gateway answers GET /livez with 200, else 1. For container health checks.")
final class HealthcheckCommand implements Callable<Integer> {

    @Option(
            names = "--url",
            defaultValue = "${env:GATEWAY_HEALTHCHECK_URL:-http://127.0.0.1:${env:PORT:-8000}/livez}",
            description = "What to ask. Env: GATEWAY_HEALTHCHECK_URL (default from PORT).")
    @SuppressWarnings("NullAway.Init") // picocli sets it (defaultValue) before call()
    URI url;

    @Option(
            names = "--timeout",
            defaultValue = "3s",
            converter = DurationConverter.class,
            description = "Give up after this long.")
    @SuppressWarnings("NullAway.Init") // picocli sets it (defaultValue) before call()
    Duration timeout;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        HttpClient http = HttpClient.newBuilder().connectTimeout(timeout).build();
        try {
            HttpResponse<Void> r = http.send(
                    HttpRequest.newBuilder(url).timeout(timeout).build(), HttpResponse.BodyHandlers.discarding());
            spec.commandLine().getOut().println(url + " answered " + r.statusCode());
            return r.statusCode() == 200 ? 0 : 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        } catch (Exception e) {
            spec.commandLine().getOut().println(url + " did not answer: " + e);
            return 1;
        }
    }
}
