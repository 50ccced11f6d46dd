package io.serpentis.gateway.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.serpentis.gateway.config.DurationConverter;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.zip.Deflater;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.json.JsonMapper;

/**
 * A load generator speaking the original's protocol to the gateway: N WebSocket clients on Netty (one event loop
 * per core), each registering once and then sending status updates, either keeping a window of un-acknowledged
 * messages in flight or sending at a target rate; or, in idle mode, only holding its connection open. Ack latency
 * (send to ack, in microseconds; acks come in order, one per message) goes into an HdrHistogram.
 *
 * <p>Connections are spread over several loopback source addresses ({@code --source-addresses
 * 127.0.0.2-127.0.0.9}) so that more than one address's worth of ephemeral ports is available; a process is capped
 * by its open-file limit, so very large counts are split over several processes and their result lines merged
 * with {@code loadgen merge}.
 *
 * <p>Output: progress once a second on stderr; one JSON result line on stdout.
 */
@Command(
        name = "loadgen",
        mixinStandardHelpOptions = true,
        showDefaultValues = true,
        sortOptions = false,
        subcommands = LoadGenerator.Merge.class,
        description = "Drives the gateway with N WebSocket clients and reports ack throughput and latency.")
public final class LoadGenerator implements Callable<Integer> {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final byte[] ACK_PREFIX = "{\"result\"".getBytes(StandardCharsets.US_ASCII);

    @Option(names = "--url", defaultValue = "ws://127.0.0.1:8000/ws", description = "The gateway's WebSocket URL.")
    URI url;

    @Option(names = "--connections", defaultValue = "100", description = "Clients to open.")
    int connections;

    @Option(
            names = "--window",
            defaultValue = "1",
            description = "Un-acknowledged messages each client keeps in flight (window mode).")
    int window;

    @Option(
            names = "--rate",
            defaultValue = "0",
            description = "Total messages per second over all clients (rate mode); 0 = window mode.")
    double rate;

    @Option(names = "--idle", description = "Only register and hold the connections open.")
    boolean idle;

    @Option(
            names = "--ramp-up",
            defaultValue = "5s",
            converter = DurationConverter.class,
            description = "Time over which the connections are opened.")
    Duration rampUp;

    @Option(
            names = "--warmup",
            defaultValue = "5s",
            converter = DurationConverter.class,
            description = "Load before measuring starts.")
    Duration warmup;

    @Option(
            names = "--duration",
            defaultValue = "20s",
            converter = DurationConverter.class,
            description = "Measured time.")
    Duration duration;

    @Option(
            names = "--source-addresses",
            defaultValue = "127.0.0.1",
            description = "Local addresses to connect from, comma-separated or a range such as 127.0.0.2-127.0.0.9.")
    String sourceAddresses;

    @Option(names = "--id-prefix", defaultValue = "lg", description = "Client ids are <prefix>-<n>.")
    String idPrefix;

    @Option(names = "--threads", defaultValue = "0", description = "Event loops; 0 = one per core.")
    int threads;

    @Option(
            names = "--payload-bytes",
            defaultValue = "0",
            description = "Extra filler attribute of this many bytes in every update.")
    int payloadBytes;

    @Option(
            names = "--max-pending-connects",
            defaultValue = "256",
            description = "Connection attempts in flight at once.")
    int maxPendingConnects;

    @Option(
            names = "--viewers",
            defaultValue = "0",
            description = "Dashboard viewers to open on the feed (ws://.../ws/dashboard) beside the clients.")
    int viewers;

    @Option(
            names = "--measuring-viewers",
            defaultValue = "4",
            description = "Viewers that parse every delta to measure its freshness (ack of an update to the delta "
                    + "carrying it); the others only read.")
    int measuringViewers;

    @Option(
            names = "--hold",
            defaultValue = "0s",
            converter = DurationConverter.class,
            description = "After measuring, keep the connections open this long (idle-connection scenarios).")
    Duration hold;

    private final Recorder latency = new Recorder(TimeUnit.SECONDS.toMicros(60), 3);
    private final Recorder freshness = new Recorder(TimeUnit.SECONDS.toMicros(60), 3);
    private final LongAdder deltas = new LongAdder();
    private final AtomicInteger viewersOpen = new AtomicInteger();
    private AtomicLongArray lastAckNanos;
    private AtomicLongArray lastAckSeq;
    private final LongAdder acks = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final LongAdder connectFailures = new LongAdder();
    private final AtomicInteger registered = new AtomicInteger();
    private final AtomicInteger open = new AtomicInteger();
    private volatile boolean sending = true;
    private byte[] filler = new byte[0];

