package io.serpentis.gateway.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.serpentis.gateway.config.DurationConverter;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
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
 *
 * <p>This class holds the options and the run; a client is a {@link LoadClient}, a dashboard viewer a
 * {@link ViewerClient}, the once-a-second line {@link LoadProgress}, and {@code loadgen merge} {@link LoadMerge}.
 */
@Command(
        name = "loadgen",
        mixinStandardHelpOptions = true,
        showDefaultValues = true,
        sortOptions = false,
        subcommands = LoadMerge.class,
        description = "Drives the gateway with N WebSocket clients and reports ack throughput and latency.")
public final class LoadGenerator implements Callable<Integer> {
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final byte[] ACK_PREFIX = "{\"result\"".getBytes(StandardCharsets.US_ASCII);
    static final byte[] ERROR_PREFIX = "{\"error\"".getBytes(StandardCharsets.US_ASCII);
    static final long MAX_MICROS = TimeUnit.SECONDS.toMicros(60);
    static final int MAX_TIMELINE_SECONDS = 3600;
    /** The timeline's trailing window, in seconds, for a p99 steadier than one second's. */
    static final int TRAILING_SECONDS = 5;

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

    // The run's measurements and shared state: package-private for the parts of the run in their own classes
    // (LoadClient, ViewerClient, LoadProgress). Written from the clients' event loops; read by the progress thread
    // and at the end of run().
    /** Ack latency: from the intended send time (rate mode) or the send time (window mode). */
    final Recorder latency = new Recorder(MAX_MICROS, 3);
    /** Rate mode: from the actual send time, as a sender that only counts what it managed to send would see. */
    final Recorder fromSend = new Recorder(MAX_MICROS, 3);
    /** Rate mode: how late this process sent each message. */
    final Recorder sendLag = new Recorder(MAX_MICROS, 3);

    final Recorder perSecond = new Recorder(MAX_MICROS, 2);
    final Recorder freshness = new Recorder(MAX_MICROS, 3);
    /** Several gateways: from a client's send of an update to the delta carrying it on another gateway's feed. */
    final Recorder crossFreshness = new Recorder(MAX_MICROS, 3);

    final LongAdder deltas = new LongAdder();
    final AtomicInteger viewersOpen = new AtomicInteger();
    final LongAdder acks = new LongAdder();
    final LongAdder errors = new LongAdder();
    final LongAdder connectFailures = new LongAdder();
    final LongAdder registrations = new LongAdder();
    final LongAdder reconnects = new LongAdder();
    final LongAdder skippedSends = new LongAdder();
    final LongAdder missedWhileDisconnected = new LongAdder();
    final LongAdder unackedAtClose = new LongAdder();
    final AtomicInteger registered = new AtomicInteger();
    final AtomicInteger open = new AtomicInteger();
    final List<Map<String, Object>> timelineEntries = Collections.synchronizedList(new ArrayList<>());
    final CountDownLatch aborted = new CountDownLatch(1);
    final CountDownLatch stopMeasuring = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    AtomicLongArray lastAckNanos;
    AtomicLongArray lastAckSeq;
    AtomicLongArray lastSendNanos;
    AtomicLongArray lastSendSeq;
    volatile boolean sending = true;
    volatile boolean measuring;
    volatile EventLoopGroup group;
    long periodNanos;
    byte[] filler = new byte[0];

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
        LoadProgress progress = null;
        try {
            Bootstrap b = new Bootstrap()
                    .group(group)
                    .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                    .option(ChannelOption.SO_REUSEADDR, true);
            List<Channel> viewerChannels = new ArrayList<>(viewers);
            List<LoadClient> clients = new ArrayList<>(connections);
            Semaphore pending = new Semaphore(maxPendingConnects);
            long start = System.nanoTime();
            long rampNanos = rampUp.toNanos();
            progress = new LoadProgress(this, start);
            Thread progressThread = new Thread(progress, "loadgen-progress");
            progressThread.setDaemon(true);
            progressThread.start();
            for (int v = 0; v < viewers; v++) {
                URI url = urls.get(v % urls.size());
                viewerChannels.add(ViewerClient.connect(
                        this, b, url, v % urls.size(), sources.get(v % sources.size()), v < measuringViewers));
            }
            for (int i = 0; i < connections && aborted.getCount() > 0; i++) {
                long due = start + (connections <= 1 ? 0 : rampNanos * i / connections);
                long wait = due - System.nanoTime();
                if (wait > 0 && aborted.await(wait, TimeUnit.NANOSECONDS)) {
                    break;
                }
                pending.acquire();
                URI url = urls.get(i % urls.size());
                LoadClient c = new LoadClient(
                        this,
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
            m.put("seconds", Histograms.round(measured / 1e9));
            m.put("measure_start_ms", measureStartMs);
            m.put("measure_end_ms", measureEndMs);
            m.put("acks", acked);
            m.put("acks_per_s", Histograms.round(acked / Math.max(measured / 1e9, 1e-9)));
            m.put("errors", errs);
            m.put("acks_total", acks.sum());
            m.put("skipped_sends", skipped);
            m.put("missed_while_disconnected", missedWhileDisconnected.sum());
            m.put("unacked_at_close", unackedAtClose.sum());
            m.put("latency_us", Histograms.summary(h));
            if (rate > 0) {
                m.put("latency_from_send_us", Histograms.summary(sent));
                m.put("send_lag_us", Histograms.summary(lag));
            }
            if (viewers > 0) {
                m.put("viewers_held", viewersOpen.get());
                m.put("deltas", deltasSeen);
                m.put("delta_freshness_us", Histograms.withSamples(fresh));
                if (urls.size() > 1) {
                    m.put("cross_node_freshness_us", Histograms.withSamples(crossFresh));
                }
            }
            if (timeline) {
                synchronized (timelineEntries) {
                    m.put("timeline", new ArrayList<>(timelineEntries));
                }
            }
            for (LoadClient c : clients) {
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

    /** Whether the measured window is running (for tests). */
    boolean measuring() {
        return measuring;
    }

    /** The event loops the clients run on, once {@link #run()} has started them (for tests). */
    @Nullable
    EventLoopGroup eventLoops() {
        return group;
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

    static long mark(String name) {
        long now = System.currentTimeMillis();
        System.err.println("#mark " + name + " " + now);
        return now;
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
}
