package io.serpentis.gateway.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * One simulated client, across its connections. Its state is confined to one event loop: every connection it
 * opens is registered there, and its timers run there.
 */
final class LoadClient {
    private final LoadGenerator load;

    private final String id;
    private final int index;
    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final URI url;
    private final InetSocketAddress remote;
    private final InetSocketAddress local;
    private final byte[] head;
    /** Per message in flight, in order: intended (rate) or actual (window) send time; registration included. */
    private final LongRing due;
    /** Rate mode: actual send time per message in flight. */
    private final LongRing sent = new LongRing(4);

    private volatile Channel channel;
    private ChannelHandlerContext ctx;
    private int generation;
    private long seq;
    private long ackedSeq;
    private boolean awaitingRegistration;
    private boolean registeredNow;
    private long nextDue;
    private long disconnectedAt;
    private int attempts;
    private ScheduledFuture<?> timer;

    LoadClient(
            LoadGenerator load,
            String id,
            int index,
            EventLoop loop,
            Bootstrap bootstrap,
            URI url,
            InetSocketAddress local) {
        this.load = load;
        this.due = new LongRing(Math.max(4, load.window + 2));
        this.id = id;
        this.index = index;
        this.loop = loop;
        this.bootstrap = bootstrap;
        this.url = url;
        this.remote = new InetSocketAddress(url.getHost(), url.getPort() > 0 ? url.getPort() : 80);
        this.local = local;
        this.head = ("{\"client_id\": \"" + id + "\", \"status\": {\"cpu_usage\": 42.5, \"memory_usage\": 17.25, "
                        + "\"client_state\": \"running\", \"seq\": ")
                .getBytes(StandardCharsets.US_ASCII);
    }