    public static void main(String[] args) {
        System.exit(new CommandLine(new LoadGenerator()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        System.out.println(run().toJson());
        return 0;
    }

    /** Runs the scenario and returns its result. */
    public Result run() throws Exception {
        if (payloadBytes > 0) {
            filler = ("\"" + "x".repeat(payloadBytes) + "\"").getBytes(StandardCharsets.US_ASCII);
        }
        lastAckNanos = new AtomicLongArray(connections);
        lastAckSeq = new AtomicLongArray(connections);
        List<InetAddress> sources = parseAddresses(sourceAddresses);
        int loops = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        boolean epoll = Epoll.isAvailable();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(
                loops,
                new DefaultThreadFactory("loadgen"),
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        try {
            Bootstrap b = new Bootstrap()
                    .group(group)
                    .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                    .option(ChannelOption.SO_REUSEADDR, true);
            InetSocketAddress remote = new InetSocketAddress(url.getHost(), url.getPort() > 0 ? url.getPort() : 80);
            List<Channel> channels = new ArrayList<>(connections);
            Semaphore pending = new Semaphore(maxPendingConnects);
            long start = System.nanoTime();
            long rampNanos = rampUp.toNanos();
            Progress progress = new Progress(start);
            Thread progressThread = new Thread(progress, "loadgen-progress");
            progressThread.setDaemon(true);
            progressThread.start();
            for (int v = 0; v < viewers; v++) {
                boolean measuring = v < measuringViewers;
                URI feedUri = url.resolve("/ws/dashboard");
                channels.add(b.clone()
                        .handler(new ChannelInitializer<Channel>() {
                            @Override
                            protected void initChannel(Channel ch) {
                                ch.pipeline()
                                        .addLast(
                                                new HttpClientCodec(),
                                                new HttpObjectAggregator(65536),
                                                new WebSocketClientProtocolHandler(
                                                        WebSocketClientProtocolConfig.newBuilder()
                                                                .webSocketUri(feedUri)
                                                                .version(WebSocketVersion.V13)
                                                                .subprotocol("serpentis.dashboard.v1")
                                                                .maxFramePayloadLength(64 << 20)
                                                                .handshakeTimeoutMillis(30_000)
                                                                .build()),
                                                new WebSocketFrameAggregator(64 << 20),
                                                new ViewerHandler(measuring));
                            }
                        })
                        .connect(remote, new InetSocketAddress(sources.get(v % sources.size()), 0))
                        .channel());
            }
            for (int i = 0; i < connections; i++) {
                long due = start + (connections <= 1 ? 0 : rampNanos * i / connections);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                pending.acquire();
                String id = idPrefix + "-" + i;
                int index = i;
                InetSocketAddress local = new InetSocketAddress(sources.get(i % sources.size()), 0);
                Bootstrap cb = b.clone().handler(new ChannelInitializer<Channel>() {
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
                                        new ClientHandler(id, index));
                    }
                });
                ChannelFuture f = cb.connect(remote, local);
                f.addListener(done -> {
                    pending.release();
                    if (!done.isSuccess()) {
                        connectFailures.increment();
                    }
                });
                channels.add(f.channel());
            }
            // Warm-up from the end of the ramp, then measure.
            TimeUnit.NANOSECONDS.sleep(Math.max(0, start + rampNanos + warmup.toNanos() - System.nanoTime()));
            latency.reset();
            freshness.reset();
            long deltaBase = deltas.sum();
            long ackBase = acks.sum();
            long errorBase = errors.sum();
            long measureStart = System.nanoTime();
            progress.measuring = true;
            TimeUnit.NANOSECONDS.sleep(duration.toNanos());
            long measured = System.nanoTime() - measureStart;
            Histogram h = latency.getIntervalHistogram();
            Histogram fresh = freshness.getIntervalHistogram();
            long deltasSeen = deltas.sum() - deltaBase;
            long acked = acks.sum() - ackBase;
            long errs = errors.sum() - errorBase;
            int held = open.get();
            sending = false;
            if (!hold.isZero()) {
                TimeUnit.NANOSECONDS.sleep(hold.toNanos());
            }
            progress.stop = true;
            Result r = Result.of(
                    idle ? "idle" : rate > 0 ? "rate" : "window",
                    connections,
                    held,
                    registered.get(),
                    connectFailures.sum(),
                    window,
                    rate,
                    measured,
                    acked,
                    errs,
                    h,
                    acks.sum());
            if (viewers > 0) {
                r = r.withViewers(viewersOpen.get(), deltasSeen, fresh);
            }
            for (Channel ch : channels) {
                ch.close();
            }
            return r;
        } finally {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    /** One client: registers on handshake, then keeps its window full or sends at its share of the rate. */
    private final class ClientHandler extends SimpleChannelInboundHandler<WebSocketFrame> {
        private final String id;
        private final int index;
        private long ackedSeq;
        private final byte[] head;
        private final ArrayDeque<Long> sentAt = new ArrayDeque<>();
        private long seq;
        private boolean registeredYet;
        private double credit;

        ClientHandler(String id, int index) {
            this.id = id;
            this.index = index;
            this.head = ("{\"client_id\": \"" + id + "\", \"status\": {\"cpu_usage\": 42.5, \"memory_usage\": 17.25, "
                            + "\"client_state\": \"running\", \"seq\": ")
                    .getBytes(StandardCharsets.US_ASCII);
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            open.incrementAndGet();
            super.channelActive(ctx);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            open.decrementAndGet();
            super.channelInactive(ctx);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
                send(ctx); // the registration
                ctx.flush();
            } else {
                super.userEventTriggered(ctx, evt);
            }
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            if (!(frame instanceof TextWebSocketFrame)) {
                return;
            }
            ByteBuf c = frame.content();
            Long t = sentAt.poll();
            if (t == null) {
                return; // a command or an unsolicited frame
            }
            if (!startsWith(c, ACK_PREFIX)) {
                errors.increment();
            } else {
                long now = System.nanoTime();
                acks.increment();
                latency.recordValue(Math.min(TimeUnit.SECONDS.toMicros(60), (now - t) / 1000));
                if (viewers > 0) {
                    lastAckSeq.set(index, ackedSeq);
                    lastAckNanos.set(index, now);
                }
            }
            ackedSeq++;
            if (!registeredYet) {
                registeredYet = true;
                registered.incrementAndGet();
                if (idle) {
                    return;
                }
                if (rate > 0) {
                    scheduleRate(ctx);
                } else {
                    for (int i = 0; i < window; i++) {
                        send(ctx);
                    }
                }
                return;
            }
            if (!idle && rate <= 0 && sending) {
                send(ctx);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        private void scheduleRate(ChannelHandlerContext ctx) {
            double perTick = rate / connections / 100.0; // 10 ms ticks
            ctx.executor()
                    .scheduleAtFixedRate(
                            () -> {
                                if (!sending || !ctx.channel().isActive()) {
                                    return;
                                }
                                credit += perTick;
                                boolean wrote = false;
                                while (credit >= 1) {
                                    credit -= 1;
                                    send(ctx);
                                    wrote = true;
                                }
                                if (wrote) {
                                    ctx.flush();
                                }
                            },
                            (long) (Math.random() * 10_000),
                            10_000,
                            TimeUnit.MICROSECONDS);
        }

        private void send(ChannelHandlerContext ctx) {
            ByteBuf buf = ctx.alloc().ioBuffer(head.length + 32 + filler.length);
            buf.writeBytes(head);
            writeLong(buf, seq++);
            if (filler.length > 0) {
                buf.writeBytes(", \"filler\": ".getBytes(StandardCharsets.US_ASCII));
                buf.writeBytes(filler);
            }
            buf.writeByte('}').writeByte('}');
            sentAt.add(System.nanoTime());
            ctx.write(new TextWebSocketFrame(buf));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            errors.increment();
            ctx.close();
        }
    }

    /**
     * A dashboard viewer. A measuring viewer reads every delta and, for each client in it whose {@code seq} is the
     * one this process last saw acknowledged, records the time from that ack to now: how fresh the dashboard is.
     */
    private final class ViewerHandler extends SimpleChannelInboundHandler<WebSocketFrame> {
        private final boolean measuring;
        private final String prefix = idPrefix + "-";

        ViewerHandler(boolean measuring) {
            this.measuring = measuring;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            viewersOpen.incrementAndGet();
            super.channelActive(ctx);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            viewersOpen.decrementAndGet();
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
            try (JsonParser p = JSON.createParser(bytes)) {
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
                                if (i < lastAckSeq.length() && lastAckSeq.get(i) == seq) {
                                    long acked = lastAckNanos.get(i);
                                    freshness.recordValue(
                                            Math.max(0, Math.min(TimeUnit.SECONDS.toMicros(60), (now - acked) / 1000)));
                                }
                            }
                        }
                    } else {
                        p.skipChildren();
                    }
                }
                if (delta) {
                    deltas.increment();
                }
            } catch (RuntimeException e) {
                errors.increment();
            }
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

    static List<InetAddress> parseAddresses(String spec) throws Exception {
        List<InetAddress> out = new ArrayList<>();
        for (String part : spec.split(",")) {
            String p = part.trim();
            int dash = p.indexOf('-');
            if (dash < 0) {
                out.add(InetAddress.getByName(p));
                continue;
            }
            String from = p.substring(0, dash);
            String to = p.substring(dash + 1);
            int lastDot = from.lastIndexOf('.');
            String base = from.substring(0, lastDot + 1);
            int a = Integer.parseInt(from.substring(lastDot + 1));
            int z = Integer.parseInt(to.contains(".") ? to.substring(to.lastIndexOf('.') + 1) : to);
            for (int i = a; i <= z; i++) {
                out.add(InetAddress.getByName(base + i));
            }
        }
        return out;
    }

    /** Prints a line a second on stderr: clients open and registered, acks/s, latency of the last second. */
    private final class Progress implements Runnable {
        private final long start;
        volatile boolean measuring;
        volatile boolean stop;

        Progress(long start) {
            this.start = start;
        }

        @Override
        public void run() {
            long lastAcks = 0;
            long last = System.nanoTime();
            while (!stop) {
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    return;
                }
                long now = System.nanoTime();
                long a = acks.sum();
                double perSecond = (a - lastAcks) * 1e9 / (now - last);
                System.err.printf(
                        "t=%5.1fs %s open=%d registered=%d acks/s=%.0f errors=%d connect_failures=%d%n",
                        (now - start) / 1e9,
                        measuring ? "measure" : "ramp/warm",
                        open.get(),
                        registered.get(),
                        perSecond,
                        errors.sum(),
                        connectFailures.sum());
                lastAcks = a;
                last = now;
            }
        }
    }

    /** One run's result, as the JSON line on stdout (histogram included, compressed, for merging). */
    public record Result(
            String mode,
            int connectionsTarget,
            int connectionsHeld,
            int registered,
            long connectFailures,
            int window,
            double rate,
            double seconds,
            long acks,
            long errors,
            Histogram histogram,
            long acksTotal,
            int viewersHeld,
            long deltas,
            Histogram freshness) {

        Result(
                String mode,
                int connectionsTarget,
                int connectionsHeld,
                int registered,
                long connectFailures,
                int window,
                double rate,
                double seconds,
                long acks,
                long errors,
                Histogram histogram,
                long acksTotal) {
            this(
                    mode,
                    connectionsTarget,
                    connectionsHeld,
                    registered,
                    connectFailures,
                    window,
                    rate,
                    seconds,
                    acks,
                    errors,
                    histogram,
                    acksTotal,
                    0,
                    0,
                    null);
        }

        Result withViewers(int held, long deltaCount, Histogram fresh) {
            return new Result(
                    mode,
                    connectionsTarget,
                    connectionsHeld,
                    registered,
                    connectFailures,
                    window,
                    rate,
                    seconds,
                    acks,
                    errors,
                    histogram,
                    acksTotal,
                    held,
                    deltaCount,
                    fresh);
        }

        static Result of(
                String mode,
                int target,
                int held,
                int registered,
                long connectFailures,
                int window,
                double rate,
                long nanos,
                long acks,
                long errors,
                Histogram h,
                long acksTotal) {
            return new Result(
                    mode,
                    target,
                    held,
                    registered,
                    connectFailures,
                    window,
                    rate,
                    nanos / 1e9,
                    acks,
                    errors,
                    h,
                    acksTotal);
        }

        /** The JSON result line. */
        public String toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("mode", mode);
            m.put("connections_target", connectionsTarget);
            m.put("connections_held", connectionsHeld);
            m.put("registered", registered);
            m.put("connect_failures", connectFailures);
            m.put("window", window);
            m.put("rate", rate);
            m.put("seconds", round(seconds));
            m.put("acks", acks);
            m.put("acks_per_s", round(acks / Math.max(seconds, 1e-9)));
            m.put("errors", errors);
            m.put("acks_total", acksTotal);
            Map<String, Object> lat = new LinkedHashMap<>();
            lat.put("p50", histogram.getValueAtPercentile(50));
            lat.put("p90", histogram.getValueAtPercentile(90));
            lat.put("p99", histogram.getValueAtPercentile(99));
            lat.put("p999", histogram.getValueAtPercentile(99.9));
            lat.put("max", histogram.getMaxValue());
            lat.put("mean", round(histogram.getMean()));
            m.put("latency_us", lat);
            if (freshness != null) {
                Map<String, Object> f = new LinkedHashMap<>();
                f.put("p50", freshness.getValueAtPercentile(50));
                f.put("p99", freshness.getValueAtPercentile(99));
                f.put("max", freshness.getMaxValue());
                f.put("samples", freshness.getTotalCount());
                m.put("viewers_held", viewersHeld);
                m.put("deltas", deltas);
                m.put("delta_freshness_us", f);
            }
            m.put("histogram", encode(histogram));
            return JSON.writeValueAsString(m);
        }

        private static double round(double v) {
            return Math.round(v * 10) / 10.0;
        }

        static String encode(Histogram h) {
            ByteBuffer buf = ByteBuffer.allocate(h.getNeededByteBufferCapacity() + 64);
            int n = h.encodeIntoCompressedByteBuffer(buf, Deflater.BEST_SPEED);
            return Base64.getEncoder().encodeToString(Arrays.copyOf(buf.array(), n));
        }

        static Histogram decode(String s) throws Exception {
            return Histogram.decodeFromCompressedByteBuffer(
                    ByteBuffer.wrap(Base64.getDecoder().decode(s)), 0);
        }
    }

