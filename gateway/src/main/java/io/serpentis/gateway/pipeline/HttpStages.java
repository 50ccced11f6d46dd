package io.serpentis.gateway.pipeline;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.serpentis.gateway.config.GatewayConfig;
import io.serpentis.gateway.config.HttpConfig;
import io.serpentis.gateway.http.BoundedHttpObjectAggregator;
import io.serpentis.gateway.http.GuardedHttpRequestDecoder;
import io.serpentis.gateway.http.HttpResponses;
import io.serpentis.gateway.metrics.GatewayMetrics;
import io.serpentis.gateway.ws.LivenessHandler;

/**
 * The hardened HTTP stages every listener uses (the main port and {@code --metrics-port}): liveness (the idle
 * timeout), response encoder, the guarded request decoder (line and header limits, request timeout, smuggling
 * checks) and the bounded aggregator.
 */
final class HttpStages {

    private HttpStages() {}

    /** The decoder limits of {@code http}. */
    static HttpDecoderConfig decoderConfig(HttpConfig http) {
        return new HttpDecoderConfig()
                .setMaxInitialLineLength(http.maxInitialLineBytes())
                .setMaxHeaderSize(http.maxHeaderBytes())
                .setValidateHeaders(true);
    }

    /**
     * Appends the liveness stage (the HTTP idle timeout, then, after an upgrade, WebSocket pings and the liveness
     * timeout) and the three HTTP stages, under their {@link PipelineNames}.
     */
    static void addLast(
            ChannelPipeline p,
            GatewayConfig config,
            HttpDecoderConfig decoderConfig,
            HttpResponses responses,
            GatewayMetrics metrics) {
        HttpConfig http = config.http();
        p.addLast(
                PipelineNames.LIVENESS,
                new LivenessHandler(
                        http.idleTimeout(),
                        config.ws().pingInterval(),
                        config.ws().livenessTimeout(),
                        metrics.ws()));
        p.addLast(PipelineNames.HTTP_ENCODER, new HttpResponseEncoder());
        p.addLast(
                PipelineNames.HTTP_DECODER,
                new GuardedHttpRequestDecoder(decoderConfig, http.requestTimeout(), responses, metrics));
        p.addLast(
                PipelineNames.HTTP_AGGREGATOR,
                new BoundedHttpObjectAggregator(http.maxContentBytes(), responses, metrics));
    }
}
