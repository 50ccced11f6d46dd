package io.serpentis.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.serpentis.gateway.command.Operations;
import io.serpentis.gateway.config.GatewayConfig;
import io.serpentis.gateway.config.MetricsConfig;
import io.serpentis.gateway.fleet.FleetHistory;
import io.serpentis.gateway.http.AccessPolicy;
import io.serpentis.gateway.http.HttpResponses;
import io.serpentis.gateway.http.HttpRouter;
import io.serpentis.gateway.metrics.GatewayMetrics;
import io.serpentis.gateway.registry.LocalClientRegistry;
import io.serpentis.gateway.store.EmbeddedStatusStore;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/**
 * The route tables {@link GatewayServer} serves: which routes leave the event loop, and what the separate metrics
 * listener holds. (Which routes are admin is checked against the OpenAPI document by AdminPolicyCoverageIT.)
 */
class GatewayRoutesTest {
    private final GatewayConfig config = GatewayConfig.defaults();
    private final HttpResponses responses =
            new HttpResponses(JsonMapper.builder().build());
    private final LocalClientRegistry registry = new LocalClientRegistry(config.limits(), config.registry(), "t");

    @Test
    void theMainPortOffloadsTheListingsTheFleetSummaryAndTheScrapeOnly() {
        HttpRouter main = GatewayServerAccess.routes(
                config, responses, registry, new EmbeddedStatusStore(), new GatewayMetrics(new SimpleMeterRegistry()));
        assertThat(main.endpoints())
                .filteredOn(HttpRouter.Endpoint::offloaded)
                .extracting(HttpRouter.Endpoint::template)
                .containsExactlyInAnyOrder(
                        "/statuses", "/api/v1/clients", "/api/v1/fleet/summary", "/api/v1/commands", "/metrics");
    }

    @Test
    void theMetricsListenerServesTheScrapeAndLivenessOnlyInPublic() {
        GatewayConfig separate = config.withMetrics(m -> new MetricsConfig(9100));
        HttpRouter metrics = new GatewayRoutes(
                        separate,
                        responses,
                        new AccessPolicy(separate.security()),
                        registry,
                        new EmbeddedStatusStore(),
                        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                        Runnable::run,
                        () -> false,
                        null,
                        FleetHistory.create(
                                separate.feed(),
                                registry,
                                () -> 0,
                                "test",
                                null,
                                null,
                                separate.redis().commandTimeout()),
                        Operations.create(separate.operations(), registry, null, null, "test"))
                .metricsListener();
        assertThat(metrics.endpoints())
                .extracting(HttpRouter.Endpoint::template, HttpRouter.Endpoint::guard, HttpRouter.Endpoint::offloaded)
                .containsExactly(
                        tuple("/metrics", HttpRouter.Guard.PUBLIC, true),
                        tuple("/livez", HttpRouter.Guard.PUBLIC, false));
    }
}
