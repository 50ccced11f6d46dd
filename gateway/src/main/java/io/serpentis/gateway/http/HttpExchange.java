package io.serpentis.gateway.http;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.util.concurrent.EventExecutor;
import java.util.List;

/**
 * One request as a route sees it. The request is valid only while {@link HttpRoute#handle} runs: the routing
 * handler releases it right after.
 *
 * @param request the aggregated request
 * @param path the decoded path without the query
 * @param pathParams the percent-decoded path parameters of the matched route, in order
 * @param alloc the channel's allocator
 * @param executor the channel's event loop
 */
public record HttpExchange(
        FullHttpRequest request, String path, List<String> pathParams, ByteBufAllocator alloc,
        EventExecutor executor) {}
