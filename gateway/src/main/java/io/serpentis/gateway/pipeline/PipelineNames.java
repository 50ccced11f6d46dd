package io.serpentis.gateway.pipeline;

/**
 * Names of the pipeline stages, in pipeline order. Every connection starts as
 * {@code connectionMetrics → liveness → httpEncoder → httpDecoder → httpAggregator → httpRouting}. An accepted
 * WebSocket upgrade adds its endpoint's stages behind {@code httpRouting} before the handshake:
 * {@code wsProtocol → wsFrames} for {@code /ws}, {@code wsProtocol → dashboardViewer} for the dashboard feed (whose
 * protocol stage selects the feed's subprotocol; that of {@code /ws} selects none). The handshake then replaces
 * {@code httpDecoder} and {@code httpEncoder} with Netty's frame decoder and encoder and removes
 * {@code httpAggregator}; the last stage removes {@code httpRouting}, and adds {@code wsAggregator} in front of
 * itself with the first fragmented message the connection sends (most clients never fragment and never pay for
 * it). A socket refused at
 * accept for its address gets {@code acceptRefusal} as its only stage. There is no compression stage, on purpose:
 * no {@code HttpContentDecompressor}, no permessage-deflate (decompression bombs, CRIME/BREACH).
 */
public final class PipelineNames {
    /** {@code ConnectionMetricsHandler}: counts the bytes read and written (first, so it sees the wire). */
    public static final String CONNECTION_METRICS = "connectionMetrics";
    /** {@code LivenessHandler}: HTTP idle timeout, then WebSocket pings and the liveness timeout. */
    public static final String LIVENESS = "liveness";
    /** Netty's {@code HttpResponseEncoder}; before the decoder so that the decoder's own answers (408) are encoded. */
    public static final String HTTP_ENCODER = "httpEncoder";
    /**
     * {@code GuardedHttpRequestDecoder}: Netty's request decoder with the request-line and header limits, plus the
     * smuggling checks and the request timeout.
     */
    public static final String HTTP_DECODER = "httpDecoder";
    /** {@code BoundedHttpObjectAggregator}: Netty's aggregator with the body limit (413, then close). */
    public static final String HTTP_AGGREGATOR = "httpAggregator";
    /** {@code HttpRoutingHandler}: answers every request that is not a WebSocket upgrade. */
    public static final String HTTP_ROUTING = "httpRouting";
    /** Netty's {@code WebSocketServerProtocolHandler}: handshake, pings, frame decoding limits. */
    public static final String WS_PROTOCOL = "wsProtocol";
    /**
     * Netty's {@code WebSocketFrameAggregator}: reassembles fragmented messages up to the frame limit; added with a
     * connection's first fragmented message.
     */
    public static final String WS_AGGREGATOR = "wsAggregator";
    /** {@code WsFrameHandler}: the status protocol. */
    public static final String WS_FRAMES = "wsFrames";
    /** {@code DashboardViewerHandler}: the dashboard feed, in place of {@code wsFrames} on {@code /ws/dashboard}. */
    public static final String DASHBOARD_VIEWER = "dashboardViewer";
    /** {@code AcceptRefusalHandler}: the pre-encoded 429 of a socket refused at accept, its only stage. */
    public static final String ACCEPT_REFUSAL = "acceptRefusal";

    private PipelineNames() {}
}
