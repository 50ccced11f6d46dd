package io.serpentis.gateway.feed;

import io.netty.channel.ChannelHandlerContext;
import io.serpentis.gateway.config.WsConfig;
import io.serpentis.gateway.ws.WsCloseCodes;
import io.serpentis.gateway.ws.WsEndpointHandler;

/**
 * Last stage of a {@code /ws/dashboard} connection once upgraded (in place of the status protocol's frame
 * handler): the shared endpoint stage ({@link WsEndpointHandler}) with a {@link DashboardViewer}, registered with
 * the {@link DashboardFeed} when the handshake completes (or closed with 1013 when the feed is full) and
 * unregistered when the channel closes. Not sharable.
 */
public final class DashboardViewerHandler extends WsEndpointHandler<DashboardViewer> {
    /**
     * The subprotocol a browser may offer next to {@code bearer.<admin token>} (the browser's WebSocket API cannot
     * set an {@code Authorization} header); the gateway selects this one, so the token is never echoed.
     */
    public static final String SUBPROTOCOL = "serpentis.dashboard.v1";

    private final DashboardFeed feed;
    private final WsConfig wsConfig;

    /**
     * @param httpRoutingStage the name of the HTTP routing stage, removed once the WebSocket is open
     * @param aggregatorStage the name of the frame aggregator, added with the first fragmented message
     */
    public DashboardViewerHandler(
            DashboardFeed feed, WsConfig wsConfig, String httpRoutingStage, String aggregatorStage) {
        super(httpRoutingStage, aggregatorStage, wsConfig.maxFrameBytes());
        this.feed = feed;
        this.wsConfig = wsConfig;
    }

    @Override
    protected DashboardViewer open(ChannelHandlerContext ctx) {
        DashboardViewer viewer = new DashboardViewer(ctx, feed, wsConfig);
        ctx.channel().attr(DashboardViewer.KEY).set(viewer);
        return viewer;
    }

    @Override
    protected void opened(DashboardViewer viewer) {
        if (!feed.addViewer(viewer)) {
            feed.metrics().viewerDropped(DropReason.LIMIT);
            viewer.handshake().sendClose(WsCloseCodes.TRY_AGAIN_LATER);
        }
    }
}
