package io.serpentis.gateway.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Arrays;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;

/** Dashboard viewers of a load run: one WebSocket on {@code /ws/dashboard} each, optionally measuring freshness. */
final class ViewerClient {
    private ViewerClient() {}

    static Channel connect(LoadGenerator load, Bootstrap b, URI url, int node, InetAddress source, boolean measuring) {
        URI feedUri = url.resolve("/ws/dashboard");
        InetSocketAddress remote = new InetSocketAddress(url.getHost(), url.getPort() > 0 ? url.getPort() : 80);
        return b.clone()
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline()
                                .addLast(
                                        new HttpClientCodec(),
                                        new HttpObjectAggregator(65536),
                                        new WebSocketClientProtocolHandler(WebSocketClientProtocolConfig.newBuilder()
                                                .webSocketUri(feedUri)
                                                .version(WebSocketVersion.V13)
                                                .subprotocol("serpentis.dashboard.v1")
                                                .maxFramePayloadLength(64 << 20)
                                                .handshakeTimeoutMillis(30_000)
                                                .build()),
                                        new WebSocketFrameAggregator(64 << 20),
                                        new ViewerHandler(load, node, measuring));
                    }
                })
                .connect(remote, new InetSocketAddress(source, 0))
                .channel();
    }

    /**
     * A dashboard viewer. A measuring viewer reads every delta and, for each client in it whose {@code seq} is the
     * one this process last saw acknowledged, records the time from that ack to now: how fresh the dashboard is.
     * With several gateways, for each client held by another gateway than the viewer's whose {@code seq} is the one
     * it sent last, it also records the time from that send to now, once per update: what a user of a dashboard on
     * node B sees of a change on node A.
     */
    private static final class ViewerHandler extends SimpleChannelInboundHandler<WebSocketFrame> {
        private final LoadGenerator load;
        private final int node;
        private final boolean measuring;
        private final String prefix;
        private final long[] crossSeen;

        ViewerHandler(LoadGenerator load, int node, boolean measuring) {
            this.load = load;
            this.node = node;
            this.measuring = measuring;
            this.prefix = load.idPrefix + "-";
            this.crossSeen = new long[load.urls.size() > 1 && measuring ? load.connections : 0];
            Arrays.fill(crossSeen, -1);
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            load.viewersOpen.incrementAndGet();
            super.channelActive(ctx);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            load.viewersOpen.decrementAndGet();
            super.channelInactive(ctx);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            if (!(frame instanceof TextWebSocketFrame) || !measuring) {
                return;
            }
            long now = System.nanoTime();
            ByteBuf c = frame.content();
            byte[] bytes = new byte[c.readableBytes()];
            c.getBytes(c.readerIndex(), bytes);
            try (JsonParser p = load.JSON.createParser(bytes)) {
                if (p.nextToken() != JsonToken.START_OBJECT) {
                    return;
                }
                boolean delta = false;
                for (String name = p.nextName(); name != null; name = p.nextName()) {
                    JsonToken t = p.nextToken();
                    if (name.equals("type")) {
                        delta = "delta".equals(p.getString());
                    } else if (name.equals("clients") && t == JsonToken.START_OBJECT) {
                        for (String id = p.nextName(); id != null; id = p.nextName()) {
                            p.nextToken();
                            long seq = -1;
                            for (String f = p.nextName(); f != null; f = p.nextName()) {
                                p.nextToken();
                                if (f.equals("seq")) {
                                    seq = Long.parseLong(p.getString());
                                }
                            }
                            if (delta && seq >= 0 && id.startsWith(prefix)) {
                                int i = Integer.parseInt(id.substring(prefix.length()));
                                if (i < load.lastAckSeq.length() && load.lastAckSeq.get(i) == seq) {
                                    long acked = load.lastAckNanos.get(i);
                                    load.freshness.recordValue(
                                            Math.max(0, Math.min(load.MAX_MICROS, (now - acked) / 1000)));
                                }
                                if (i < crossSeen.length
                                        && i % load.urls.size() != node
                                        && crossSeen[i] != seq
                                        && load.lastSendSeq.get(i) == seq) {
                                    crossSeen[i] = seq;
                                    long sentAt = load.lastSendNanos.get(i);
                                    load.crossFreshness.recordValue(
                                            Math.max(0, Math.min(load.MAX_MICROS, (now - sentAt) / 1000)));
                                }
                            }
                        }
                    } else {
                        p.skipChildren();
                    }
                }
                if (delta) {
                    load.deltas.increment();
                }
            } catch (RuntimeException e) {
                load.errors.increment();
            }
        }
    }
}
