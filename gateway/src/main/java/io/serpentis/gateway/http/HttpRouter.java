package io.serpentis.gateway.http;

import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The route table: maps a path to its {@link Endpoint}, and runs the endpoint's route where the table says.
 * Exact paths first, then templates with path parameters, then static assets. A path parameter is one raw segment,
 * percent-decoded after splitting, so an id containing {@code /} (sent as {@code %2F}) stays addressable.
 *
 * <p>Each route declares, in the table, the methods it answers, who may call it ({@link Guard}) and whether it runs
 * off the event loop, as Armeria's {@code ServerBuilder.route()} does:
 *
 * <pre>{@code
 * HttpRouter.builder()
 *         .responses(responses)
 *         .access(policy)
 *         .blockingTaskExecutor(executor)
 *         .route("/statuses").get().admin().offloaded().to(new StatusesRoute(registry, store, responses))
 *         .route("/clients/{client_id}/pause").post().admin().to(pauseRoute)
 *         .build();
 * }</pre>
 *
 * <p>Immutable once built; shared by every connection of a listener.
 */
public final class HttpRouter {

    /** Which of the {@link AccessPolicy}'s rules a route is checked by before its handler runs. */
    public enum Guard {
        /** None: static pages, health, the documents. */
        PUBLIC,
        /** The admin rules ({@link AccessPolicy#checkAdmin}). */
        ADMIN,
        /** The admin token while one is configured, none otherwise ({@link AccessPolicy#checkScrape}). */
        TOKEN_WHEN_CONFIGURED
    }

    /** The {@code detail} of the 503 answered when the blocking-task executor takes no more work. */
    static final String BUSY = "Too many requests in progress; retry shortly";

    /**
     * A route with the methods it answers. The answers of a guarded route (any but {@link Guard#PUBLIC}) carry
     * {@code Cache-Control: no-store}.
     *
     * @param template the path template, as in the OpenAPI document (for logs and metrics)
     * @param methods methods answered; {@code HEAD} is implied by {@code GET}
     * @param route the handler
     * @param guard the {@link AccessPolicy} rules that apply
     * @param offloaded whether the route runs on the router's blocking-task executor instead of the event loop
     */
    public record Endpoint(String template, Set<HttpMethod> methods, HttpRoute route, Guard guard, boolean offloaded) {

        public Endpoint {
            methods = Set.copyOf(methods);
        }

        /** Whether the {@link AccessPolicy}'s admin rules apply. */
        public boolean admin() {
            return guard == Guard.ADMIN;
        }

        /** Whether {@code method} is answered. */
        public boolean allows(HttpMethod method) {
            return methods.contains(method) || (HttpMethod.HEAD.equals(method) && methods.contains(HttpMethod.GET));
        }

