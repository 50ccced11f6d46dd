package io.serpentis.gateway.store;

import io.micrometer.core.instrument.MeterRegistry;
import io.serpentis.gateway.config.RedisConfig;
import io.serpentis.gateway.config.RegistryConfig;
import io.serpentis.gateway.metrics.RedisMetrics;
import io.serpentis.gateway.registry.ClientRecord;
import io.serpentis.gateway.registry.LocalClientRegistry;
import io.serpentis.gateway.registry.RegistryListener;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps every client's record in Redis with a coalescing write-behind, in the original's layout: one hash
 * {@code client:<id>:status} of string fields per client. The gateway's memory is authoritative; Redis follows.
 *
 * <p>How a change travels: the registry tells this store a record changed ({@link #changed}); the record is queued
 * once however often it changes ({@link WriteQueue}). One writer thread ({@link RedisWriter}) drains the queue every
 * flush interval, or at once when a batch fills, takes from each record the fields changed since its last write,
 * and sends one pipelined burst on a dedicated connection ({@link WriteBurst}). A failed write gives its fields back
 * to the record, which is queued again: nothing acknowledged is lost, and memory stays bounded by the number of
 * clients because a record holds at most one pending change per field.
 *
 * <p>Every write carries the record's version. A write that replaces a record, changes its connection state or
 * deletes it goes through a Lua script that drops it when Redis already holds a newer one ({@link RedisScripts}); a
 * live client's attribute update is a plain {@code HSET}, kept in order by the single write connection (see
 * {@link WriteBurst}). Either way, commands that Lettuce replays after a reconnect cannot regress a client. Whenever
 * a connection to Redis is re-established, every record is written in full again: Redis may have restarted empty
 * ({@link RedisReconnectPolicy}).
 *
 * <p>Listing uses a sorted set the gateway maintains ({@link #INDEX_KEY}; score: when the record expires, in epoch
 * milliseconds, or {@code +inf} while connected), never {@code KEYS} or a parse of key names. A disconnected
 * client's hash expires after the retention and its index entry is removed. At start-up the index is loaded into the
 * registry ({@link RedisIndexLoader}).
 *
 * <p>The deployment (standalone, Sentinel or Redis Cluster) is {@link RedisDeployment}'s business: the store sees
 * connections with the same commands on each. On Cluster every key is written by its own master: a script call
 * names one key, the index updates are separate commands, and {@code client:<id>:status} keeps its name, so the
 * tools that read it read it as before.
 *
 * <p>A fleet member's store ({@link FleetFencing}) fences every write instead: a registration claims the client
 * (a new epoch), every later write carries that epoch and Redis refuses it once another node claimed the client
 * (see {@link WriteBurst}); the store writes nothing before the node joined the fleet, nor while its life is found
 * lost. Outside a fleet ({@code --fleet=false}) everything above holds as described.
 *
 * <p>This class is the facade: lifecycle, the store's status and readiness, the registry's hand-off and the
 * write-behind's gauges. Threading: {@link #changed} and {@link #removed} are called on any thread and only enqueue;
 * the writer thread owns both connections; Lettuce's event callbacks only set flags and wake the writer.
 */
public final class RedisStatusStore implements StatusStore, RegistryListener, RedisMetrics.Source {
    /** The index of every client record the gateway keeps in Redis. */
    public static final String INDEX_KEY = "serpentis:clients";

    private static final Logger log = LoggerFactory.getLogger(RedisStatusStore.class);

    private final RedisConfig config;
    private final WriteQueue queue = new WriteQueue();
    private final RedisDeployment deployment;
    private final RedisWriter writer;
    private boolean closed;

    /**
     * Creates the Lettuce resources and client for the deployment {@code config} names; {@link #start} connects.
     * Throws {@link IllegalArgumentException} when Lettuce cannot read the URL.
     *
     * @param config Redis settings ({@code url} set)
     * @param registryConfig the retention (expiry of departed clients' records)
     * @param registry the registry to load into and to follow
     * @param meterRegistry where the write-behind's meters and Lettuce's command latencies go
     */
    public RedisStatusStore(
            RedisConfig config,
            RegistryConfig registryConfig,
            LocalClientRegistry registry,
            MeterRegistry meterRegistry) {
        this(config, registryConfig, registry, meterRegistry, null);
    }

    /**
     * A store whose writes are fenced by {@code fleet} (a fleet member's), or plain when it is {@code null}; see
     * {@link #RedisStatusStore(RedisConfig, RegistryConfig, LocalClientRegistry, MeterRegistry)}. A fleet member's
     * registry keeps ownership ({@link LocalClientRegistry#fenced()}).
     */
    public RedisStatusStore(
            RedisConfig config,
            RegistryConfig registryConfig,
            LocalClientRegistry registry,
            MeterRegistry meterRegistry,
            @Nullable FleetFencing fleet) {
        if (fleet != null && !registry.fenced()) {
            throw new IllegalArgumentException("a fleet member's registry keeps ownership: create it fenced");
        }
        this.config = config;
        RedisMetrics metrics = new RedisMetrics(meterRegistry, this, config.batchSize());
        RedisReconnectPolicy reconnect = new RedisReconnectPolicy(config.reconnectMaxDelay());
        // One ClientResources for the process: its event loops, its reconnect delay, command latencies.
        this.deployment = new RedisDeployment(config, reconnect.delay(), metrics.commandLatencyRecorder());
        this.writer = new RedisWriter(config, registryConfig, registry, deployment, reconnect, queue, metrics, fleet);
        deployment.addListener(new RedisDeployment.Listener() {
            @Override
            public void reconnected() {
                writer.resyncNeeded("Redis connection re-established");
            }

            @Override
            public void disconnected() {
                writer.connectionDeactivated();
            }

            @Override
            public void topologyChanged() {
                writer.resyncNeeded("Redis Cluster masters changed");
            }
        });
    }

    /**
     * The deployment this store writes to, for what shares its clients and resources (the fleet's pub/sub
     * connections). The store closes it.
     */
    public RedisDeployment deployment() {
        return deployment;
    }

    /**
     * Connects and loads the last known statuses (pipelined, paged), waiting at most {@code loadTimeout}; then
     * starts the writer. Redis being down is not an error: the gateway serves from memory, and the writer
     * connects, loads and writes back when Redis comes.
     */
    @Override
    public void start(Duration loadTimeout) {
        writer.start(loadTimeout);
    }

    @Override
    public StoreStatus status() {
        return writer.status();
    }

    @Override
    public Readiness readiness() {
        StoreStatus s = writer.status();
        boolean loaded = writer.loaded();
        boolean resyncing = writer.resyncInProgress();
        boolean ready = s == StoreStatus.CONNECTED && loaded && !resyncing && !writer.draining();
        Map<String, String> checks = new LinkedHashMap<>();
        checks.put("redis", s.redisStatus());
        checks.put("initial_load", loaded ? "done" : "pending");
        checks.put("resync", resyncing ? "in_progress" : "idle");
        checks.put("pending_writes", Integer.toString(queue.size()));
        return new Readiness(ready, checks);
    }

    @Override
    public boolean redisUp() {
        return writer.status() == StoreStatus.CONNECTED;
    }

    @Override
    public int dirtyClients() {
        return queue.size();
    }

    @Override
    public void changed(ClientRecord record) {
        if (queue.offer(record) >= config.batchSize()) {
            writer.wake();
        }
    }

    @Override
    public void removed(ClientRecord record) {
        changed(record); // a purged record with unwritten changes becomes a delete
    }

    /** The original's key: {@code client:<id>:status}, the id as it is. */
    public static String key(String clientId) {
        return "client:" + clientId + ":status";
    }

    /**
     * Writes what is pending (at most {@code budget}) and stops the writer; the connections stay open for what
     * must still be said before they close (a fleet member leaving). {@link #close} does both.
     */
    public void drain(Duration budget) {
        if (writer.stop(budget) && queue.size() > 0) {
            log.warn("{} client records could not be written to Redis before shutdown", queue.size());
        }
    }

    /**
     * Writes what is pending (at most {@code budget}), then closes the connections and the client resources.
     */
    @Override
    public void close(Duration budget) {
        drain(budget);
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        writer.closeConnections();
        deployment.close();
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(3));
    }

    /** Redacted URL, for logs. */
    @Override
    public String toString() {
        return "RedisStatusStore[" + deployment + "]";
    }
}
