package io.serpentis.gateway.http;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.concurrent.EventExecutor;
import java.net.SocketAddress;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One request as a route sees it. The request is valid only while {@link HttpRoute#handle} runs: the routing
 * handler releases it right after.
 *
 * @param request the aggregated request
 * @param path the decoded path without the query
 * @param pathParams the percent-decoded path parameters of the matched route, in order
 * @param query the percent-decoded query parameters, in order (empty without a query); a request whose query does
 *     not decode never reaches a route (400, see {@link #decodeQuery})
 * @param alloc the channel's allocator
 * @param executor the channel's event loop
 * @param remote the peer's address, when known (the audit trail's actor without an admin token)
 */
public record HttpExchange(
        FullHttpRequest request,
        String path,
        List<String> pathParams,
        Map<String, List<String>> query,
        ByteBufAllocator alloc,
        EventExecutor executor,
        @Nullable SocketAddress remote) {

    /** An exchange whose peer is not known. */
    public HttpExchange(
            FullHttpRequest request,
            String path,
            List<String> pathParams,
            Map<String, List<String>> query,
            ByteBufAllocator alloc,
            EventExecutor executor) {
        this(request, path, pathParams, query, alloc, executor, null);
    }

    /** The {@code detail} of the 400 answered for a query with a malformed percent escape. */
    public static final String MALFORMED_QUERY =
            "Malformed query string: a '%' must start an escape of two hexadecimal digits (send a literal % as %25)";

    /**
     * The query parameters of {@code uri}, or {@code null} when a percent escape in them is malformed ({@code %},
     * {@code %z}, {@code %zz}): peer input, so a bad request rather than the {@code IllegalArgumentException}
     * Netty's decoder throws. A {@code +} is a space, as in HTML forms.
     */
    public static @Nullable Map<String, List<String>> decodeQuery(QueryStringDecoder uri) {
        try {
            return uri.parameters();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** The first value of query parameter {@code name}, or {@code null} without one. */
    public @Nullable String queryParam(String name) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    /**
     * Query parameter {@code name} as a whole number from 1 to {@code max}, or {@code absent} without one.
     *
     * @throws IllegalArgumentException when it is anything else (its message is the answer's {@code detail})
     */
    public int countParam(String name, int absent, int max) {
        String text = queryParam(name);
        if (text == null) {
            return absent;
        }
        int n;
        try {
            n = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            n = -1;
        }
        if (n < 1 || n > max) {
            throw new IllegalArgumentException(name + " must be an integer from 1 to " + max);
        }
        return n;
    }

    /** Every value of query parameter {@code name}, in order (empty without one). */
    public List<String> queryParams(String name) {
        return query.getOrDefault(name, List.of());
    }
}
