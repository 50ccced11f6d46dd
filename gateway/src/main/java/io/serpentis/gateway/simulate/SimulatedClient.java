package io.serpentis.gateway.simulate;

import java.net.http.WebSocket;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One simulated client, behaving as the original's reference client ({@code src/client/client.py}, PROTOCOL.md
 * section 4.18): on connect it sends its initial status and right after it the first periodic one, then one every
 * interval ({@code timestamp}, {@code cpu_usage}, {@code memory_usage}, {@code client_state}), none while paused.
 * It acknowledges {@code pause} and {@code resume} with an ordinary status message ({@code client_state},
 * {@code acknowledged_command}, {@code timestamp}); on {@code disconnect} it acknowledges, closes cleanly and does
 * not come back (the original's client reconnected by mistake). A lost connection is retried with jittered,
 * exponentially growing delays; a takeover (4001: another connection registered the same id) ends the client.
 *
 * <p>Threading: the JDK WebSocket's listener callbacks, the simulator's timer and {@link #stop()} meet under this
 * object's lock; no I/O is done while holding it. Sends on one connection are chained, as the JDK client requires.
 * Callbacks of an older connection are recognised by their generation number and ignored.
 */
final class SimulatedClient {
    private static final Logger log = LoggerFactory.getLogger(SimulatedClient.class);
    /** {@code datetime.now(timezone.utc).isoformat()}, as the reference client writes its timestamps. */
    private static final DateTimeFormatter ISO_MICROS =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'+00:00'");
    /** Periodic updates skipped while this many sends are still in flight (a gateway that does not read). */
    private static final int MAX_PENDING_SENDS = 8;
    /** Close code 1001: the simulator is shutting down. */
    private static final int GOING_AWAY = 1001;

    /** Where a client is. */
    enum State {
        /** Waiting to (re)connect. */
        WAITING,
        /** The handshake is in flight. */
        CONNECTING,
        /** Connected; {@link #registered} once the gateway acknowledged a status. */
        CONNECTED,
        /** Done: disconnected by an operator, taken over, or the simulator stopped. */
        STOPPED
    }

    private final Simulator sim;
    private final String id;

    // Guarded by this.
    private State state = State.WAITING;
    private @Nullable WebSocket ws;
    private long generation;
    private boolean registered;
    private boolean paused;
    private boolean stopRequested;
    private int failures;
    private @Nullable ScheduledFuture<?> periodic;
    private CompletableFuture<?> sendChain = CompletableFuture.completedFuture(null);
    private int pendingSends;
    private double cpu;
    private double memory;

    SimulatedClient(Simulator sim, String id) {
        this.sim = sim;
        this.id = id;
        ThreadLocalRandom r = ThreadLocalRandom.current();
        this.cpu = r.nextDouble(5, 95);
        this.memory = r.nextDouble(5, 95);
    }

    String id() {
        return id;
    }

    /** Where the client is, read at once under its lock (a count of registered and paused clients agrees). */
    synchronized Status status() {
        return new Status(state, registered, paused);
    }

    /**
     * @param state where the client is
     * @param registered the gateway acknowledged a status on this connection
     * @param paused an operator paused it (and nobody resumed it since)
     */
    record Status(State state, boolean registered, boolean paused) {}

    /** Starts a WebSocket handshake, unless too many are in flight (then it tries again shortly). */
    void connect() {
        long gen;
        synchronized (this) {
            if (stopRequested || state != State.WAITING) {
                return;
            }
            if (!sim.connectPermits().tryAcquire()) {
                sim.schedule(this::connect, ThreadLocalRandom.current().nextLong(20, 100), TimeUnit.MILLISECONDS);
                return;
            }
            state = State.CONNECTING;
            gen = ++generation;
        }
        CompletableFuture<WebSocket> handshake;
        try {
            handshake = sim.http()
                    .newWebSocketBuilder()
                    .connectTimeout(Duration.ofSeconds(10))
                    .buildAsync(sim.settings().url(), new Listener(gen));
        } catch (RuntimeException e) {
            sim.connectPermits().release();
            lost(gen, "cannot connect: " + e);
            return;
        }
        handshake.whenComplete((w, error) -> {
            sim.connectPermits().release();
            if (error != null) {
                lost(gen, "cannot connect: " + rootMessage(error));
            } else {
                opened(gen, w);
            }
        });
    }

    private void opened(long gen, WebSocket w) {
        synchronized (this) {
            if (gen != generation || stopRequested) {
                w.abort();
                return;
            }
            ws = w;
            state = State.CONNECTED;
            registered = false;
            paused = false;
            sendChain = CompletableFuture.completedFuture(null);
            pendingSends = 0;
            // The reference client's start: its initial status, then at once the first periodic one.
            String now = now();
            ObjectNode status =
                    status("client_state", "running").put("connected_at", now).put("timestamp", now);
            sample(status);
            send(w, message(status), false);
            send(w, periodicMessage(), false);
            long interval = sim.settings().interval().toMillis();
            periodic = sim.scheduleAtFixedRate(this::tick, interval, interval, TimeUnit.MILLISECONDS);
        }
        log.debug("client {} connected to {}", id, sim.settings().url());
    }

    private void tick() {
        synchronized (this) {
            WebSocket w = ws;
            if (w != null && !paused && state == State.CONNECTED) {
                send(w, periodicMessage(), true);
            }
        }
    }

    private void received(long gen, String text) {
        JsonNode msg;
        try {
            msg = sim.json().readTree(text);
        } catch (RuntimeException e) {
            sim.stats().error();
            sim.warnings().warn("client {} received a message that is not JSON: {}", id, abbreviate(text));
            return;
        }
        JsonNode command = msg.get("command");
        if (command != null) {
            command(gen, command.asString());
        } else if ("message_processed".equals(msg.path("result").asString(""))) {
            sim.stats().ack();
            synchronized (this) {
                if (gen == generation && !registered) {
                    registered = true;
                    failures = 0; // a registration acknowledged: the next loss starts the backoff afresh
                }
            }
        } else if (msg.has("error")) {
            sim.stats().error();
            sim.warnings()
                    .warn(
                            "client {} was refused: {}",
                            id,
                            abbreviate(msg.path("error").asString("")));
        }
    }

    private void command(long gen, String command) {
        sim.stats().command();
        log.info("client {} received command: {}", id, command);
        synchronized (this) {
            WebSocket w = ws;
            if (gen != generation || w == null) {
                return;
            }
            switch (command) {
                case "pause" -> {
                    paused = true;
                    send(
                            w,
                            message(status("client_state", "paused")
                                    .put("acknowledged_command", "pause")
                                    .put("timestamp", now())),
                            false);
                }
                case "resume" -> {
                    paused = false;
                    send(
                            w,
                            message(status("client_state", "running")
                                    .put("acknowledged_command", "resume")
                                    .put("timestamp", now())),
                            false);
                }
                case "disconnect" -> {
                    // Acknowledge within the gateway's grace, then close by ourselves, and stay away.
                    stopRequested = true;
                    cancelPeriodic();
                    send(w, message(status("acknowledged_command", "disconnect").put("timestamp", now())), false);
                    sendChain = sendChain
                            .handle((x, e) -> null)
                            .thenCompose(x -> w.sendClose(WebSocket.NORMAL_CLOSURE, ""));
                }
                default -> log.warn("client {} ignores the unknown command {}", id, abbreviate(command));
            }
        }
    }

    /** The connection ended with a close frame from the gateway. */
    private void closed(long gen, int code, String reason) {
        if (code == 4001) {
            synchronized (this) {
                if (gen == generation) {
                    stopRequested = true; // another connection holds this id now; coming back would fight it
                }
            }
            log.warn("client {} was taken over by another connection with the same id (4001); it stops", id);
        }
        lost(gen, "closed by the gateway: " + code + (reason.isEmpty() ? "" : " " + reason));
    }

    /** The connection is gone (or never came): stop for good when asked to, else come back after a delay. */
    private void lost(long gen, String why) {
        long delayMillis;
        synchronized (this) {
            if (gen != generation || state == State.STOPPED) {
                return;
            }
            ws = null;
            registered = false;
            cancelPeriodic();
            if (stopRequested) {
                state = State.STOPPED;
                sim.clientStopped();
                log.debug("client {} stopped ({})", id, why);
                return;
            }
            state = State.WAITING;
            failures++;
            delayMillis = backoffMillis(failures);
        }
        sim.stats().reconnect();
        sim.reconnects().warn("client {} lost its connection ({}); reconnecting in {} ms", id, why, delayMillis);
        sim.schedule(this::connect, delayMillis, TimeUnit.MILLISECONDS);
    }

    /** Exponential backoff with "equal jitter": between half and all of min * 2^(n-1), capped. */
    private long backoffMillis(int attempt) {
        long min = sim.settings().reconnectMinDelay().toMillis();
        long max = sim.settings().reconnectMaxDelay().toMillis();
        long exp = Math.min(max, min << Math.min(attempt - 1, 20));
        return exp / 2 + ThreadLocalRandom.current().nextLong(exp / 2 + 1);
    }

    /** Closes the connection (1001, going away) and stops; the simulator is shutting down. */
    CompletableFuture<?> stop() {
        synchronized (this) {
            stopRequested = true;
            cancelPeriodic();
            WebSocket w = ws;
            if (w == null) {
                if (state != State.STOPPED) {
                    state = State.STOPPED;
                    generation++; // a handshake in flight is aborted when it completes
                    sim.clientStopped();
                }
                return CompletableFuture.completedFuture(null);
            }
            sendChain =
                    sendChain.handle((x, e) -> null).thenCompose(x -> w.sendClose(GOING_AWAY, "simulator stopping"));
            return sendChain;
        }
    }

    /** Drops the connection without a close handshake (after {@link #stop()} had its chance). */
    void abort() {
        WebSocket w;
        synchronized (this) {
            w = ws;
        }
        if (w != null) {
            w.abort();
        }
    }

    // ---- messages; callers hold the lock

    private void send(WebSocket w, ObjectNode message, boolean droppable) {
        if (droppable && pendingSends >= MAX_PENDING_SENDS) {
            sim.stats().dropped();
            return;
        }
        pendingSends++;
        String text = sim.json().writeValueAsString(message);
        sendChain = sendChain
                .handle((x, e) -> null)
                .thenCompose(x -> w.sendText(text, true))
                .whenComplete((x, e) -> {
                    synchronized (this) {
                        pendingSends--;
                    }
                    if (e == null) {
                        sim.stats().sent();
                    }
                });
    }

    private ObjectNode periodicMessage() {
        ObjectNode status = sim.json().createObjectNode().put("timestamp", now());
        sample(status);
        status.put("client_state", "running");
        return message(status);
    }

    /** Adds {@code cpu_usage} and {@code memory_usage}: a random walk, two decimals, like psutil's readings. */
    private void sample(ObjectNode status) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        cpu = Math.max(0, Math.min(100, cpu + r.nextGaussian() * 8));
        memory = Math.max(0, Math.min(100, memory + r.nextGaussian() * 2));
        status.put("cpu_usage", Math.round(cpu * 100) / 100.0);
        status.put("memory_usage", Math.round(memory * 100) / 100.0);
    }

    private ObjectNode status(String name, String value) {
        return sim.json().createObjectNode().put(name, value);
    }

    private ObjectNode message(ObjectNode status) {
        ObjectNode m = sim.json().createObjectNode().put("client_id", id);
        m.set("status", status);
        return m;
    }

    private void cancelPeriodic() {
        ScheduledFuture<?> p = periodic;
        if (p != null) {
            p.cancel(false);
            periodic = null;
        }
    }

    private static String now() {
        return OffsetDateTime.now(ZoneOffset.UTC).format(ISO_MICROS);
    }

    private static String abbreviate(String s) {
        return s.length() <= 120 ? s : s.substring(0, 120) + "...";
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }

    /** The JDK WebSocket's callbacks for one connection attempt. */
    private final class Listener implements WebSocket.Listener {
        private final long gen;
        private final StringBuilder partial = new StringBuilder();

        Listener(long gen) {
            this.gen = gen;
        }

        @Override
        public @Nullable CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String text = partial.toString();
                partial.setLength(0);
                received(gen, text);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public @Nullable CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed(gen, statusCode, reason);
            return null; // the JDK client then answers the close frame
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            lost(gen, rootMessage(error));
        }
    }
}
