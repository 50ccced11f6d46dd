package io.serpentis.gateway.pipeline;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.serpentis.gateway.config.GatewayConfig;
import io.serpentis.gateway.config.RedisConfig;
import io.serpentis.gateway.feed.DashboardFeed;
import io.serpentis.gateway.feed.DashboardViewerHandler;
import io.serpentis.gateway.http.HttpRouter;
import io.serpentis.gateway.http.HttpRoutingHandler;
import io.serpentis.gateway.http.WsEndpoint;
import io.serpentis.gateway.metrics.ConnectionMetricsHandler;
import io.serpentis.gateway.metrics.GatewayMetrics;
import io.serpentis.gateway.registry.ClientRegistry;
import io.serpentis.gateway.security.ConnectionLimiter;
import io.serpentis.gateway.ws.WsFrameHandler;
import io.serpentis.gateway.ws.WsMessageCodec;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Builds every connection's pipeline; the stage order is documented in {@link PipelineNames}. Shared objects and
 * Netty's protocol configs are built once, here in the constructor; {@link #initChannel} only assembles.
 */
public final class GatewayChannelInitializer extends ChannelInitializer<Channel> {
    private final GatewayConfig config;
    private final HttpRouter router;
    private final ClientRegistry registry;
    private final Supplier<String> redisStatus;
    private final WsMessageCodec codec;
    private final WsFrameHandler.Mode mode;
    private final ChannelGroup channels;
    private final GatewayMetrics metrics;
    private final DashboardFeed feed;
    private final ConnectionMetricsHandler connectionMetrics;
    private final HttpDecoderConfig httpDecoderConfig;
    private final WebSocketServerProtocolConfig wsProtocolConfig;
    private final WebSocketServerProtocolConfig feedProtocolConfig;
    private final Map<String, WsEndpoint> wsEndpoints;
    private final AcceptGate acceptGate;

    /**
     * @param connections the accept-time socket limits, shared with every other listener
     * @param redisStatus the store's {@code redis_status}, read for every ack (a cheap volatile read)
     */
    public GatewayChannelInitializer(
            GatewayConfig config,
            HttpRouter router,
            ConnectionLimiter connections,
            ClientRegistry registry,
            Supplier<String> redisStatus,
            WsMessageCodec codec,
            GatewayMetrics metrics,
            WsFrameHandler.Mode mode,
            ChannelGroup channels,
            DashboardFeed feed) {
        this.metrics = metrics;
        this.connectionMetrics = new ConnectionMetricsHandler(metrics.connections());
        this.config = config;
        this.router = router;
        this.registry = registry;
        this.redisStatus = redisStatus;
        this.codec = codec;
        this.mode = mode;
        this.channels = channels;
        this.feed = feed;
        this.httpDecoderConfig = HttpStages.decoderConfig(config.http());
        this.acceptGate = new AcceptGate(connections, router.responses(), metrics);
        WebSocketDecoderConfig decoderConfig = WebSocketDecoderConfig.newBuilder()
                .maxFramePayloadLength(config.ws().maxFrameBytes())
                .expectMaskedFrames(true)
                .allowMaskMismatch(false)
                .allowExtensions(false) // no permessage-deflate: no decompression bombs, no CRIME/BREACH (OWASP)
                .closeOnProtocolViolation(true)
                .withUTF8Validator(true)
                .build();
        // Both endpoints share the protocol stage's decoder limits and close handling; each adds its WebSocket
        // stages once its upgrade is accepted (a plain HTTP connection never carries them): /ws a protocol stage
        // that selects no subprotocol, whatever a client offers, the dashboard feed one that selects its own.
        this.wsEndpoints = Map.of(
                config.ws().path(), WsEndpoint.forClients(config.ws().path(), this::statusProtocol),
                config.feed().path(), WsEndpoint.admin(config.feed().path(), this::dashboardViewer));
        this.wsProtocolConfig = WebSocketServerProtocolConfig.newBuilder()
                .websocketPath("/")
                .checkStartsWith(true) // HttpRoutingHandler forwards only the endpoints' exact paths (query allowed)
                .handshakeTimeoutMillis(config.ws().handshakeTimeout().toMillis())
                .handleCloseFrames(false) // WsSession answers close frames itself (RFC 6455 echo, Autobahn 7.x)
                .sendCloseFrame(null)
                .dropPongFrames(true)
                .decoderConfig(decoderConfig)
                .build();
        this.feedProtocolConfig = wsProtocolConfig.toBuilder()
                .subprotocols(DashboardViewerHandler.SUBPROTOCOL) // selected for a browser that offers its token
                .build();
    }

    @Override
    protected void initChannel(Channel ch) {
        if (!acceptGate.admit(ch)) {
            return; // refused for its address (answered 429) or over the socket cap (closed unread)
        }
        channels.add(ch);
        ChannelPipeline p = ch.pipeline();
        p.addLast(PipelineNames.CONNECTION_METRICS, connectionMetrics);
        HttpStages.addLast(p, config, httpDecoderConfig, router.responses(), metrics);
        p.addLast(PipelineNames.HTTP_ROUTING, new HttpRoutingHandler(router, wsEndpoints, metrics));
    }

    /** The status protocol's WebSocket stages, added behind the routing stage once a {@code /ws} upgrade passed. */
    private void statusProtocol(ChannelPipeline p) {
        addWebSocketStages(
                p,
                wsProtocolConfig,
                PipelineNames.WS_FRAMES,
                new WsFrameHandler(
                        registry,
                        codec,
                        redisStatus,
                        config.ws(),
                        metrics.ws(),
                        mode,
                        PipelineNames.HTTP_ROUTING,
                        PipelineNames.WS_AGGREGATOR,
                        config.redis().ackMode() == RedisConfig.AckMode.DURABLE));
    }

    /** The dashboard feed's WebSocket stages: a protocol stage that selects its subprotocol, and its viewer. */
    private void dashboardViewer(ChannelPipeline p) {
        addWebSocketStages(
                p,
                feedProtocolConfig,
                PipelineNames.DASHBOARD_VIEWER,
                new DashboardViewerHandler(feed, config.ws(), PipelineNames.HTTP_ROUTING, PipelineNames.WS_AGGREGATOR));
    }

    /**
     * Adds protocol and {@code last} behind the routing stage (the last stage adds the frame aggregator in front of
     * itself with the first fragmented message). Netty's protocol stage adds its handshake stage in front of itself
     * as it is added (on the event loop, so at once), ready for the upgrade request the routing stage passes on next.
     */
    private void addWebSocketStages(
            ChannelPipeline p, WebSocketServerProtocolConfig protocol, String lastName, ChannelHandler last) {
        p.addAfter(PipelineNames.HTTP_ROUTING, PipelineNames.WS_PROTOCOL, new WebSocketServerProtocolHandler(protocol));
        p.addAfter(PipelineNames.WS_PROTOCOL, lastName, last);
    }
}