    /** Opens a connection on this client's loop; releases {@code pending} (if any) once the attempt ends. */
    void connect(Semaphore pending) {
        ChannelFuture f = bootstrap
                .clone(loop)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline()
                                .addLast(
                                        new HttpClientCodec(),
                                        new HttpObjectAggregator(65536),
                                        new WebSocketClientProtocolHandler(WebSocketClientProtocolConfig.newBuilder()
                                                .webSocketUri(url)
                                                .version(WebSocketVersion.V13)
                                                .maxFramePayloadLength(1 << 20)
                                                .handshakeTimeoutMillis(30_000)
                                                .build()),
                                        new ClientHandler(LoadClient.this));
                    }
                })
                .connect(remote, local);
        channel = f.channel();
        f.addListener(done -> {
            if (pending != null) {
                pending.release();
            }
            if (!done.isSuccess()) {
                load.connectFailures.increment();
                if (loop.inEventLoop()) {
                    retryLater();
                } else {
                    loop.execute(this::retryLater);
                }
            }
        });
    }

    void close() {
        Channel ch = channel;
        if (ch != null) {
            ch.close();
        }
    }

    private void retryLater() {
        if (!load.reconnect || !reconnecting() || load.aborted.getCount() == 0) {
            return;
        }
        int delayMs = Math.min(1000, 100 << Math.min(attempts++, 4));
        long jittered = delayMs / 2 + ThreadLocalRandom.current().nextLong(delayMs / 2 + 1);
        loop.schedule(
                () -> {
                    if (reconnecting() && load.aborted.getCount() > 0) {
                        load.reconnects.increment();
                        connect(null);
                    }
                },
                jittered,
                TimeUnit.MILLISECONDS);
    }

    /** Whether a closed client reconnects now: while the load runs, and in idle mode until the hold is released. */
    private boolean reconnecting() {
        return load.sending || (load.idle && load.release.getCount() > 0);
    }

    void handshakeDone(ChannelHandlerContext context) {
        ctx = context;
        generation++;
        ackedSeq = seq; // messages lost with an earlier connection are never acknowledged
        awaitingRegistration = true;
        long now = System.nanoTime();
        send(now, now);
        ctx.flush();
    }

    void closed() {
        generation++;
        ctx = null;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        if (registeredNow) {
            registeredNow = false;
            load.registered.decrementAndGet();
        }
        if (load.sending) {
            load.unackedAtClose.add(due.size());
            disconnectedAt = System.nanoTime();
        }
        due.clear();
        sent.clear();
        retryLater();
    }

    void reply(ChannelHandlerContext context, ByteBuf c) {
        boolean ack = startsWith(c, load.ACK_PREFIX);
        if (!ack && !startsWith(c, load.ERROR_PREFIX)) {
            return; // a command or another unsolicited frame, not a reply
        }
        if (due.isEmpty()) {
            load.errors.increment(); // a reply to nothing sent
            return;
        }
        long now = System.nanoTime();
        long intended = due.poll();
        long sentAt = load.rate > 0 ? sent.poll() : intended;
        if (awaitingRegistration) {
            awaitingRegistration = false;
            ackedSeq++;
            if (!ack) {
                load.errors.increment();
                context.close();
                return;
            }
            load.registrations.increment();
            load.registered.incrementAndGet();
            registeredNow = true;
            attempts = 0;
            startSending(now);
            return;
        }
        if (ack) {
            load.acks.increment();
            long micros = Math.min(load.MAX_MICROS, (now - intended) / 1000);
            load.latency.recordValue(micros);
            if (load.timeline) {
                load.perSecond.recordValue(micros);
            }
            if (load.rate > 0) {
                load.fromSend.recordValue(Math.min(load.MAX_MICROS, (now - sentAt) / 1000));
            }
            if (load.viewers > 0) {
                load.lastAckSeq.set(index, ackedSeq);
                load.lastAckNanos.set(index, now);
            }
        } else {
            load.errors.increment();
        }
        ackedSeq++;
        if (!load.idle && load.rate <= 0 && load.sending) {
            send(now, now);
        }
    }

    private void startSending(long now) {
        if (load.idle || !load.sending) {
            return;
        }
        if (load.rate > 0) {
            if (disconnectedAt != 0) {
                load.missedWhileDisconnected.add((now - disconnectedAt) / load.periodNanos);
                disconnectedAt = 0;
            }
            nextDue = now + ThreadLocalRandom.current().nextLong(load.periodNanos);
            schedule(now);
        } else {
            for (int i = 0; i < load.window; i++) {
                send(now, now);
            }
        }
    }

    private void schedule(long now) {
        int gen = generation;
        timer = loop.schedule(() -> tick(gen), Math.max(0, nextDue - now), TimeUnit.NANOSECONDS);
    }

    /** Rate mode: sends every message due by now, each stamped with when it was due. */
    private void tick(int gen) {
        timer = null;
        if (gen != generation || ctx == null || !load.sending) {
            return;
        }
        long now = System.nanoTime();
        boolean wrote = false;
        while (nextDue <= now) {
            if (due.size() >= load.maxInFlight) {
                load.skippedSends.increment();
            } else {
                load.sendLag.recordValue(Math.min(load.MAX_MICROS, (now - nextDue) / 1000));
                send(nextDue, now);
                wrote = true;
            }
            nextDue += load.periodNanos;
        }
        if (wrote) {
            ctx.flush();
        }
        schedule(now);
    }

    private void send(long intended, long now) {
        ByteBuf buf = ctx.alloc().ioBuffer(head.length + 32 + load.filler.length);
        buf.writeBytes(head);
        if (load.viewers > 0) {
            load.lastSendNanos.set(index, System.nanoTime());
            load.lastSendSeq.set(index, seq);
        }
        writeLong(buf, seq++);
        if (load.filler.length > 0) {
            buf.writeBytes(", \"filler\": ".getBytes(StandardCharsets.US_ASCII));
            buf.writeBytes(load.filler);
        }
        buf.writeByte('}').writeByte('}');
        due.add(intended);
        if (load.rate > 0) {
            sent.add(now);
        }
        ctx.write(new TextWebSocketFrame(buf));
    }

    /** One client connection's handler: hands events to its {@link LoadClient}. */
    private final class ClientHandler extends SimpleChannelInboundHandler<WebSocketFrame> {
        private final LoadClient client;

        ClientHandler(LoadClient client) {
            this.client = client;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            load.open.incrementAndGet();
            super.channelActive(ctx);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            load.open.decrementAndGet();
            client.closed();
            super.channelInactive(ctx);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
                client.handshakeDone(ctx);
            } else {
                super.userEventTriggered(ctx, evt);
            }
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            if (frame instanceof TextWebSocketFrame) {
                client.reply(ctx, frame.content());
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            load.errors.increment();
            ctx.close();
        }
    }

    private static void writeLong(ByteBuf buf, long v) {
        if (v == 0) {
            buf.writeByte('0');
            return;
        }
        int start = buf.writerIndex();
        while (v > 0) {
            buf.writeByte((int) ('0' + v % 10));
            v /= 10;
        }
        for (int i = start, j = buf.writerIndex() - 1; i < j; i++, j--) {
            byte a = buf.getByte(i);
            buf.setByte(i, buf.getByte(j));
            buf.setByte(j, a);
        }
    }

    private static boolean startsWith(ByteBuf c, byte[] prefix) {
        if (c.readableBytes() < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (c.getByte(c.readerIndex() + i) != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
