package io.serpentis.gateway.ws;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.serpentis.gateway.config.WsConfig;
import io.serpentis.gateway.registry.ClientRegistry;
import java.util.function.Supplier;

/**
 * Last stage of a {@code /ws} connection once upgraded: the shared endpoint stage ({@link WsEndpointHandler}) with
 * a {@link WsSession} speaking the status protocol; the session stops reading a peer that does not drain what it
 * is sent, so an unread backlog is bounded by the write-buffer watermark. In {@link Mode#ECHO} (conformance
 * testing only) it echoes data messages instead. Not sharable.
 */
public final class WsFrameHandler extends WsEndpointHandler<WsSession> {

    /** What the endpoint does with data messages. */
    public enum Mode {
        /** The status protocol. */
        STATUS,
        /** Echo every data message (Autobahn|Testsuite); everything else behaves as in STATUS. */
        ECHO
    }

    private final ClientRegistry registry;
    private final WsMessageCodec codec;
    private final Supplier<String> redisStatus;
    private final WsConfig config;
    private final WsMetricsRecorder metrics;
    private final Mode mode;
    private final boolean durableAcks;

    /**
     * @param redisStatus the store's {@code redis_status}, read for every ack (a cheap volatile read)
     * @param httpRoutingStage the name of the HTTP routing stage, removed once the WebSocket is open
     * @param aggregatorStage the name of the frame aggregator, added with the first fragmented message
     * @param durableAcks whether a status is acknowledged only once the store holds it ({@code --redis-ack-mode})
     */
    public WsFrameHandler(
            ClientRegistry registry,
            WsMessageCodec codec,
            Supplier<String> redisStatus,
            WsConfig config,
            WsMetricsRecorder metrics,
            Mode mode,
            String httpRoutingStage,
            String aggregatorStage,
            boolean durableAcks) {
        super(httpRoutingStage, aggregatorStage, config.maxFrameBytes());
        this.registry = registry;
        this.codec = codec;
        this.redisStatus = redisStatus;
        this.config = config;
        this.metrics = metrics;
        this.mode = mode;
        this.durableAcks = durableAcks;
    }

    @Override
    protected WsSession open(ChannelHandlerContext ctx) {
        WsSession session = new WsSession(ctx, registry, codec, redisStatus, config, metrics, durableAcks);
        ctx.channel().attr(WsSession.KEY).set(session);
        metrics.connectionOpened();
        return session;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (mode == Mode.ECHO
                && connection() != null
                && msg instanceof WebSocketFrame frame
                && frame.isFinalFragment() // a first fragment goes to the aggregator: whole messages are echoed
                && isDataFrame(frame)) {
            ctx.write(msg); // ownership passes to the outbound side
            return;
        }
        super.channelRead(ctx, msg);
    }
}
