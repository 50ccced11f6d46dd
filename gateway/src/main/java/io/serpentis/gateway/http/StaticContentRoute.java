package io.serpentis.gateway.http;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * Serves an in-memory {@link StaticAssets.Asset} with its content type and ETag; answers {@code If-None-Match}
 * with 304. Either a fixed asset (e.g. {@code /} → {@code /index.html}) or the asset named by the path.
 */
public final class StaticContentRoute implements HttpRoute {
    private final StaticAssets assets;
    private final @Nullable String fixedPath;
    private final HttpResponses responses;

    /** Serves the asset the request path names. */
    public StaticContentRoute(StaticAssets assets, HttpResponses responses) {
        this(assets, null, responses);
    }

    /** Serves {@code fixedPath} whatever the request path. */
    public StaticContentRoute(StaticAssets assets, @Nullable String fixedPath, HttpResponses responses) {
        this.assets = assets;
        this.fixedPath = fixedPath;
        this.responses = responses;
    }

    @Override
    public CompletionStage<FullHttpResponse> handle(HttpExchange exchange) {
        String path = fixedPath != null ? fixedPath : exchange.pathParams().get(0);
        StaticAssets.Asset asset = assets.get(path);
        if (asset == null) {
            return CompletableFuture.completedFuture(
                    responses.detail(exchange.alloc(), HttpResponseStatus.NOT_FOUND, "Not Found"));
        }
        String ifNoneMatch = exchange.request().headers().get(HttpHeaderNames.IF_NONE_MATCH);
        FullHttpResponse r;
        if (ifNoneMatch != null && matches(ifNoneMatch, asset.etag())) {
            r = HttpResponses.empty(HttpResponseStatus.NOT_MODIFIED);
            r.headers().remove(HttpHeaderNames.CONTENT_LENGTH);
        } else {
            // The asset's array is never modified, so wrapping it is safe and copies nothing.
            r = HttpResponses.response(
                    HttpResponseStatus.OK, Unpooled.wrappedBuffer(asset.bytes()), asset.contentType());
        }
        if (asset.contentType().startsWith("text/html")) {
            SecurityHeaders.setHtmlPage(r.headers(), path);
        }
        r.headers().set(HttpHeaderNames.ETAG, asset.etag());
        r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
        return CompletableFuture.completedFuture(r);
    }

    private static boolean matches(String ifNoneMatch, String etag) {
        for (String candidate : ifNoneMatch.split(",")) {
            String c = candidate.trim();
            if (c.startsWith("W/")) {
                c = c.substring(2);
            }
            if (c.equals(etag) || c.equals("*")) {
                return true;
            }
        }
        return false;
    }
}
