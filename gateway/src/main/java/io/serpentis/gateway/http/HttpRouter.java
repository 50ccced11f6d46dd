package io.serpentis.gateway.http;

import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Maps a path to its route. Exact paths first, then templates with path parameters, then static assets. A path
 * parameter is one raw segment, percent-decoded after splitting, so an id containing {@code /} (sent as
 * {@code %2F}) stays addressable. Immutable once built; shared by every connection.
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

    /**
     * A route with the methods it answers. The answers of a guarded route (any but {@link Guard#PUBLIC}) carry
     * {@code Cache-Control: no-store}.
     *
     * @param template the path template, as in the OpenAPI document (for logs and metrics)
     * @param methods methods answered; {@code HEAD} is implied by {@code GET}
     * @param route the handler
     * @param guard the {@link AccessPolicy} rules that apply
     */
    public record Endpoint(String template, Set<HttpMethod> methods, HttpRoute route, Guard guard) {

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
            for (HttpMethod m : List.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.POST, HttpMethod.PUT,
                    HttpMethod.DELETE)) {
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
    private final HttpResponses responses;
    private final AccessPolicy access;

    private HttpRouter(Builder b) {
        this.access = java.util.Objects.requireNonNull(b.access, "access");
        this.responses = java.util.Objects.requireNonNull(b.responses, "responses");
        this.exact = Map.copyOf(b.exact);
        this.templates = List.copyOf(b.templates);
        this.assets = b.assets;
        this.staticAssets = b.staticAssets;
    }

    /** Who may use admin routes and open WebSockets. */
    public AccessPolicy access() {
        return access;
    }

    /** The response builder every route shares. */
    public HttpResponses responses() {
        return responses;
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

    public static Builder builder() {
        return new Builder();
    }

    /** Collects routes. */
    public static final class Builder {
        private final Map<String, Endpoint> exact = new HashMap<>();
        private final java.util.ArrayList<Template> templates = new java.util.ArrayList<>();
        private @Nullable Endpoint assets;
        private @Nullable StaticAssets staticAssets;
        private @Nullable HttpResponses responses;
        private @Nullable AccessPolicy access;

        /** Sets the access policy. */
        public Builder access(AccessPolicy policy) {
            this.access = policy;
            return this;
        }

        /** Sets the response builder. */
        public Builder responses(HttpResponses r) {
            this.responses = r;
            return this;
        }

        /** Adds a public {@code route} at exactly {@code path}. */
        public Builder exact(String path, Set<HttpMethod> methods, HttpRoute route) {
            return exact(path, methods, route, false);
        }

        /** Adds {@code route} at exactly {@code path}; {@code admin} routes are guarded by the access policy. */
        public Builder exact(String path, Set<HttpMethod> methods, HttpRoute route, boolean admin) {
            return exact(path, methods, route, admin ? Guard.ADMIN : Guard.PUBLIC);
        }

        /** Adds {@code route} at exactly {@code path}, checked by the access policy's {@code guard} rules. */
        public Builder exact(String path, Set<HttpMethod> methods, HttpRoute route, Guard guard) {
            exact.put(path, new Endpoint(path, methods, route, guard));
            return this;
        }

        /**
         * Adds a template such as {@code /clients/{client_id}/pause}: {@code {name}} segments become parameters
         * (non-empty, percent-decoded), other segments must match literally.
         */
        public Builder template(String template, Set<HttpMethod> methods, HttpRoute route, boolean admin) {
            String[] parts = template.substring(1).split("/", -1);
            Endpoint endpoint = new Endpoint(template, methods, route, admin ? Guard.ADMIN : Guard.PUBLIC);
            templates.add(new Template(endpoint, segments -> {
                if (segments.length != parts.length) {
                    return null;
                }
                List<String> params = new java.util.ArrayList<>(2);
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

        /** Serves {@code assets} for any path they contain, after the routes above. */
        public Builder assets(StaticAssets assets, HttpRoute route) {
            this.staticAssets = assets;
            this.assets = new Endpoint("/{asset}", Set.of(HttpMethod.GET), route, Guard.PUBLIC);
            return this;
        }

        public HttpRouter build() {
            return new HttpRouter(this);
        }
    }
}
