package io.serpentis.gateway.testing;

import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A dashboard viewer of a gateway's live feed ({@code /ws/dashboard}), as the dashboard keeps it: the picture of
 * every client from the snapshot and the deltas after it, checked for gaps in the sequence, with the moment each
 * client's latest record arrived ({@link System#nanoTime()}). Tests wait on it for what a user of that node's
 * dashboard would see, and measure when they would have seen it.
 */
public final class DashboardWatcher implements AutoCloseable {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** A wait for a client's record to satisfy a condition. */
    private record Wait(String id, Predicate<Map<String, String>> condition, CompletableFuture<Long> arrived) {}

    private final WsTestClient ws;
    private final Map<String, Map<String, String>> clients = new ConcurrentHashMap<>();
    private final List<Wait> waits = new CopyOnWriteArrayList<>();
    private final List<String> problems = new CopyOnWriteArrayList<>();
    private final Thread reader;
    private final CompletableFuture<Void> snapshot = new CompletableFuture<>();
    private volatile boolean running = true;
    private volatile int connected = -1;
    private long seq = -1;
    private @Nullable Map<String, Map<String, String>> parts;

    private DashboardWatcher(URI feed) {
        this.ws = WsTestClient.connect(feed);
        this.reader = new Thread(this::read, "dashboard-watcher");
        this.reader.setDaemon(true);
        this.reader.start();
    }

    /** Watches the dashboard feed of the gateway at {@code http} ({@code http://host:port}); waits for its snapshot. */
    public static DashboardWatcher watch(URI http) {
        DashboardWatcher w =
                new DashboardWatcher(URI.create(http.toString().replace("http://", "ws://") + "/ws/dashboard"));
        try {
            w.snapshot.get(15, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } catch (ExecutionException | TimeoutException e) {
            w.close();
            throw new AssertionError("no snapshot from " + http + " within 15 s", e);
        }
        return w;
    }

    private void read() {
        while (running) {
            String text;
            try {
                text = ws.poll(Duration.ofMillis(200));
            } catch (InterruptedException e) {
                return;
            }
            if (text == null) {
                if (ws.isClosed()) {
                    return;
                }
                continue;
            }
            long at = System.nanoTime();
            JsonNode m = JSON.readTree(text);
            String type = m.path("type").asString("");
            if (type.equals("snapshot")) {
                if (m.path("part").asInt() == 1) {
                    parts = new HashMap<>();
                }
                if (parts != null) {
                    m.path("clients").properties().forEach(e -> parts.put(e.getKey(), fields(e.getValue())));
                    if (m.path("part").asInt() == m.path("parts").asInt()) {
                        clients.clear();
                        clients.putAll(parts);
                        parts = null;
                        seq = m.path("seq").asLong();
                        check(at);
                        snapshot.complete(null);
                    }
                }
            } else if (type.equals("delta")) {
                long s = m.path("seq").asLong();
                if (seq >= 0 && s != seq + 1) {
                    problems.add("delta " + s + " after " + seq);
                }
                seq = s;
                m.path("clients").properties().forEach(e -> clients.put(e.getKey(), fields(e.getValue())));
                m.path("removed").forEach(id -> clients.remove(id.asString()));
                check(at);
            }
            JsonNode counts = m.path("counts");
            if (counts.has("connected")) {
                connected = counts.path("connected").asInt();
            }
        }
    }

    private static Map<String, String> fields(JsonNode record) {
        Map<String, String> f = new HashMap<>();
        record.properties().forEach(e -> f.put(e.getKey(), e.getValue().asString()));
        return f;
    }

    private void check(long at) {
        for (Wait w : waits) {
            Map<String, String> f = clients.get(w.id());
            if (f != null && w.condition().test(f)) {
                w.arrived().complete(at);
                waits.remove(w);
            }
        }
    }

    /**
     * Waits until the viewer shows {@code id} with a record satisfying {@code condition}; returns when
     * ({@link System#nanoTime()}) the message that made it so arrived.
     */
    public long await(String id, Predicate<Map<String, String>> condition, Duration timeout) {
        Wait w = new Wait(id, condition, new CompletableFuture<>());
        waits.add(w);
        Map<String, String> now = clients.get(id);
        if (now != null && condition.test(now)) {
            waits.remove(w);
            return System.nanoTime();
        }
        try {
            return w.arrived().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } catch (ExecutionException | TimeoutException e) {
            waits.remove(w);
            throw new AssertionError(
                    "the dashboard did not show " + id + " as expected within " + timeout + "; it shows "
                            + clients.get(id),
                    e);
        }
    }

    /** Waits until the viewer shows {@code id} with {@code field} equal to {@code value}. */
    public long await(String id, String field, String value, Duration timeout) {
        return await(id, f -> value.equals(f.get(field)), timeout);
    }

    /** The record the viewer shows for {@code id}, or {@code null}. */
    public @Nullable Map<String, String> client(String id) {
        return clients.get(id);
    }

    /** Every client the viewer shows. */
    public Map<String, Map<String, String>> clients() {
        return Map.copyOf(clients);
    }

    /** The fleet's connected count in the last message, or -1. */
    public int connectedCount() {
        return connected;
    }

    /** Sequence gaps seen (a viewer that misses deltas shows a wrong picture). */
    public List<String> problems() {
        return List.copyOf(problems);
    }

    @Override
    public void close() {
        running = false;
        reader.interrupt();
        ws.abort();
    }
}
