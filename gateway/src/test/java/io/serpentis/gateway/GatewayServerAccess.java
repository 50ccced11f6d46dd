package io.serpentis.gateway;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.serpentis.gateway.command.Operations;
import io.serpentis.gateway.config.GatewayConfig;
import io.serpentis.gateway.fleet.FleetHistory;
import io.serpentis.gateway.http.AccessPolicy;
import io.serpentis.gateway.http.HttpResponses;
import io.serpentis.gateway.http.HttpRouter;
import io.serpentis.gateway.http.StaticAssets;
import io.serpentis.gateway.metrics.GatewayMetrics;
import io.serpentis.gateway.registry.LocalClientRegistry;
import io.serpentis.gateway.security.ClientAuthenticator;
import io.serpentis.gateway.security.ConnectionLimiter;
import io.serpentis.gateway.store.StatusStore;

/** Test access to the package-private parts of {@link GatewayServer}. */
public final class GatewayServerAccess {
    /** Loaded once: immutable, and loading the docs pages' webjars takes a while. */
    private static final StaticAssets ASSETS = GatewayRoutes.staticAssets(GatewayServerAccess.class.getClassLoader());

    private GatewayServerAccess() {}

    /**
     * The main port's route table as {@link GatewayServer#start()} builds it ({@link GatewayRoutes}), over the given
     * registry and store; work the routes offload runs in place (on the caller, the channel's thread), and
     * {@code /metrics} scrapes a registry of its own.
     */
    public static HttpRouter routes(
            GatewayConfig config,
            HttpResponses responses,
            LocalClientRegistry registry,
            StatusStore store,
            GatewayMetrics metrics) {
        AccessPolicy access = new AccessPolicy(
                config.security(),
                new ClientAuthenticator(config.security().clientAuth()),
                new ConnectionLimiter(config.security().connections()),
                metrics);
        return new GatewayRoutes(
                        config,
                        responses,
                        access,
                        registry,
                        store,
                        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                        Runnable::run,
                        () -> false,
                        null,
                        FleetHistory.create(
                                config.feed(),
                                registry,
                                () -> 0,
                                "test",
                                null,
                                null,
                                config.redis().commandTimeout()),
                        Operations.create(config.operations(), registry, null, null, "test"))
                .main(ASSETS);
    }
}
