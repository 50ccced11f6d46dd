package io.serpentis.gateway.http;

import io.netty.handler.codec.http.HttpHeaders;

/**
 * The browser-facing security headers. Every response: {@code X-Content-Type-Options: nosniff},
 * {@code Referrer-Policy: no-referrer} and a {@code Content-Security-Policy} that lets nothing load and nothing frame
 * it. HTML pages get a policy of their own that allows only the gateway's own origin, with
 * {@code frame-ancestors 'none'} (clickjacking) and {@code X-Frame-Options: DENY} for older browsers.
 */
public final class SecurityHeaders {

    /** Any response that is not an HTML page: nothing may load from it, nothing may frame it. */
    public static final String CSP_NONE = "default-src 'none'; frame-ancestors 'none'";

    /**
     * The dashboard: its own script, stylesheet and API (same-origin fetches and WebSockets), nothing inline,
     * nothing from elsewhere.
     */
    public static final String CSP_DASHBOARD = "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /**
     * Swagger UI and ReDoc: their bundled scripts and the OpenAPI document, from the gateway only. Both set styles
     * at run time (ReDoc through styled-components, Swagger UI through inline style attributes), hence
     * {@code 'unsafe-inline'} for styles only; ReDoc runs its search index in a worker built from a blob; both use
     * {@code data:} images (icons).
     */
    public static final String CSP_API_DOCS = "default-src 'none'; script-src 'self'; style-src 'self' "
            + "'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; worker-src blob:; "
            + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private SecurityHeaders() {}

    /** Sets the headers every response carries. */
    public static void setDefaults(HttpHeaders headers) {
        headers.set("X-Content-Type-Options", "nosniff");
        headers.set("Referrer-Policy", "no-referrer");
        headers.set("Content-Security-Policy", CSP_NONE);
    }

    /** Sets the policy of the HTML page served from {@code assetPath} (e.g. {@code /index.html}). */
    public static void setHtmlPage(HttpHeaders headers, String assetPath) {
        boolean docs = assetPath.startsWith("/docs/") || assetPath.startsWith("/redoc/");
        headers.set("Content-Security-Policy", docs ? CSP_API_DOCS : CSP_DASHBOARD);
        headers.set("X-Frame-Options", "DENY");
    }
}
