package io.serpentis.gateway.http;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.serpentis.gateway.metrics.GatewayMetrics;
import io.serpentis.gateway.security.RefusalReason;
import java.util.List;

/**
 * Netty's aggregator with the gateway's answer to a body over the limit: {@code 413 {"detail": ...}}, then the
 * connection is closed and nothing after the oversized request is passed on (Netty's own answer has an empty
 * body, and keeps a keep-alive connection open when the body has not been sent yet). Not sharable.
 */
public final class BoundedHttpObjectAggregator extends HttpObjectAggregator {
    private final HttpResponses responses;
    private final GatewayMetrics metrics;
    private boolean closing;

    public BoundedHttpObjectAggregator(int maxContentBytes, HttpResponses responses, GatewayMetrics metrics) {
        super(maxContentBytes);
        this.responses = responses;
        this.metrics = metrics;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, HttpObject msg, List<Object> out) throws Exception {
        if (closing) {
            return; // the base class releases msg
        }
        super.decode(ctx, msg, out);
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) throws Exception {
        if (!(oversized instanceof HttpRequest)) {
            super.handleOversizedMessage(ctx, oversized);
            return;
        }
        closing = true;
        metrics.security().refused(RefusalReason.HTTP_BODY_TOO_LARGE);
        String detail = "Request body larger than " + maxContentLength() + " bytes (--http-max-content-bytes)";
        ctx.writeAndFlush(HttpResponses.closing(
                        responses.detail(ctx.alloc(), HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, detail)))
                .addListener(ChannelFutureListener.CLOSE);
    }
}