    /** Merges the JSON result lines of several processes (one scenario split over processes) into one. */
    @Command(
            name = "merge",
            mixinStandardHelpOptions = true,
            description = "Merges result lines (files, or stdin) of processes that ran one scenario together.")
    static final class Merge implements Callable<Integer> {
        @CommandLine.Parameters(arity = "0..*", description = "Files holding result lines; stdin when none.")
        List<Path> files = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            List<String> lines = new ArrayList<>();
            if (files.isEmpty()) {
                lines.addAll(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
                        .lines()
                        .toList());
            } else {
                for (Path f : files) {
                    lines.addAll(Files.readAllLines(f));
                }
            }
            Histogram merged = null;
            String mode = null;
            int target = 0;
            int held = 0;
            int reg = 0;
            long failures = 0;
            long acks = 0;
            long acksTotal = 0;
            long errors = 0;
            double seconds = 0;
            double rate = 0;
            int window = 0;
            for (String line : lines) {
                if (!line.startsWith("{")) {
                    continue;
                }
                var n = JSON.readTree(line);
                Histogram h = Result.decode(n.get("histogram").asString());
                if (merged == null) {
                    merged = h.copy();
                } else {
                    merged.add(h);
                }
                mode = n.get("mode").asString();
                target += n.get("connections_target").asInt();
                held += n.get("connections_held").asInt();
                reg += n.get("registered").asInt();
                failures += n.get("connect_failures").asLong();
                acks += n.get("acks").asLong();
                acksTotal += n.get("acks_total").asLong();
                errors += n.get("errors").asLong();
                seconds = Math.max(seconds, n.get("seconds").asDouble());
                rate += n.get("rate").asDouble();
                window = n.get("window").asInt();
            }
            if (merged == null) {
                System.err.println("no result lines");
                return 1;
            }
            System.out.println(new Result(
                            mode, target, held, reg, failures, window, rate, seconds, acks, errors, merged, acksTotal)
                    .toJson());
            return 0;
        }
    }
}
