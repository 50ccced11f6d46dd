package io.serpentis.gateway.pipeline;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.serpentis.gateway.config.GatewayConfig;
import io.serpentis.gateway.http.HttpRouter;
import io.serpentis.gateway.http.HttpRoutingHandler;
import io.serpentis.gateway.metrics.GatewayMetrics;
import io.serpentis.gateway.security.ConnectionLimiter;
import java.util.Map;

/**
 * The pipeline of the optional metrics listener ({@code --metrics-port}): plain HTTP only, with the same hardened
 * HTTP stages ({@link HttpStages}), limits, request timeout and idle timeout as the main port, routed through a
 * router that holds only {@code /metrics} and {@code /livez}. Its sockets pass the same accept-time limits, counted
 * together with the main port's (its {@code ConnectionLimiter} is the main one).
 * Stage names are those of {@link PipelineNames}. No WebSocket stages; its bytes are not counted as client traffic.
 */
public final class MetricsChannelInitializer extends ChannelInitializer<Channel> {
    private final GatewayConfig config;
    private final HttpRouter router;
    private final GatewayMetrics metrics;
    private final ChannelGroup channels;
    private final HttpDecoderConfig httpDecoderConfig;
    private final AcceptGate acceptGate;

    /**
     * @param connections the main port's accept-time socket limits, so that both ports' sockets count together
     */
    public MetricsChannelInitializer(
            GatewayConfig config,
            HttpRouter router,
            ConnectionLimiter connections,
            GatewayMetrics metrics,
            ChannelGroup channels) {
        this.config = config;
        this.router = router;
        this.metrics = metrics;
        this.channels = channels;
        this.httpDecoderConfig = HttpStages.decoderConfig(config.http());
        this.acceptGate = new AcceptGate(connections, router.responses(), metrics);
    }

    @Override
    protected void initChannel(Channel ch) {
        if (!acceptGate.admit(ch)) {
            return; // the same socket limits as the main port, counted together with its sockets
        }
        channels.add(ch);
        ChannelPipeline p = ch.pipeline();
        HttpStages.addLast(p, config, httpDecoderConfig, router.responses(), metrics);
        p.addLast(PipelineNames.HTTP_ROUTING, new HttpRoutingHandler(router, Map.of(), metrics)); // no WebSocket
    }
}
