package io.serpentis.gateway;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.serpentis.gateway.command.Operations;
import io.serpentis.gateway.config.GatewayConfig;
import io.serpentis.gateway.fleet.Fleet;
import io.serpentis.gateway.fleet.FleetHistory;
import io.serpentis.gateway.http.AccessPolicy;
import io.serpentis.gateway.http.AuditRoute;
import io.serpentis.gateway.http.BulkCommandRoute;
import io.serpentis.gateway.http.ClientDetailRoute;
import io.serpentis.gateway.http.ClientListRoute;
import io.serpentis.gateway.http.CommandApiRoute;
import io.serpentis.gateway.http.CommandReceiptRoute;
import io.serpentis.gateway.http.FleetHistoryRoute;
import io.serpentis.gateway.http.FleetSummaryRoute;
import io.serpentis.gateway.http.HealthRoutes;
import io.serpentis.gateway.http.HttpResponses;
import io.serpentis.gateway.http.HttpRouter;
import io.serpentis.gateway.http.LegacyCommandRoute;
import io.serpentis.gateway.http.MetricsRoute;
import io.serpentis.gateway.http.NodesRoute;
import io.serpentis.gateway.http.StaticAssets;
import io.serpentis.gateway.http.StaticContentRoute;
import io.serpentis.gateway.http.StatusesRoute;
import io.serpentis.gateway.http.UpgradeRequiredRoute;
import io.serpentis.gateway.registry.ClientCommand;
import io.serpentis.gateway.registry.ClientRegistry;
import io.serpentis.gateway.store.StatusStore;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The gateway's route and asset catalogue: what each listener serves, who may call each route (its
 * {@link HttpRouter.Guard}) and whether it runs off the event loop. {@link GatewayServer} builds the routers from
 * it at start; tests build the very same tables through it. Every path here is documented in {@code openapi.json}
 * (OpenApiIT), and every admin route is marked there too (AdminPolicyCoverageIT).
 */
final class GatewayRoutes {
    private final GatewayConfig config;
    private final HttpResponses responses;
    private final AccessPolicy access;
    private final ClientRegistry registry;
    private final StatusStore store;
    private final PrometheusMeterRegistry meterRegistry;
    private final Executor blockingTasks;
    private final BooleanSupplier draining;
    private final @Nullable Fleet fleet;
    private final FleetHistory history;
    private final Operations operations;

    /** A page the main port serves from its assets. */
    private record Page(String path, String asset) {}

    private static final List<Page> PAGES = List.of(
            new Page("/", "/index.html"),
            new Page("/static/status_display.html", "/index.html"), // the original's dashboard path
            new Page("/docs", "/docs/index.html"),
            new Page("/redoc", "/redoc/index.html"),
            new Page("/openapi.json", "/openapi.json"));

    /**
     * @param access the policy of every listener (one instance: one set of connection counters)
     * @param meterRegistry what {@code /metrics} scrapes
     * @param blockingTasks where offloaded routes run: bounded, rejecting when full (answered 503)
     * @param draining whether the gateway is shutting down ({@code /readyz})
     * @param fleet the fleet this node is a member of, whose view {@code /readyz} and {@code /api/v1/nodes}
     *     include; {@code null} outside one
     * @param history the fleet's last hour, for {@code /api/v1/fleet/history}
     * @param operations command receipts, the audit trail and bulk commands
     */
    GatewayRoutes(
            GatewayConfig config,
            HttpResponses responses,
            AccessPolicy access,
            ClientRegistry registry,
            StatusStore store,
            PrometheusMeterRegistry meterRegistry,
            Executor blockingTasks,
            BooleanSupplier draining,
            @Nullable Fleet fleet,
            FleetHistory history,
            Operations operations) {
        this.fleet = fleet;
        this.history = history;
        this.operations = operations;
        this.config = config;
        this.responses = responses;
        this.access = access;
        this.registry = registry;
        this.store = store;
        this.meterRegistry = meterRegistry;
        this.blockingTasks = blockingTasks;
        this.draining = draining;
    }

    /**
     * What the main port serves besides its routes: the dashboard, the API docs pages (webjars, loaded into memory
     * once) and {@code openapi.json}.
     */
    static StaticAssets staticAssets(ClassLoader loader) {
        return StaticAssets.builder()
                .addWebjarFiles(
                        loader,
                        "org.webjars",
                        "swagger-ui",
                        "/docs/",
                        "swagger-ui.css",
                        "swagger-ui-bundle.js",
                        "favicon-32x32.png")
                .addWebjarFiles(loader, "org.webjars.npm", "redoc", "/redoc/", "bundles/redoc.standalone.js")
                // ReDoc 2 shows its vendor's logo from a CDN in the side menu; with nothing to load the image
                // hides itself, and the page stays offline (DocsPagesBrowserIT).
                .replaceText("/redoc/redoc.standalone.js", "https://cdn.redoc.ly/redoc/logo-mini.svg", "data:,")
                .addClasspathDirectory(loader, "web", "index.html")
                .addClasspathResource(loader, "openapi.json", "/openapi.json")
                .build();
    }

