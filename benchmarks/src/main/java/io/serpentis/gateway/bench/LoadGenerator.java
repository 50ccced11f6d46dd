package io.serpentis.gateway.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
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
import io.netty.util.concurrent.ScheduledFuture;
import io.serpentis.gateway.config.DurationConverter;
import java.io.BufferedReader;
import java.io.IOException;
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
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.zip.Deflater;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A load generator speaking the original's protocol to the gateway: N WebSocket clients on Netty (one event loop
 * per core), each registering once and then sending status updates, either keeping a window of un-acknowledged
 * messages in flight (closed loop: the maximum throughput) or sending at a target rate (open loop); or, in idle
 * mode, only holding its connection open.
 *
 * <p>Latency is in microseconds, from a message's send time to its ack in window mode, and from its <em>intended</em>
 * send time to its ack in rate mode: every client has a fixed schedule, a message late because this process (or
 * the machine) was busy is sent as soon as possible and counts from when it was due, so that a stall of the gateway
 * or of the machine is not hidden by sending less while it lasts (no coordinated omission). The time from send to
 * ack and the sender's own lag are reported beside it. Registrations are counted, not timed.
 *
 * <p>Connections are spread over several loopback source addresses ({@code --source-addresses
 * 127.0.0.2-127.0.0.9}) so that more than one address's worth of ephemeral ports is available; a process is capped
 * by its open-file limit, so very large counts are split over several processes and their result lines merged
 * with {@code loadgen merge}.
 *
 * <p>Output: progress once a second on stderr, with {@code #mark <name> <epoch ms>} lines when measuring starts
 * ({@code measure-start}) and ends ({@code measure-end}), when every client is registered ({@code all-registered})
 * and when holding starts ({@code hold}), for a driving script; one JSON result line on stdout. With
 * {@code --control-stdin}, a line {@code stop} on stdin ends the measurement early, {@code release} ends the hold,
 * and the end of stdin (the driving script is gone) ends the run.
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
    private static final byte[] ERROR_PREFIX = "{\"error\"".getBytes(StandardCharsets.US_ASCII);
    private static final long MAX_MICROS = TimeUnit.SECONDS.toMicros(60);
    private static final int MAX_TIMELINE_SECONDS = 3600;
    /** The timeline's trailing window, in seconds, for a p99 steadier than one second's. */
    private static final int TRAILING_SECONDS = 5;

    @Option(
            names = "--url",
            defaultValue = "ws://127.0.0.1:8000/ws",
            description = "The gateway's WebSocket URL; repeat for several gateways (clients take them in turn).")
    List<URI> urls;

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
            description = "Measured time (at most, with --control-stdin).")
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
            description = "Connection attempts in flight at once during the ramp-up.")
    int maxPendingConnects;

    @Option(
            names = "--max-in-flight",
            defaultValue = "10000",
            description = "Rate mode: most un-acknowledged messages per client; a message due beyond it is not sent "
                    + "and counted as skipped (a run with skipped messages is not a valid measurement).")
    int maxInFlight;

    @Option(
            names = "--reconnect",
            description = "Reconnect a client whose connection closes while the load runs (in idle mode: until the "
                    + "hold ends) after 100 ms to 1 s, jittered, register again and resume; messages due while "
                    + "disconnected are counted, not sent.")
    boolean reconnect;

    @Option(
            names = "--timeline",
            description = "Add per-second ack counts and latency percentiles to the result, with the p99 of the "
                    + "trailing 5 s.")
    boolean timeline;

    @Option(
            names = "--control-stdin",
            description = "Read 'stop' (end the measurement now) and 'release' (end the hold) from stdin; the end of "
                    + "stdin ends the run.")
    boolean controlStdin;

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
            description = "After measuring, keep the connections open this long (at most, with --control-stdin).")
    Duration hold;

    /** Ack latency: from the intended send time (rate mode) or the send time (window mode). */
    private final Recorder latency = new Recorder(MAX_MICROS, 3);
    /** Rate mode: from the actual send time, as a sender that only counts what it managed to send would see. */
    private final Recorder fromSend = new Recorder(MAX_MICROS, 3);
    /** Rate mode: how late this process sent each message. */
    private final Recorder sendLag = new Recorder(MAX_MICROS, 3);

    private final Recorder perSecond = new Recorder(MAX_MICROS, 2);
    private final Recorder freshness = new Recorder(MAX_MICROS, 3);
    /** Several gateways: from a client's send of an update to the delta carrying it on another gateway's feed. */
    private final Recorder crossFreshness = new Recorder(MAX_MICROS, 3);

    private final LongAdder deltas = new LongAdder();
    private final AtomicInteger viewersOpen = new AtomicInteger();
    private final LongAdder acks = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final LongAdder connectFailures = new LongAdder();
    private final LongAdder registrations = new LongAdder();
    private final LongAdder reconnects = new LongAdder();
    private final LongAdder skippedSends = new LongAdder();
    private final LongAdder missedWhileDisconnected = new LongAdder();
    private final LongAdder unackedAtClose = new LongAdder();
    private final AtomicInteger registered = new AtomicInteger();
    private final AtomicInteger open = new AtomicInteger();
    private final List<Map<String, Object>> timelineEntries = Collections.synchronizedList(new ArrayList<>());
    private final CountDownLatch aborted = new CountDownLatch(1);
    private final CountDownLatch stopMeasuring = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private AtomicLongArray lastAckNanos;
    private AtomicLongArray lastAckSeq;
    private AtomicLongArray lastSendNanos;
    private AtomicLongArray lastSendSeq;
    private volatile boolean sending = true;
    private volatile boolean measuring;
    private volatile EventLoopGroup group;
    private long periodNanos;
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
        if (rate > 0) {
            periodNanos = Math.max(1, Math.round(connections * 1e9 / rate));
        }
        lastAckNanos = new AtomicLongArray(connections);
        lastAckSeq = new AtomicLongArray(connections);
        lastSendNanos = new AtomicLongArray(connections);
        lastSendSeq = new AtomicLongArray(connections);
        for (int i = 0; i < connections; i++) {
            lastSendSeq.set(i, -1);
        }
        List<InetAddress> sources = parseAddresses(sourceAddresses);
        int loops = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        boolean epoll = Epoll.isAvailable();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(
                loops,
                new DefaultThreadFactory("loadgen"),
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        this.group = group;
        if (controlStdin) {
            Thread control = new Thread(this::readControl, "loadgen-control");
            control.setDaemon(true);
            control.start();
        }
        Progress progress = null;
        try {
            Bootstrap b = new Bootstrap()
                    .group(group)
                    .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                    .option(ChannelOption.SO_REUSEADDR, true);
            List<Channel> viewerChannels = new ArrayList<>(viewers);
            List<Client> clients = new ArrayList<>(connections);
            Semaphore pending = new Semaphore(maxPendingConnects);
            long start = System.nanoTime();
            long rampNanos = rampUp.toNanos();
            progress = new Progress(start);
            Thread progressThread = new Thread(progress, "loadgen-progress");
            progressThread.setDaemon(true);
            progressThread.start();
            for (int v = 0; v < viewers; v++) {
                URI url = urls.get(v % urls.size());
                viewerChannels.add(
                        connectViewer(b, url, v % urls.size(), sources.get(v % sources.size()), v < measuringViewers));
            }
            for (int i = 0; i < connections && aborted.getCount() > 0; i++) {
                long due = start + (connections <= 1 ? 0 : rampNanos * i / connections);
                long wait = due - System.nanoTime();
                if (wait > 0 && aborted.await(wait, TimeUnit.NANOSECONDS)) {
                    break;
                }
                pending.acquire();
                URI url = urls.get(i % urls.size());
                Client c = new Client(
                        idPrefix + "-" + i,
                        i,
                        (EventLoop) group.next(),
                        b,
                        url,
                        new InetSocketAddress(sources.get(i % sources.size()), 0));
                clients.add(c);
                c.connect(pending);
            }
            // Warm-up from the end of the ramp, then measure.
            aborted.await(Math.max(0, start + rampNanos + warmup.toNanos() - System.nanoTime()), TimeUnit.NANOSECONDS);
            latency.reset();
            fromSend.reset();
            sendLag.reset();
            freshness.reset();
            crossFreshness.reset();
            long deltaBase = deltas.sum();
            long ackBase = acks.sum();
            long errorBase = errors.sum();
            long skippedBase = skippedSends.sum();
            long measureStart = System.nanoTime();
            long measureStartMs = mark("measure-start");
            progress.measuring = true;
            measuring = true;
            if (aborted.getCount() > 0) {
                stopMeasuring.await(duration.toNanos(), TimeUnit.NANOSECONDS);
            }
            long measured = System.nanoTime() - measureStart;
            long measureEndMs = mark("measure-end");
            measuring = false;
            Histogram h = latency.getIntervalHistogram();
            Histogram sent = fromSend.getIntervalHistogram();
            Histogram lag = sendLag.getIntervalHistogram();
            Histogram fresh = freshness.getIntervalHistogram();
            Histogram crossFresh = crossFreshness.getIntervalHistogram();
            long deltasSeen = deltas.sum() - deltaBase;
            long acked = acks.sum() - ackBase;
            long errs = errors.sum() - errorBase;
            long skipped = skippedSends.sum() - skippedBase;
            int held = open.get();
            int registeredNow = registered.get();
            sending = false;
            if (!hold.isZero() && aborted.getCount() > 0) {
                mark("hold");
                release.await(hold.toNanos(), TimeUnit.NANOSECONDS);
            }
            progress.stop = true;
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("mode", idle ? "idle" : rate > 0 ? "rate" : "window");
            m.put("latency_basis", rate > 0 ? "intended send time" : "send time");
            m.put("connections_target", connections);
            m.put("connections_held", held);
            m.put("registered", registeredNow);
            m.put("registrations", registrations.sum());
            m.put("connect_failures", connectFailures.sum());
            m.put("reconnects", reconnects.sum());
            m.put("window", window);
            m.put("rate", rate);
            m.put("seconds", round(measured / 1e9));
            m.put("measure_start_ms", measureStartMs);
            m.put("measure_end_ms", measureEndMs);
            m.put("acks", acked);
            m.put("acks_per_s", round(acked / Math.max(measured / 1e9, 1e-9)));
            m.put("errors", errs);
            m.put("acks_total", acks.sum());
            m.put("skipped_sends", skipped);
            m.put("missed_while_disconnected", missedWhileDisconnected.sum());
            m.put("unacked_at_close", unackedAtClose.sum());
            m.put("latency_us", summary(h));
            if (rate > 0) {
                m.put("latency_from_send_us", summary(sent));
                m.put("send_lag_us", summary(lag));
            }
            if (viewers > 0) {
                Map<String, Object> f = summary(fresh);
                f.put("samples", fresh.getTotalCount());
                m.put("viewers_held", viewersOpen.get());
                m.put("deltas", deltasSeen);
                m.put("delta_freshness_us", f);
                if (urls.size() > 1) {
                    Map<String, Object> x = summary(crossFresh);
                    x.put("samples", crossFresh.getTotalCount());
                    m.put("cross_node_freshness_us", x);
                }
            }
            if (timeline) {
                synchronized (timelineEntries) {
                    m.put("timeline", new ArrayList<>(timelineEntries));
                }
            }
            for (Client c : clients) {
                c.close();
            }
            for (Channel ch : viewerChannels) {
                ch.close();
            }
            return new Result(m, h);
        } finally {
            sending = false;
            if (progress != null) {
                progress.stop = true;
            }
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    /** Whether a closed client reconnects now: while the load runs, and in idle mode until the hold is released. */
    private boolean reconnecting() {
        return sending || (idle && release.getCount() > 0);
    }

    /** Whether the measured window is running (for tests). */
    boolean measuring() {
        return measuring;
    }

    /** The event loops the clients run on, once {@link #run()} has started them (for tests). */
    @Nullable
    EventLoopGroup eventLoops() {
        return group;
    }

    private Channel connectViewer(Bootstrap b, URI url, int node, InetAddress source, boolean measuring) {
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
                                        new ViewerHandler(node, measuring));
                    }
                })
                .connect(remote, new InetSocketAddress(source, 0))
                .channel();
    }

    private void readControl() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                switch (line.trim()) {
                    case "stop" -> stopMeasuring.countDown();
                    case "release" -> release.countDown();
                    default -> System.err.println("loadgen: unknown control line: " + line.trim());
                }
            }
        } catch (IOException e) {
            // as the end of stdin
        }
        aborted.countDown();
        stopMeasuring.countDown();
        release.countDown();
    }

    private static long mark(String name) {
        long now = System.currentTimeMillis();
        System.err.println("#mark " + name + " " + now);
        return now;
    }

    /**
     * One simulated client, across its connections. Its state is confined to one event loop: every connection it
     * opens is registered there, and its timers run there.
     */
    private final class Client {
        private final String id;
        private final int index;
        private final EventLoop loop;
        private final Bootstrap bootstrap;
        private final URI url;
        private final InetSocketAddress remote;
        private final InetSocketAddress local;
        private final byte[] head;
        /** Per message in flight, in order: intended (rate) or actual (window) send time; registration included. */
        private final LongRing due = new LongRing(Math.max(4, window + 2));
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

        Client(String id, int index, EventLoop loop, Bootstrap bootstrap, URI url, InetSocketAddress local) {
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
                                            new WebSocketClientProtocolHandler(
                                                    WebSocketClientProtocolConfig.newBuilder()
                                                            .webSocketUri(url)
                                                            .version(WebSocketVersion.V13)
                                                            .maxFramePayloadLength(1 << 20)
                                                            .handshakeTimeoutMillis(30_000)
                                                            .build()),
                                            new ClientHandler(Client.this));
                        }
                    })
                    .connect(remote, local);
            channel = f.channel();
            f.addListener(done -> {
                if (pending != null) {
                    pending.release();
                }
                if (!done.isSuccess()) {
                    connectFailures.increment();
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
            if (!reconnect || !reconnecting() || aborted.getCount() == 0) {
                return;
            }
            int delayMs = Math.min(1000, 100 << Math.min(attempts++, 4));
            long jittered = delayMs / 2 + ThreadLocalRandom.current().nextLong(delayMs / 2 + 1);
            loop.schedule(
                    () -> {
                        if (reconnecting() && aborted.getCount() > 0) {
                            reconnects.increment();
                            connect(null);
                        }
                    },
                    jittered,
                    TimeUnit.MILLISECONDS);
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
                registered.decrementAndGet();
            }
            if (sending) {
                unackedAtClose.add(due.size());
                disconnectedAt = System.nanoTime();
            }
            due.clear();
            sent.clear();
            retryLater();
        }

        void reply(ChannelHandlerContext context, ByteBuf c) {
            boolean ack = startsWith(c, ACK_PREFIX);
            if (!ack && !startsWith(c, ERROR_PREFIX)) {
                return; // a command or another unsolicited frame, not a reply
            }
            if (due.isEmpty()) {
                errors.increment(); // a reply to nothing sent
                return;
            }
            long now = System.nanoTime();
            long intended = due.poll();
            long sentAt = rate > 0 ? sent.poll() : intended;
            if (awaitingRegistration) {
                awaitingRegistration = false;
                ackedSeq++;
                if (!ack) {
                    errors.increment();
                    context.close();
                    return;
                }
                registrations.increment();
                registered.incrementAndGet();
                registeredNow = true;
                attempts = 0;
                startSending(now);
                return;
            }
            if (ack) {
                acks.increment();
                long micros = Math.min(MAX_MICROS, (now - intended) / 1000);
                latency.recordValue(micros);
                if (timeline) {
                    perSecond.recordValue(micros);
                }
                if (rate > 0) {
                    fromSend.recordValue(Math.min(MAX_MICROS, (now - sentAt) / 1000));
                }
                if (viewers > 0) {
                    lastAckSeq.set(index, ackedSeq);
                    lastAckNanos.set(index, now);
                }
            } else {
                errors.increment();
            }
            ackedSeq++;
            if (!idle && rate <= 0 && sending) {
                send(now, now);
            }
        }

        private void startSending(long now) {
            if (idle || !sending) {
                return;
            }
            if (rate > 0) {
                if (disconnectedAt != 0) {
                    missedWhileDisconnected.add((now - disconnectedAt) / periodNanos);
                    disconnectedAt = 0;
                }
                nextDue = now + ThreadLocalRandom.current().nextLong(periodNanos);
                schedule(now);
            } else {
                for (int i = 0; i < window; i++) {
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
            if (gen != generation || ctx == null || !sending) {
                return;
            }
            long now = System.nanoTime();
            boolean wrote = false;
            while (nextDue <= now) {
                if (due.size() >= maxInFlight) {
                    skippedSends.increment();
                } else {
                    sendLag.recordValue(Math.min(MAX_MICROS, (now - nextDue) / 1000));
                    send(nextDue, now);
                    wrote = true;
                }
                nextDue += periodNanos;
            }
            if (wrote) {
                ctx.flush();
            }
            schedule(now);
        }

        private void send(long intended, long now) {
            ByteBuf buf = ctx.alloc().ioBuffer(head.length + 32 + filler.length);
            buf.writeBytes(head);
            if (viewers > 0) {
                lastSendNanos.set(index, System.nanoTime());
                lastSendSeq.set(index, seq);
            }
            writeLong(buf, seq++);
            if (filler.length > 0) {
                buf.writeBytes(", \"filler\": ".getBytes(StandardCharsets.US_ASCII));
                buf.writeBytes(filler);
            }
            buf.writeByte('}').writeByte('}');
            due.add(intended);
            if (rate > 0) {
                sent.add(now);
            }
            ctx.write(new TextWebSocketFrame(buf));
        }
    }

    /** One client connection's handler: hands events to its {@link Client}. */
    private final class ClientHandler extends SimpleChannelInboundHandler<WebSocketFrame> {
        private final Client client;

        ClientHandler(Client client) {
            this.client = client;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            open.incrementAndGet();
            super.channelActive(ctx);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            open.decrementAndGet();
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
            errors.increment();
            ctx.close();
        }
    }

    /**
     * A dashboard viewer. A measuring viewer reads every delta and, for each client in it whose {@code seq} is the
     * one this process last saw acknowledged, records the time from that ack to now: how fresh the dashboard is.
     * With several gateways, for each client held by another gateway than the viewer's whose {@code seq} is the one
     * it sent last, it also records the time from that send to now, once per update: what a user of a dashboard on
     * node B sees of a change on node A.
     */
    private final class ViewerHandler extends SimpleChannelInboundHandler<WebSocketFrame> {
        private final int node;
        private final boolean measuring;
        private final String prefix = idPrefix + "-";
        private final long[] crossSeen;

        ViewerHandler(int node, boolean measuring) {
            this.node = node;
            this.measuring = measuring;
            this.crossSeen = new long[urls.size() > 1 && measuring ? connections : 0];
            Arrays.fill(crossSeen, -1);
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
                                    freshness.recordValue(Math.max(0, Math.min(MAX_MICROS, (now - acked) / 1000)));
                                }
                                if (i < crossSeen.length
                                        && i % urls.size() != node
                                        && crossSeen[i] != seq
                                        && lastSendSeq.get(i) == seq) {
                                    crossSeen[i] = seq;
                                    long sentAt = lastSendNanos.get(i);
                                    crossFreshness.recordValue(
                                            Math.max(0, Math.min(MAX_MICROS, (now - sentAt) / 1000)));
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

    private static Map<String, Object> summary(Histogram h) {
        Map<String, Object> lat = new LinkedHashMap<>();
        lat.put("p50", h.getValueAtPercentile(50));
        lat.put("p90", h.getValueAtPercentile(90));
        lat.put("p99", h.getValueAtPercentile(99));
        lat.put("p999", h.getValueAtPercentile(99.9));
        lat.put("max", h.getMaxValue());
        lat.put("mean", round(h.getMean()));
        return lat;
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }

    /**
     * Once a second, on its own schedule: a progress line on stderr, the timeline's entry (acks that arrived in
     * that second and their latency, and the p99 of the last 5 s together), and the {@code all-registered} mark when
     * every client is registered.
     */
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
            long last = start;
            boolean allRegistered = false;
            Histogram interval = null;
            ArrayDeque<Histogram> recent = new ArrayDeque<>(TRAILING_SECONDS);
            for (long tick = 1; !stop; tick++) {
                long next = start + TimeUnit.SECONDS.toNanos(tick);
                try {
                    TimeUnit.NANOSECONDS.sleep(Math.max(0, next - System.nanoTime()));
                } catch (InterruptedException e) {
                    return;
                }
                long now = System.nanoTime();
                long a = acks.sum();
                double perSec = (a - lastAcks) * 1e9 / Math.max(1, now - last);
                int reg = registered.get();
                System.err.printf(
                        "t=%5.1fs %s open=%d registered=%d acks/s=%.0f errors=%d connect_failures=%d%n",
                        (now - start) / 1e9,
                        measuring ? "measure" : "ramp/warm",
                        open.get(),
                        reg,
                        perSec,
                        errors.sum(),
                        connectFailures.sum());
                if (!allRegistered && reg >= connections) {
                    allRegistered = true;
                    mark("all-registered");
                }
                if (timeline && tick <= MAX_TIMELINE_SECONDS) {
                    interval = perSecond.getIntervalHistogram(interval);
                    Map<String, Object> e = new LinkedHashMap<>();
                    e.put("end_ms", System.currentTimeMillis());
                    e.put("acks", interval.getTotalCount());
                    e.put("p50", interval.getValueAtPercentile(50));
                    e.put("p99", interval.getValueAtPercentile(99));
                    e.put("p999", interval.getValueAtPercentile(99.9));
                    e.put("max", interval.getMaxValue());
                    if (recent.size() == TRAILING_SECONDS) {
                        recent.removeFirst();
                    }
                    recent.addLast(interval.copy());
                    Histogram trailing = new Histogram(MAX_MICROS, 2);
                    recent.forEach(trailing::add);
                    e.put("p99_trailing", trailing.getValueAtPercentile(99));
                    e.put("open", open.get());
                    e.put("registered", reg);
                    timelineEntries.add(e);
                }
                lastAcks = a;
                last = now;
            }
        }
    }

    /**
     * One run's result: its fields as they appear in the JSON result line, and the latency histogram (encoded into
     * the line, compressed, for merging).
     */
    public record Result(Map<String, Object> fields, Histogram histogram) {

        /** The JSON result line. */
        public String toJson() {
            Map<String, Object> m = new LinkedHashMap<>(fields);
            m.put("histogram", encode(histogram));
            return JSON.writeValueAsString(m);
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
        private static final List<String> SUMMED = List.of(
                "connections_target",
                "connections_held",
                "registered",
                "registrations",
                "connect_failures",
                "reconnects",
                "acks",
                "errors",
                "acks_total",
                "skipped_sends",
                "missed_while_disconnected",
                "unacked_at_close");

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
            Map<String, Object> m = new LinkedHashMap<>();
            Map<String, Long> sums = new LinkedHashMap<>();
            double seconds = 0;
            double rate = 0;
            for (String line : lines) {
                if (!line.startsWith("{")) {
                    continue;
                }
                JsonNode n = JSON.readTree(line);
                Histogram h = Result.decode(n.get("histogram").asString());
                if (merged == null) {
                    merged = h.copy();
                } else {
                    merged.add(h);
                }
                m.put("mode", n.get("mode").asString());
                m.put("latency_basis", n.path("latency_basis").asString("send time"));
                m.put("window", n.get("window").asInt());
                for (String k : SUMMED) {
                    sums.merge(k, n.path(k).asLong(0), Long::sum);
                }
                seconds = Math.max(seconds, n.get("seconds").asDouble());
                rate += n.get("rate").asDouble();
            }
            if (merged == null) {
                System.err.println("no result lines");
                return 1;
            }
            m.putAll(sums);
            m.put("rate", rate);
            m.put("seconds", seconds);
            m.put("acks_per_s", round(sums.get("acks") / Math.max(seconds, 1e-9)));
            m.put("latency_us", summary(merged));
            System.out.println(new Result(m, merged).toJson());
            return 0;
        }
    }
}