        /** The {@code Allow} header value. */
        public String allowHeader() {
            StringBuilder b = new StringBuilder();
            for (HttpMethod m :
                    List.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.POST, HttpMethod.PUT, HttpMethod.DELETE)) {
                if (allows(m)) {
                    b.append(b.length() == 0 ? "" : ", ").append(m.name());
                }
            }
            return b.toString();
        }
    }

    /**
     * A matched request path.
     *
     * @param endpoint the route
     * @param params decoded path parameters
     */
    public record Match(Endpoint endpoint, List<String> params) {}

    /** A template {@code /prefix/{param}/...}: matched by a function over the raw path's segments. */
    private record Template(Endpoint endpoint, Function<String[], @Nullable List<String>> matcher) {}

    private final Map<String, Endpoint> exact;
    private final List<Template> templates;
    private final @Nullable Endpoint assets;
    private final @Nullable StaticAssets staticAssets;
    private final List<Endpoint> endpoints;
    private final HttpResponses responses;
    private final AccessPolicy access;
    private final @Nullable Executor blockingTasks;

    private HttpRouter(Builder b) {
        this.access = Objects.requireNonNull(b.access, "access");
        this.responses = Objects.requireNonNull(b.responses, "responses");
        this.exact = Map.copyOf(b.exact);
        this.templates = List.copyOf(b.templates);
        this.assets = b.assets;
        this.staticAssets = b.staticAssets;
        List<Endpoint> all = new ArrayList<>(b.declared.values());
        if (assets != null) {
            all.add(assets);
        }
        this.endpoints = Collections.unmodifiableList(all);
        this.blockingTasks = b.blockingTasks;
        for (Endpoint e : endpoints) {
            if (e.offloaded() && blockingTasks == null) {
                throw new IllegalStateException(
                        e.template() + " is offloaded but the router has no " + "blockingTaskExecutor");
            }
        }
    }

    /** Who may use admin routes and open WebSockets. */
    public AccessPolicy access() {
        return access;
    }

    /** The response builder every route shares. */
    public HttpResponses responses() {
        return responses;
    }

    /** Every endpoint, in the order declared, the static assets' last (for tests and documentation checks). */
    public List<Endpoint> endpoints() {
        return endpoints;
    }

    /** The route for {@code rawPath} (still percent-encoded, no query), or {@code null} for a 404. */
    public @Nullable Match match(String rawPath) {
        Endpoint e = exact.get(rawPath);
        if (e != null) {
            return new Match(e, List.of());
        }
        String[] segments = rawPath.length() > 1 ? rawPath.substring(1).split("/", -1) : new String[0];
        for (Template t : templates) {
            List<String> params = t.matcher().apply(segments);
            if (params != null) {
                return new Match(t.endpoint(), params);
            }
        }
        if (assets != null && staticAssets != null) {
            String decoded = decodeSegment(rawPath);
            if (decoded != null && staticAssets.get(decoded) != null) {
                return new Match(assets, List.of(decoded));
            }
        }
        return null;
    }

    /**
     * Runs {@code endpoint}'s route for {@code exchange}: at once on the calling event loop, or, for an
     * {@link Endpoint#offloaded() offloaded} route (CPU-heavy answers such as listings and scrapes), on the
     * blocking-task executor. That executor is bounded: when it takes no more work the answer is 503 at once, never
     * an unbounded queue. An offloaded route sees its request as an inline one does: it holds a reference to the
     * request until its {@link HttpRoute#handle} returns.
     */
    public CompletionStage<FullHttpResponse> handle(Endpoint endpoint, HttpExchange exchange) {
        if (!endpoint.offloaded()) {
            return endpoint.route().handle(exchange);
        }
        Executor executor = Objects.requireNonNull(blockingTasks);
        exchange.request().retain(); // the caller releases its own reference once this returns
        CompletableFuture<CompletionStage<FullHttpResponse>> task;
        try {
            task = CompletableFuture.supplyAsync(
                    () -> {
                        try {
                            return endpoint.route().handle(exchange);
                        } finally {
                            exchange.request().release();
                        }
                    },
                    executor);
        } catch (RejectedExecutionException e) {
            exchange.request().release();
            return CompletableFuture.completedFuture(
                    responses.detail(exchange.alloc(), HttpResponseStatus.SERVICE_UNAVAILABLE, BUSY));
        }
        return task.thenCompose(Function.identity());
    }

    /**
     * Percent-decodes a raw path (segment). A {@code +} stays a plus: it means a space only in a query (RFC 3986
     * section 3.3), and the original's Starlette decodes paths the same way. Returns {@code null} for a malformed
     * escape, which then matches no route (404) instead of failing the request (500).
     */
    private static @Nullable String decodeSegment(String raw) {
        try {
            return QueryStringDecoder.decodeComponent(raw.replace("+", "%2B"));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** A builder with no routes. */
    public static Builder builder() {
        return new Builder();
    }

    /** Collects the route table. Not thread-safe; {@link #build()} copies what it collected. */
    public static final class Builder {
        private final Map<String, Endpoint> declared = new LinkedHashMap<>();
        private final Map<String, Endpoint> exact = new HashMap<>();
        private final List<Template> templates = new ArrayList<>();
        private @Nullable Endpoint assets;
        private @Nullable StaticAssets staticAssets;
        private @Nullable HttpResponses responses;
        private @Nullable AccessPolicy access;
        private @Nullable Executor blockingTasks;

        private Builder() {}

        /** Sets the access policy (required). */
        public Builder access(AccessPolicy policy) {
            this.access = policy;
            return this;
        }

        /** Sets the response builder (required). */
        public Builder responses(HttpResponses r) {
            this.responses = r;
            return this;
        }

        /**
         * Sets where {@link RouteBuilder#offloaded() offloaded} routes run: an executor with a bounded queue that
         * throws {@link RejectedExecutionException} when full (answered 503). Required when a route is offloaded.
         */
        public Builder blockingTaskExecutor(Executor executor) {
            this.blockingTasks = executor;
            return this;
        }

        /**
         * Starts the declaration of the route at {@code path}: an exact path such as {@code /statuses}, or a
         * template such as {@code /clients/{client_id}/pause}, whose {@code {name}} segments become parameters
         * (non-empty, percent-decoded) while its other segments must match literally. Public and run on the event
         * loop unless declared otherwise; finish with {@link RouteBuilder#to}.
         */
        public RouteBuilder route(String path) {
            if (!path.startsWith("/")) {
                throw new IllegalArgumentException("a route's path starts with '/': " + path);
            }
            return new RouteBuilder(this, path);
        }

        /** Serves {@code assets} for any path they contain, after the routes above, to {@code GET}; public. */
        public Builder assets(StaticAssets assets, HttpRoute route) {
            this.staticAssets = assets;
            this.assets = new Endpoint("/{asset}", Set.of(HttpMethod.GET), route, Guard.PUBLIC, false);
            return this;
        }

        /** The router; fails if a required part is missing or an offloaded route has no executor. */
        public HttpRouter build() {
            return new HttpRouter(this);
        }

        private Builder add(Endpoint endpoint) {
            String path = endpoint.template();
            if (declared.putIfAbsent(path, endpoint) != null) {
                throw new IllegalStateException("route declared twice: " + path);
            }
            if (!path.contains("{")) {
                exact.put(path, endpoint);
                return this;
            }
            String[] parts = path.substring(1).split("/", -1);
            templates.add(new Template(endpoint, segments -> {
                if (segments.length != parts.length) {
                    return null;
                }
                List<String> params = new ArrayList<>(2);
                for (int i = 0; i < parts.length; i++) {
                    if (parts[i].startsWith("{")) {
                        if (segments[i].isEmpty()) {
                            return null;
                        }
                        String param = decodeSegment(segments[i]);
                        if (param == null) {
                            return null;
                        }
                        params.add(param);
                    } else if (!parts[i].equals(segments[i])) {
                        return null;
                    }
                }
                return params;
            }));
            return this;
        }
    }

    /** One route's declaration: its methods, its guard and where it runs; {@link #to} adds it to the table. */
    public static final class RouteBuilder {
        private final Builder table;
        private final String path;
        private final Set<HttpMethod> methods = new LinkedHashSet<>();
        private Guard guard = Guard.PUBLIC;
        private boolean offloaded;

        private RouteBuilder(Builder table, String path) {
            this.table = table;
            this.path = path;
        }

        /** Answers {@code GET} (and so {@code HEAD}). */
        public RouteBuilder get() {
            return methods(HttpMethod.GET);
        }

        /** Answers {@code POST}. */
        public RouteBuilder post() {
            return methods(HttpMethod.POST);
        }

        /** Answers {@code first} and {@code more}. */
        public RouteBuilder methods(HttpMethod first, HttpMethod... more) {
            methods.add(first);
            Collections.addAll(methods, more);
            return this;
        }

        /** Checked by the admin rules ({@link AccessPolicy#checkAdmin}) before the route runs. */
        public RouteBuilder admin() {
            return guard(Guard.ADMIN);
        }

        /** Checked by {@code guard}'s rules before the route runs ({@link Guard#PUBLIC} unless declared). */
        public RouteBuilder guard(Guard guard) {
            this.guard = Objects.requireNonNull(guard, "guard");
            return this;
        }

        /** Runs on the router's blocking-task executor instead of the event loop (see {@link HttpRouter#handle}). */
        public RouteBuilder offloaded() {
            this.offloaded = true;
            return this;
        }

        /** Adds the route, served by {@code route}, and returns the table for the next declaration. */
        public Builder to(HttpRoute route) {
            if (methods.isEmpty()) {
                throw new IllegalStateException("no method declared for " + path);
            }
            return table.add(new Endpoint(path, methods, Objects.requireNonNull(route, "route"), guard, offloaded));
        }
    }
}
