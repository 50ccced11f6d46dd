package io.serpentis.gateway.pipeline;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.serpentis.gateway.AbstractGatewayBenchmark;
import io.serpentis.gateway.config.GatewayConfig;
import io.serpentis.gateway.feed.DashboardFeed;
import io.serpentis.gateway.http.AccessPolicy;
import io.serpentis.gateway.http.HttpResponses;
import io.serpentis.gateway.http.HttpRouter;
import io.serpentis.gateway.metrics.GatewayMetrics;
import io.serpentis.gateway.registry.LocalClientRegistry;
import io.serpentis.gateway.security.ConnectionLimiter;
import io.serpentis.gateway.ws.WsFrameHandler;
import io.serpentis.gateway.ws.WsMessageCodec;
import java.nio.charset.StandardCharsets;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import tools.jackson.databind.json.JsonMapper;

/**
 * What does one status update cost end to end inside the gateway: the masked frame's bytes through the real
 * pipeline (frame decoder, UTF-8 check, protocol stage, aggregator, parse, registry merge, ack encoding, frame
 * encoder), on an {@link EmbeddedChannel} so that no socket is measured? Good: a few microseconds, and allocation
 * per operation close to the update itself plus the two frames.
 */
public class PipelineRoundTripBenchmark extends AbstractGatewayBenchmark {
    private EmbeddedChannel channel;
    private ByteBuf maskedFrame;

    @Setup
    public void setUp() {
        GatewayConfig config = GatewayConfig.defaults();
        LocalClientRegistry registry = new LocalClientRegistry(config.limits(), config.registry(), "bench");
        JsonMapper json = JsonMapper.builder().build();
        HttpResponses responses = new HttpResponses(json);
        HttpRouter router = HttpRouter.builder()
                .responses(responses)
                .access(new AccessPolicy(config.security()))
                .build();
        GatewayMetrics metrics = new GatewayMetrics(new SimpleMeterRegistry());
        DashboardFeed feed = new DashboardFeed(
                registry,
                () -> "embedded",
                config.feed(),
                metrics.feed(),
                PooledByteBufAllocator.DEFAULT,
                json,
                DashboardFeed.Threads.manual(Runnable::run)); // never ticked: no viewer in this benchmark
        channel = new EmbeddedChannel();
        channel.pipeline()
                .addLast(new GatewayChannelInitializer(
                        config,
                        router,
                        new ConnectionLimiter(config.security().connections()),
                        registry,
                        () -> "embedded",
                        new WsMessageCodec(config.limits(), json.tokenStreamFactory()),
                        metrics,
                        WsFrameHandler.Mode.STATUS,
                        new DefaultChannelGroup(GlobalEventExecutor.INSTANCE),
                        feed));
        channel.writeInbound(Unpooled.copiedBuffer(
                "GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
                        + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                        + "Sec-WebSocket-Version: 13\r\n\r\n",
                StandardCharsets.US_ASCII));
        drainOutbound();
        // A client's frame, masked as clients must send it; replayed for every operation.
        EmbeddedChannel encoder = new EmbeddedChannel(new WebSocket13FrameEncoder(true));
        encoder.writeOutbound(new TextWebSocketFrame("{\"client_id\": \"15ed3d05-b939-4d59-a4a0-f0f90e2f1cbb\", "
                + "\"status\": {\"timestamp\": \"2026-11-28T17:47:00.065557+00:00\", \"cpu_usage\": 83.8, "
                + "\"memory_usage\": 16.81, \"client_state\": \"running\"}}"));
        ByteBuf composed = PooledByteBufAllocator.DEFAULT.directBuffer();
        for (ByteBuf b; (b = encoder.readOutbound()) != null; ) {
            composed.writeBytes(b);
            b.release();
        }
        encoder.finishAndReleaseAll();
        maskedFrame = composed;
        roundTrip(); // registers the client
    }

    private int drainOutbound() {
        int n = 0;
        for (Object o; (o = channel.readOutbound()) != null; ) {
            n += o instanceof ByteBuf b ? b.readableBytes() : 0;
            ReferenceCountUtil.release(o);
        }
        return n;
    }

    @TearDown
    public void tearDown() {
        channel.finishAndReleaseAll();
        maskedFrame.release();
    }

    /** One update in, one ack out. */
    @Benchmark
    public int roundTrip() {
        channel.writeInbound(maskedFrame.retainedDuplicate());
        return drainOutbound();
    }
}
