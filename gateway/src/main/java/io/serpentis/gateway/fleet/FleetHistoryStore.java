package io.serpentis.gateway.fleet;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.serpentis.gateway.config.FeedConfig;
import io.serpentis.gateway.internal.RedisReplies;
import io.serpentis.gateway.store.FleetKeys;
import io.serpentis.gateway.store.RedisDeployment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import org.jspecify.annotations.Nullable;

/**
 * The fleet's history in Redis ({@link FleetKeys#HISTORY}: one sorted set, one sample per sampling interval,
 * scored by its time, trimmed to the last hour), so that a node that starts later, or again, shows the last hour.
 *
 * <p>Every node writes, none coordinates: Redis's clock cuts time into intervals, and the first node to append in
 * an interval writes that interval's sample; the others find it there and keep it. Any node's sample is right for
 * the fleet (each node's view holds every client of the fleet, and each sums the live members' update rates from
 * the member table), so which node wins does not matter, and a node that stops leaves no hole while another runs.
 * Each append answers with the samples after the newest the node holds, so every node's ring follows the one
 * history in Redis, samples its peers wrote included. Nodes should share one sampling interval (with different
 * ones the set mixes both spacings; nothing breaks).
 *
 * <p>Threading: the history's own thread; calls block on Redis (within the command timeout), never an event loop.
 */
final class FleetHistoryStore implements FleetHistory.Store {
    /**
     * Appends this interval's sample unless one is there, trims the set to the last hour, and reads what came after
     * the caller's newest. KEYS[1] the history. ARGV: the interval (ms), the hour (ms), the most samples, the sample
     * without its time ({@code <connected>:<disconnected>:<rate>}), the caller's newest sample time (ms; 0: none).
     * The interval is {@code now - now % interval} by Redis's {@code TIME}. Returns the members after the caller's
     * newest, oldest first.
     */
    static final FleetScripts.Script APPEND = FleetScripts.Script.of("""
            local key = KEYS[1]
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local step, keep = tonumber(ARGV[1]), tonumber(ARGV[2])
            local slot = now - (now % step)
            if redis.call('ZCOUNT', key, slot, slot) == 0 then
              redis.call('ZADD', key, slot, string.format('%.0f', slot) .. ':' .. ARGV[4])
            end
            redis.call('ZREMRANGEBYSCORE', key, '-inf', slot - keep)
            redis.call('ZREMRANGEBYRANK', key, 0, -(tonumber(ARGV[3]) + 1))
            redis.call('PEXPIRE', key, keep + step)
            return redis.call('ZRANGEBYSCORE', key, '(' .. ARGV[5], '+inf')
            """);

    private final RedisDeployment deployment;
    private final Duration interval;
    private final int capacity;
    private final Duration timeout;
    private RedisDeployment.@Nullable Connection connection;

    /**
     * @param deployment where the history is kept (a connection of its own, opened at the first call)
     * @param interval the sampling interval
     * @param capacity the most samples kept (an hour's)
     * @param timeout the Redis command timeout
     */
    FleetHistoryStore(RedisDeployment deployment, Duration interval, int capacity, Duration timeout) {
        this.deployment = deployment;
        this.interval = interval;
        this.capacity = capacity;
        this.timeout = timeout;
    }

    @Override
    public List<HistorySample> append(HistorySample sample, long afterMillis) {
        List<Object> reply = await(FleetScripts.run(
                commands(),
                APPEND,
                ScriptOutputType.MULTI,
                new String[] {FleetKeys.HISTORY},
                Long.toString(interval.toMillis()),
                Long.toString(FeedConfig.HISTORY_KEPT.toMillis()),
                Integer.toString(capacity),
                sample.encodeCounts(),
                Long.toString(afterMillis)));
        return decode(reply);
    }

    @Override
    public List<HistorySample> load() {
        return decode(await(commands().zrange(FleetKeys.HISTORY, 0, -1)));
    }

    private static List<HistorySample> decode(List<?> members) {
        List<HistorySample> out = new ArrayList<>(members.size());
        for (Object m : members) {
            HistorySample s = m == null ? null : HistorySample.decode(String.valueOf(m));
            if (s != null) {
                out.add(s);
            }
        }
        return out;
    }

    /** The connection's commands; the connection is opened at the first call (and warmed up on Cluster). */
    private RedisClusterAsyncCommands<String, String> commands() {
        if (connection == null) {
            RedisDeployment.Connection opened = deployment.connectUnreported();
            deployment.warmUp(opened, timeout);
            connection = opened;
        }
        return connection.commands();
    }

    private <T> T await(Future<T> f) {
        return RedisReplies.await(f, timeout.toMillis(), timeout);
    }

    @Override
    public void close() {
        RedisDeployment.Connection c = connection;
        if (c != null) {
            c.stateful().close();
        }
    }
}
