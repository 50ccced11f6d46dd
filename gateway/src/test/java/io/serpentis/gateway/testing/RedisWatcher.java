package io.serpentis.gateway.testing;

import io.lettuce.core.KeyValue;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;

/**
 * Watches client records in Redis as an outside tool would read them ({@code HMGET client:<id>:status ...}), every
 * 50 ms on a thread of its own, and keeps what it saw: so that a test can prove what no single look can, that a
 * record never went back to an older (epoch, version), that it went offline exactly once, or never.
 *
 * <p>Start it with the ids to watch; it runs until {@link #close}.
 */
public final class RedisWatcher implements AutoCloseable {
    private static final String[] FIELDS = {
        "gateway_epoch",
        "gateway_version",
        "gateway_node",
        "connected",
        "status_detail",
        "disconnect_time",
        "gateway_incarnation"
    };

    /**
     * One look at one record.
     *
     * @param epoch {@code gateway_epoch} (0 when absent)
     * @param version {@code gateway_version} (0 when absent)
     * @param node {@code gateway_node}
     * @param connected {@code connected}
     * @param detail {@code status_detail}
     * @param disconnectTime {@code disconnect_time}
     * @param incarnation {@code gateway_incarnation}
     * @param atMillis when it was seen (epoch ms)
     */
    public record Look(
            long epoch,
            long version,
            @Nullable String node,
            @Nullable String connected,
            @Nullable String detail,
            @Nullable String disconnectTime,
            @Nullable String incarnation,
            long atMillis) {

        /** Whether this look is older than {@code other} by (epoch, version). */
        boolean olderThan(Look other) {
            return epoch < other.epoch || (epoch == other.epoch && version < other.version);
        }
    }

    private final RedisClusterCommands<String, String> redis;
    private final Set<String> ids = ConcurrentHashMap.newKeySet();
    private final Map<String, List<Look>> looks = new ConcurrentHashMap<>();
    private final List<String> regressions = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;

    /** Watches {@code clientIds} through {@code redis} (a tool's connection to the deployment). */
    public RedisWatcher(RedisClusterCommands<String, String> redis, List<String> clientIds) {
        this.redis = redis;
        ids.addAll(clientIds);
        this.thread = new Thread(this::run, "redis-watcher");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Watches more ids from now on. */
    public void watch(List<String> clientIds) {
        ids.addAll(clientIds);
    }

    private void run() {
        while (running) {
            for (String id : ids) {
                try {
                    look(id);
                } catch (RuntimeException e) {
                    // Redis failing over, paused: look again next round
                }
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void look(String id) {
        List<KeyValue<String, String>> v = redis.hmget("client:" + id + ":status", FIELDS);
        if (v.stream().allMatch(KeyValue::isEmpty)) {
            return; // not there (yet, or expired)
        }
        Look l = new Look(
                parse(v.get(0)),
                parse(v.get(1)),
                value(v.get(2)),
                value(v.get(3)),
                value(v.get(4)),
                value(v.get(5)),
                value(v.get(6)),
                System.currentTimeMillis());
        List<Look> history = looks.computeIfAbsent(id, k -> new CopyOnWriteArrayList<>());
        Look newest = null;
        for (Look earlier : history) {
            if (newest == null || newest.olderThan(earlier)) {
                newest = earlier;
            }
        }
        if (newest != null && l.olderThan(newest)) {
            regressions.add(id + " went back from " + newest + " to " + l);
        }
        if (history.isEmpty() || !sameAs(history.get(history.size() - 1), l)) {
            history.add(l);
        }
    }

    private static boolean sameAs(Look a, Look b) {
        return a.epoch == b.epoch
                && a.version == b.version
                && Objects.equals(a.node, b.node)
                && Objects.equals(a.connected, b.connected);
    }

    private static long parse(KeyValue<String, String> kv) {
        return kv.hasValue() ? Long.parseLong(kv.getValue()) : 0;
    }

    private static @Nullable String value(KeyValue<String, String> kv) {
        return kv.hasValue() ? kv.getValue() : null;
    }

    /** Every time a record was seen older, by (epoch, version), than it had been seen before. */
    public List<String> regressions() {
        return List.copyOf(regressions);
    }

    /** What was seen of {@code id}, in order (consecutive looks that changed nothing are kept once). */
    public List<Look> history(String id) {
        return List.copyOf(looks.getOrDefault(id, List.of()));
    }

    /** How many times {@code id} was seen to go from connected to offline. */
    public int wentOffline(String id) {
        int n = 0;
        String before = null;
        for (Look l : history(id)) {
            if ("true".equals(before) && "false".equals(l.connected())) {
                n++;
            }
            before = l.connected();
        }
        return n;
    }

    /** The ids among the watched that were ever seen offline. */
    public List<String> everOffline() {
        List<String> offline = new ArrayList<>();
        for (String id : ids) {
            if (history(id).stream().anyMatch(l -> "false".equals(l.connected()))) {
                offline.add(id);
            }
        }
        return offline;
    }

    /** The latest look at {@code id}, or {@code null}. */
    public @Nullable Look latest(String id) {
        List<Look> h = history(id);
        return h.isEmpty() ? null : h.get(h.size() - 1);
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
