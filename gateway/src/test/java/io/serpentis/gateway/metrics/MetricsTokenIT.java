package io.serpentis.gateway.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.serpentis.gateway.config.MetricsConfig;
import io.serpentis.gateway.testing.ExternalTools;
import io.serpentis.gateway.testing.GatewayServerExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Who may scrape (issue 11, point 7): with an admin token configured, {@code /metrics} on the main port needs it, as
 * Prometheus's {@code authorization} setting sends it; on {@code --metrics-port}, a listener meant to be private, it
 * never does; without a token it stays public.
 */
class MetricsTokenIT {
    private static final String TOKEN = "metrics-admin-token-0123456789";

    @RegisterExtension
    static final GatewayServerExtension mainPort =
            new GatewayServerExtension(c -> c.withSecurity(s -> s.withAdminToken(TOKEN)));

    @RegisterExtension
    static final GatewayServerExtension separatePort = new GatewayServerExtension(c ->
            c.withSecurity(s -> s.withAdminToken(TOKEN)).withMetrics(m -> new MetricsConfig(ExternalTools.freePort())));

    @RegisterExtension
    static final GatewayServerExtension noToken = new GatewayServerExtension();

    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private static HttpResponse<String> scrape(URI base, String... headers) throws Exception {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(URI.create(base + "/metrics")).timeout(Duration.ofSeconds(10));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void withATokenTheMainPortsMetricsNeedIt() throws Exception {
        HttpResponse<String> anonymous = scrape(mainPort.httpUri());
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.headers().firstValue("www-authenticate"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
        assertThat(anonymous.body()).startsWith("{\"detail\":").doesNotContain("gateway_");
        assertThat(anonymous.headers().firstValue("cache-control")).hasValue("no-store");
        assertThat(scrape(mainPort.httpUri(), "Authorization", "Bearer " + TOKEN + "x")
                        .statusCode())
                .isEqualTo(401);

        HttpResponse<String> scraped = scrape(mainPort.httpUri(), "Authorization", "Bearer " + TOKEN);
        assertThat(scraped.statusCode()).isEqualTo(200);
        assertThat(scraped.body()).contains("gateway_ws_connections_open");
        assertThat(scraped.headers().firstValue("cache-control")).hasValue("no-store");
    }

    @Test
    void theMetricsPortNeverNeedsTheToken() throws Exception {
        URI metrics = separatePort.server().metricsUri();
        HttpResponse<String> scraped = scrape(metrics);
        assertThat(scraped.statusCode()).isEqualTo(200);
        assertThat(scraped.body()).contains("gateway_ws_connections_open");
        assertThat(scrape(separatePort.httpUri(), "Authorization", "Bearer " + TOKEN)
                        .statusCode())
                .as("not on the main port then")
                .isEqualTo(404);
    }

    @Test
    void withoutATokenTheMetricsArePublic() throws Exception {
        assertThat(scrape(noToken.httpUri()).statusCode()).isEqualTo(200);
    }
}
