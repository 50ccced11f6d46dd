package io.serpentis.gateway.simulate;

import io.serpentis.gateway.config.DurationConverter;
import io.serpentis.gateway.logging.RateLimitedLog;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * Runs {@link SimulatorSettings#clients()} simulated clients ({@link SimulatedClient}) against one gateway, on the
 * JDK's own HTTP client (two I/O threads) and one timer thread, whatever the number of clients. Handshakes are
 * bounded ({@link SimulatorSettings#maxConnecting()}) and the first connections are spread over one interval, so
 * the gateway sees neither a connection storm nor all updates in the same millisecond. Logs a summary line every
 * report interval.
 *
 * <p>{@link #start()} once, {@link #close()} once; the other methods may be called from any thread.
 */
public final class Simulator implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Simulator.class);

    /** Counters over every client since the start. */
    public static final class Stats {
        private final LongAdder sent = new LongAdder();
        private final LongAdder acks = new LongAdder();
        private final LongAdder errors = new LongAdder();
        private final LongAdder commands = new LongAdder();
        private final LongAdder reconnects = new LongAdder();
        private final LongAdder dropped = new LongAdder();

        void sent() {
            sent.increment();
        }

        void ack() {
            acks.increment();
        }

        void error() {
            errors.increment();
        }

        void command() {
            commands.increment();
        }

        void reconnect() {
            reconnects.increment();
        }

        void dropped() {
            dropped.increment();
        }
    }

    /**
     * The simulator at one moment.
     *
     * @param clients clients simulated
     * @param registered connected, with a status acknowledged by the gateway
     * @param paused registered clients an operator paused
     * @param stopped clients that are done (disconnected by an operator, taken over, or shut down)
     * @param sent status messages sent
     * @param acks acknowledgements received
     * @param errors error replies received
     * @param commands operator commands received
     * @param reconnects connection losses followed by a reconnect attempt
     * @param dropped periodic updates skipped because the gateway did not take the previous ones
     */
    public record Snapshot(
            int clients,
            int registered,
            int paused,
            int stopped,
            long sent,
            long acks,
            long errors,
            long commands,
            long reconnects,
            long dropped) {}

    private final SimulatorSettings settings;
    private final ExecutorService io;
    private final ScheduledExecutorService timer;
    private final HttpClient http;
    private final JsonMapper json = JsonMapper.builder().build();
    private final Semaphore connectPermits;
    private final List<SimulatedClient> clients;
    private final Stats stats = new Stats();
    private final AtomicInteger stopped = new AtomicInteger();
    private final CountDownLatch allStopped;
    private final RateLimitedLog reconnectLog = new RateLimitedLog(log, Duration.ofSeconds(5));
    private final RateLimitedLog warnings = new RateLimitedLog(log, Duration.ofSeconds(5));
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile @Nullable ScheduledFuture<?> report;

    public Simulator(SimulatorSettings settings) {
        this.settings = settings;
        this.io = Executors.newFixedThreadPool(2, daemon("simulate-io"));
        this.timer = Executors.newSingleThreadScheduledExecutor(daemon("simulate-timer"));
        this.http = HttpClient.newBuilder()
                .executor(io)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
        this.connectPermits = new Semaphore(settings.maxConnecting());
        this.allStopped = new CountDownLatch(settings.clients());
        List<SimulatedClient> list = new ArrayList<>(settings.clients());
        for (int i = 0; i < settings.clients(); i++) {
            list.add(new SimulatedClient(this, settings.clientId(i)));
        }
        this.clients = List.copyOf(list);
    }

    /** Connects every client, the first connections spread over one interval (at most 20 ms apart). */
    public void start() {
        long spacingMicros = Math.min(20_000, settings.interval().toNanos() / 1000 / settings.clients());
        for (int i = 0; i < clients.size(); i++) {
            schedule(clients.get(i)::connect, i * spacingMicros, TimeUnit.MICROSECONDS);
        }
        long every = settings.reportInterval().toMillis();
        if (every > 0) {
            report = timer.scheduleAtFixedRate(this::report, every, every, TimeUnit.MILLISECONDS);
        }
        log.info(
                "Simulating {} clients ({}...) against {}, a status every {}",
                clients.size(),
                clients.get(0).id(),
                settings.url(),
                DurationConverter.format(settings.interval()));
    }

    /** The counters and client states now. */
    public Snapshot snapshot() {
        int registered = 0;
        int paused = 0;
        for (SimulatedClient c : clients) {
            SimulatedClient.Status status = c.status();
            if (status.registered()) {
                registered++;
                if (status.paused()) {
                    paused++;
                }
            }
        }
        return new Snapshot(
                clients.size(),
                registered,
                paused,
                stopped.get(),
                stats.sent.sum(),
                stats.acks.sum(),
                stats.errors.sum(),
                stats.commands.sum(),
                stats.reconnects.sum(),
                stats.dropped.sum());
    }

    /** The client ids, in order. */
    public List<String> clientIds() {
        return clients.stream().map(SimulatedClient::id).toList();
    }

    /** Whether client {@code id} is done (it will not reconnect). */
    public boolean isStopped(String id) {
        return clients.stream().anyMatch(c -> c.id().equals(id) && c.status().state() == SimulatedClient.State.STOPPED);
    }

    /** Waits until every client is done (all were disconnected by operators, say), at most {@code timeout}. */
    public boolean awaitAllStopped(Duration timeout) throws InterruptedException {
        return allStopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void report() {
        Snapshot s = snapshot();
        log.info(
                "{} clients: {} registered, {} paused, {} stopped; {} sent, {} acks, {} errors, {} commands, "
                        + "{} reconnects",
                s.clients(),
                s.registered(),
                s.paused(),
                s.stopped(),
                s.sent(),
                s.acks(),
                s.errors(),
                s.commands(),
                s.reconnects());
    }

    /** Closes every connection (1001), waits briefly for the closing handshakes, then stops the threads. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (report != null) {
            report.cancel(false);
        }
        List<CompletableFuture<?>> closing = new ArrayList<>(clients.size());
        for (SimulatedClient c : clients) {
            closing.add(c.stop().exceptionally(e -> null));
        }
        try {
            CompletableFuture.allOf(closing.toArray(new CompletableFuture<?>[0]))
                    .get(3, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.debug("not every client closed in time: {}", e.toString());
        }
        clients.forEach(SimulatedClient::abort);
        report();
        timer.shutdownNow();
        io.shutdownNow();
    }

    // ---- for the clients

    SimulatorSettings settings() {
        return settings;
    }

    HttpClient http() {
        return http;
    }

    JsonMapper json() {
        return json;
    }

    Semaphore connectPermits() {
        return connectPermits;
    }

    Stats stats() {
        return stats;
    }

    RateLimitedLog reconnects() {
        return reconnectLog;
    }

    RateLimitedLog warnings() {
        return warnings;
    }

    void clientStopped() {
        stopped.incrementAndGet();
        allStopped.countDown();
    }

    void schedule(Runnable task, long delay, TimeUnit unit) {
        try {
            timer.schedule(task, delay, unit);
        } catch (RejectedExecutionException e) {
            // shutting down
        }
    }

    @Nullable
    ScheduledFuture<?> scheduleAtFixedRate(Runnable task, long delay, long period, TimeUnit unit) {
        try {
            return timer.scheduleAtFixedRate(task, delay, period, unit);
        } catch (RejectedExecutionException e) {
            return null; // shutting down
        }
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
