package io.serpentis.gateway.http;

import io.netty.handler.codec.http.HttpHeaders;

/**
 * The browser-facing security headers. Every response: {@code X-Content-Type-Options: nosniff},
 * {@code Referrer-Policy: no-referrer} and a {@code Content-Security-Policy} that lets nothing load and nothing frame
 * it. HTML pages get a policy of their own that allows only the gateway's own origin and only what the page needs,
 * with {@code frame-ancestors 'none'} (clickjacking) and {@code X-Frame-Options: DENY} for older browsers.
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
     * Swagger UI: its bundled script and stylesheet, the OpenAPI document and "try it out" calls to the gateway,
     * and {@code data:} images (the stylesheet's SVG icons): the dashboard's policy, kept as one so they cannot drift.
     * Checked in headless Chromium: no violation.
     */
    public static final String CSP_SWAGGER_UI = CSP_DASHBOARD;

    /**
     * ReDoc: as Swagger UI, plus {@code 'unsafe-inline'} styles (ReDoc styles itself at run time through
     * styled-components, which injects {@code <style>} elements) and {@code worker-src blob:} (its search index
     * runs in a worker built from a blob). Checked in headless Chromium: the one violation left is ReDoc's attempt
     * to load its logo from its CDN, which the policy blocks on purpose (no request leaves the gateway).
     */
    public static final String CSP_REDOC = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            + "img-src 'self' data:; connect-src 'self'; worker-src blob:; base-uri 'none'; form-action 'none'; "
            + "frame-ancestors 'none'";

    private SecurityHeaders() {}

    /** Sets the headers every response carries. */
    public static void setDefaults(HttpHeaders headers) {
        headers.set("X-Content-Type-Options", "nosniff");
        headers.set("Referrer-Policy", "no-referrer");
        headers.set("Content-Security-Policy", CSP_NONE);
    }

    /** Sets the policy of the HTML page served from {@code assetPath} (e.g. {@code /index.html}). */
    public static void setHtmlPage(HttpHeaders headers, String assetPath) {
        String policy = assetPath.startsWith("/docs/")
                ? CSP_SWAGGER_UI
                : assetPath.startsWith("/redoc/") ? CSP_REDOC : CSP_DASHBOARD;
        headers.set("Content-Security-Policy", policy);
        headers.set("X-Frame-Options", "DENY");
    }
}