    /** The main port's routes, then {@code assets} for any other path they hold. */
    HttpRouter main(StaticAssets assets) {
        HttpRouter.Builder b = router();
        for (Page page : PAGES) {
            b.route(page.path()).get().to(new StaticContentRoute(assets, page.asset(), responses));
        }
        b.route("/health")
                .get()
                .to(HealthRoutes.health(store, responses))
                .route("/livez")
                .get()
                .to(HealthRoutes.live(responses))
                .route("/readyz")
                .get()
                .to(HealthRoutes.ready(this::readiness, responses, draining))
                .route(config.ws().path())
                .get()
                .to(new UpgradeRequiredRoute(responses))
                // Admin, as its upgrade is.
                .route(config.feed().path())
                .get()
                .admin()
                .to(new UpgradeRequiredRoute(responses))
                .route("/statuses")
                .get()
                .admin()
                .offloaded()
                .to(new StatusesRoute(registry, store, responses))
                .route("/api/v1/clients")
                .get()
                .admin()
                .offloaded()
                .to(new ClientListRoute(registry, responses))
                .route("/api/v1/fleet/summary")
                .get()
                .admin()
                .offloaded()
                .to(new FleetSummaryRoute(registry, responses))
                .route("/api/v1/fleet/history")
                .get()
                .admin()
                .to(new FleetHistoryRoute(history, responses))
                .route("/api/v1/clients/{client_id}")
                .get()
                .admin()
                .to(new ClientDetailRoute(registry, responses))
                .route("/api/v1/clients/{client_id}/commands")
                .post()
                .admin()
                .to(new CommandApiRoute(operations.receipts(), registry, access, responses))
                .route("/api/v1/commands/{command_id}")
                .get()
                .admin()
                .to(new CommandReceiptRoute(operations.receipts(), responses))
                .route("/api/v1/commands")
                .post()
                .admin()
                .offloaded()
                .to(new BulkCommandRoute(operations.bulk(), access, responses))
                .route("/api/v1/audit")
                .get()
                .admin()
                .to(new AuditRoute(operations.audit(), responses))
                .route("/api/v1/nodes")
                .get()
                .admin()
                .to(new NodesRoute(
                        fleet != null ? fleet.members() : null,
                        config.server().effectiveNodeId(),
                        registry,
                        history::ownRate,
                        responses));
        for (ClientCommand c : ClientCommand.values()) {
            b.route("/clients/{client_id}/" + c.wireName())
                    .post()
                    .admin()
                    .to(new LegacyCommandRoute(operations.receipts(), registry, c, access, responses));
        }
        if (!config.metrics().separatePort()) {
            // On the public port the fleet's figures need the admin token while there is one.
            b.route("/metrics")
                    .get()
                    .guard(HttpRouter.Guard.TOKEN_WHEN_CONFIGURED)
                    .offloaded()
                    .to(new MetricsRoute(meterRegistry));
        }
        return b.assets(assets, new StaticContentRoute(assets, responses)).build();
    }

    /**
     * The routes of the separate metrics listener: {@code /metrics} and {@code /livez}, nothing else, public (the
     * listener is meant to be reachable only by the scraper); its requests must still name a served host.
     */
    HttpRouter metricsListener() {
        return router().route("/metrics")
                .get()
                .offloaded()
                .to(new MetricsRoute(meterRegistry))
                .route("/livez")
                .get()
                .to(HealthRoutes.live(responses))
                .build();
    }

    /** The store's readiness, and the fleet's for a member (isolated from Redis, joining: 503). */
    private StatusStore.Readiness readiness() {
        StatusStore.Readiness r = store.readiness();
        if (fleet == null) {
            return r;
        }
        StatusStore.Readiness f = fleet.readiness();
        Map<String, String> checks = new LinkedHashMap<>(r.checks());
        checks.putAll(f.checks());
        return new StatusStore.Readiness(r.ready() && f.ready(), checks);
    }

    private HttpRouter.Builder router() {
        return HttpRouter.builder().responses(responses).access(access).blockingTaskExecutor(blockingTasks);
    }
}
