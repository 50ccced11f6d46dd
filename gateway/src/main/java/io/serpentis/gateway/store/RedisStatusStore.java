package io.serpentis.gateway.store;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.ScoredValueScanCursor;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.event.connection.ConnectionActivatedEvent;
import io.lettuce.core.event.connection.ConnectionDeactivatedEvent;
import io.lettuce.core.output.IntegerOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.micrometer.core.instrument.MeterRegistry;
import io.serpentis.gateway.config.RedisConfig;
import io.serpentis.gateway.config.RegistryConfig;
import io.serpentis.gateway.logging.RateLimitedLog;
import io.serpentis.gateway.metrics.RedisMetrics;
import io.serpentis.gateway.registry.ClientRecord;
import io.serpentis.gateway.registry.DisconnectReason;
import io.serpentis.gateway.registry.LocalClientRegistry;
import io.serpentis.gateway.registry.RegistryListener;
import io.serpentis.gateway.registry.ServerFields;
import io.serpentis.gateway.registry.StoreWrite;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;

/**
 * Keeps every client's record in Redis with a coalescing write-behind, in the original's layout: one hash
 * {@code client:<id>:status} of string fields per client. The gateway's memory is authoritative; Redis follows.
 *
 * <p>How a change travels: the registry tells this store a record changed ({@link #changed}); the record is queued
 * once however often it changes. One writer thread drains the queue every flush interval, or at once when a
 * batch fills, takes from each record the fields changed since its last write, and sends one pipelined burst on
 * a dedicated connection (auto-flush off, flushed explicitly). A failed write gives its fields back to the record,
 * which is queued again: nothing acknowledged is lost, and memory stays bounded by the number of clients because a
 * record holds at most one pending change per field.
 *
 * <p>Every write carries the record's version. A write that replaces a record, changes its connection state or
 * deletes it goes through a Lua script that drops it when Redis already holds a newer one; a live client's
 * attribute update is a plain {@code HSET}, kept in order by the single write connection (see
 * {@link #writeBurst}). Either way, commands that Lettuce replays after a reconnect cannot regress a client. Whenever a
 * connection to Redis is (re)activated after the first, every record is written in full again: Redis may have
 * restarted empty.
 *
 * <p>Listing uses a sorted set the gateway maintains ({@link #INDEX_KEY}; score: when the record expires, in epoch
 * milliseconds, or {@code +inf} while connected), never {@code KEYS} or a parse of key names. A disconnected
 * client's hash expires after the retention and its index entry is removed.
 *
 * <p>Threading: {@link #changed} and {@link #removed} are called on any thread and only enqueue; the writer thread
 * owns both connections; Lettuce's event callbacks only set flags and wake the writer.
 */
public final class RedisStatusStore implements StatusStore, RegistryListener, RedisMetrics.Source {
    /** The index of every client record the gateway keeps in Redis. */
    public static final String INDEX_KEY = "serpentis:clients";

    private static final Logger log = LoggerFactory.getLogger(RedisStatusStore.class);

    /**
     * Writes a chunk of records in one call. KEYS: their hashes. ARGV, for each key in turn: version, mode
     * ({@code f} full, {@code p} partial), time to live in ms (0 = none), the number N of fields
     * to delete, N names, the number M of fields to set, then M field/value pairs ending with
     * {@code gateway_version}. Returns one integer per key: 1 written, 0 when Redis holds a newer version (or,
     * partial, the same one: a replay), -1 when a partial write finds no record of ours (Redis lost it: the caller
     * writes it in full). A live client's partial write costs one HGET and one HSET; one call carries many clients,
     * so neither Redis nor Lettuce pays a command's overhead per client.
     */
    static final String WRITE_SCRIPT = """
            local out = {}
            local a = 1
            for k = 1, #KEYS do
              local key = KEYS[k]
              local v = tonumber(ARGV[a])
              local full = ARGV[a + 1] == 'f'
              local ttl = tonumber(ARGV[a + 2])
              local ndel = tonumber(ARGV[a + 3])
              local dels = a + 4
              local nset = tonumber(ARGV[dels + ndel])
              local sets = dels + ndel + 1
              a = sets + 2 * nset
              local cur = tonumber(redis.call('HGET', key, 'gateway_version') or '0') or 0
              if cur > v or (cur == v and not full) then
                out[k] = 0
              elseif cur == 0 and not full then
                out[k] = -1
              else
                if full then
                  redis.call('DEL', key)
                elseif ndel > 0 then
                  redis.call('HDEL', key, unpack(ARGV, dels, dels + ndel - 1))
                end
                redis.call('HSET', key, unpack(ARGV, sets, a - 1))
                if ttl > 0 then redis.call('PEXPIRE', key, ttl) else redis.call('PERSIST', key) end
                out[k] = 1
              end
            end
            return out
            """;

    /** Clients per script call: long enough to amortise a call, short enough not to stall Redis (about 1 ms). */
    static final int CLIENTS_PER_CALL = 128;

    /** Deletes a purged record unless Redis holds a newer version. KEYS[1] the hash; ARGV[1] the version. */
    static final String DELETE_SCRIPT = """
            local cur = tonumber(redis.call('HGET', KEYS[1], 'gateway_version') or '0') or 0
            if cur > tonumber(ARGV[1]) then return 0 end
            redis.call('DEL', KEYS[1])
            return 1
            """;

    private final RedisConfig config;
    private final RegistryConfig registryConfig;
    private final LocalClientRegistry registry;
    private final ConcurrentLinkedQueue<ClientRecord> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final Thread writer;
    private final ClientResources resources;
    private final RedisClient client;
    private final Disposable events;
    private final RedisMetrics metrics;
    /** Redis trouble repeats until Redis is back: one WARN per 5 s, the rest DEBUG (as Lettuce's reconnect log). */
    private final RateLimitedLog warnings = new RateLimitedLog(log, Duration.ofSeconds(5));

    private volatile StoreStatus status = StoreStatus.UNKNOWN;
    /** How long loading the index may take, at start-up and when Redis comes later. */
    private volatile Duration loadTimeout = Duration.ofSeconds(30);
    private volatile boolean running = true;
    private volatile boolean resyncRequested;
    private volatile boolean resyncInProgress;
    private volatile boolean loaded;
    private volatile boolean draining;
    private final AtomicInteger activations = new AtomicInteger();

    // Owned by the writer thread.
    private @Nullable StatefulRedisConnection<String, String> writeConnection;
    private @Nullable StatefulRedisConnection<String, String> controlConnection;
    private @Nullable String writeSha;
    private @Nullable String deleteSha;
    private long lastTrafficNanos;
    private long nextIndexCleanupNanos;
    private long reconnectDelayMillis = 100;
    private boolean scriptsStale;
    /** Full writes still owed to the current resync; it ends at zero or when the queue runs empty. */
    private int resyncRemaining;

    /**
     * Creates the Lettuce resources and client; {@link #start} connects.
     *
     * @param config Redis settings ({@code url} set)
     * @param registryConfig the retention (expiry of departed clients' records)
     * @param registry the registry to load into and to follow
     * @param meterRegistry where the write-behind's meters and Lettuce's command latencies go
     */
    public RedisStatusStore(RedisConfig config, RegistryConfig registryConfig, LocalClientRegistry registry,
            MeterRegistry meterRegistry) {
        this.config = config;
        this.registryConfig = registryConfig;
        this.registry = registry;
        this.metrics = new RedisMetrics(meterRegistry, this, config.batchSize());
        // One ClientResources for the process: its event loops, its jittered reconnect delay, command latencies.
        this.resources = ClientResources.builder()
                .commandLatencyRecorder(metrics.commandLatencyRecorder())
                .ioThreadPoolSize(2)
                .computationThreadPoolSize(2)
                .reconnectDelay(Delay.fullJitter(Duration.ofMillis(50), config.reconnectMaxDelay(), 100,
                        TimeUnit.MILLISECONDS))
                .build();
        RedisURI uri = RedisURI.create(config.url());
        uri.setTimeout(config.commandTimeout());
        this.client = RedisClient.create(resources, uri);
        this.client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                // Fail fast while disconnected instead of buffering: the records stay dirty, nothing is lost.
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .requestQueueSize(config.requestQueueSize())
                .timeoutOptions(TimeoutOptions.enabled(config.commandTimeout()))
                .socketOptions(SocketOptions.builder().connectTimeout(config.commandTimeout()).build())
                .build());
        this.events = resources.eventBus().get().subscribe(event -> {
            if (event instanceof ConnectionActivatedEvent) {
                // Every activation after the first may follow a Redis restart: write everything back.
                if (activations.incrementAndGet() > 2) {
                    resyncRequested = true;
                }
                wake();
            } else if (event instanceof ConnectionDeactivatedEvent && running) {
                status = StoreStatus.UNAVAILABLE;
                wake();
            }
        });
        this.writer = new Thread(this::run, "redis-writer");
        this.writer.setDaemon(true);
    }

    /**
     * Connects and loads the last known statuses (pipelined, paged), waiting at most {@code loadTimeout}; then
     * starts the writer. Redis being down is not an error: the gateway serves from memory, and the writer
     * connects, loads and writes back when Redis comes.
     */
    public void start(Duration loadTimeout) {
        this.loadTimeout = loadTimeout;
        long deadline = System.nanoTime() + loadTimeout.toNanos();
        try {
            connect();
            load(deadline);
        } catch (RuntimeException e) {
            status = StoreStatus.UNAVAILABLE;
            log.warn("Redis is not reachable at start-up ({}); serving from memory until it is", e.toString());
        }
        writer.start();
    }

    @Override
    public StoreStatus status() {
        return status;
    }

    @Override
    public Readiness readiness() {
        StoreStatus s = status;
        boolean ready = s == StoreStatus.CONNECTED && loaded && !resyncInProgress && !draining;
        Map<String, String> checks = new LinkedHashMap<>();
        checks.put("redis", s.redisStatus());
        checks.put("initial_load", loaded ? "done" : "pending");
        checks.put("resync", resyncInProgress ? "in_progress" : "idle");
        checks.put("pending_writes", Integer.toString(queued.get()));
        return new Readiness(ready, checks);
    }

    @Override
    public boolean redisUp() {
        return status == StoreStatus.CONNECTED;
    }

    @Override
    public int dirtyClients() {
        return queued.get();
    }

    @Override
    public void changed(ClientRecord record) {
        if (record.markQueued()) {
            queue.add(record);
            if (queued.incrementAndGet() >= config.batchSize()) {
                wake();
            }
        }
    }

    @Override
    public void removed(ClientRecord record) {
        changed(record); // a purged record with unwritten changes becomes a delete
    }

    // ---- the writer thread

    private void run() {
        while (running || (draining && queued.get() > 0)) {
            try {
                if (!ensureConnected()) {
                    continue;
                }
                if (!loaded) {
                    load(System.nanoTime() + loadTimeout.toNanos()); // as long as at start-up: a large index
                }
                if (scriptsStale) {
                    loadScripts(); // Redis restarted: its script cache is empty
                    scriptsStale = false;
                }
                if (resyncRequested) {
                    resyncRequested = false;
                    loadScripts();
                    resyncInProgress = true;
                    metrics.resync();
                    int n = registry.markAllForFullWrite();
                    resyncRemaining = n;
                    log.info("Redis connection re-established: writing back {} client records", n);
                }
                cleanupIndexIfDue();
                List<ClientRecord> batch = drain();
                if (batch.isEmpty()) {
                    resyncInProgress = false;
                    resyncRemaining = 0;
                    pingIfIdle();
                    if (running) {
                        LockSupport.parkNanos(this, config.flushInterval().toNanos());
                    }
                    continue;
                }
                long burstStart = System.nanoTime();
                writeBurst(batch);
                // Bursts at most once per flush interval unless a batch is waiting: the changes that arrive
                // meanwhile coalesce into one write per client.
                long rest = config.flushInterval().toNanos() - (System.nanoTime() - burstStart);
                if (rest > 0 && running && queued.get() < config.batchSize()) {
                    LockSupport.parkNanos(this, rest);
                }
            } catch (RuntimeException e) {
                warn("Redis writer failed: {}", e);
                LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(100));
            }
        }
        log.debug("redis writer stopped; {} records still pending", queued.get());
    }

    /** Makes sure both connections exist; returns false (after a pause) while Redis is unreachable. */
    private boolean ensureConnected() {
        StatefulRedisConnection<String, String> w = writeConnection;
        if (w != null && w.isOpen()) {
            return true;
        }
        if (w == null) {
            try {
                connect();
                reconnectDelayMillis = 100;
                return true;
            } catch (RuntimeException e) {
                status = StoreStatus.UNAVAILABLE;
                warn("Redis unreachable: {}", e);
                LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(reconnectDelayMillis));
                reconnectDelayMillis = Math.min(config.reconnectMaxDelay().toMillis(), reconnectDelayMillis * 2);
                return false;
            }
        }
        // Lettuce is reconnecting this connection.
        status = StoreStatus.UNAVAILABLE;
        LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(50));
        return false;
    }

    private void connect() {
        if (controlConnection == null) {
            controlConnection = client.connect();
        }
        StatefulRedisConnection<String, String> w = client.connect();
        w.setAutoFlushCommands(false); // a dedicated connection: the writer flushes each burst explicitly
        writeConnection = w;
        loadScripts();
        status = StoreStatus.CONNECTED;
        lastTrafficNanos = System.nanoTime();
    }

    private void loadScripts() {
        RedisAsyncCommands<String, String> c = control().async();
        writeSha = await(c.scriptLoad(WRITE_SCRIPT));
        deleteSha = await(c.scriptLoad(DELETE_SCRIPT));
    }

    private List<ClientRecord> drain() {
        int max = config.batchSize();
        List<ClientRecord> batch = new ArrayList<>(Math.min(max, Math.max(16, queued.get())));
        ClientRecord r;
        while (batch.size() < max && (r = queue.poll()) != null) {
            queued.decrementAndGet();
            batch.add(r);
        }
        return batch;
    }

    /**
     * One pipelined burst. A live client's attribute update (the hot path) is one plain {@code HSET}; a write that
     * replaces a record, changes its connection state (expiry, index) or deletes it goes through the version-guarded
     * script, in calls of up to {@link #CLIENTS_PER_CALL} clients each.
     *
     * <p>Why the hot path needs no script: every write goes over the one write connection, in order; Lettuce
     * re-sends a dead connection's unanswered commands before any newer one, and the writer sends a client's next
     * write only after its previous one was answered or failed. So a replayed update cannot land after a newer
     * one, and replaying an update is harmless ({@code HSET} of the same values). Each update also sets
     * {@code gateway_version}; when {@code HSET} reports that every field it set was new, the record was missing
     * (Redis lost it) and the client is written again in full. Measured on the 1,000 x 4 load, the script costs
     * Redis about 4 us per client against about 1 us for a pipelined {@code HSET} (see BENCHMARKS.md).
     *
     * <p>The ordering argument holds because one node writes a live client's hash. When several nodes share Redis
     * (DESIGN.md), a client's previous owner could still have updates in flight after a takeover; that work must
     * fence the hot path by owner (or send it through the script again) before two nodes may write one hash.
     */
    private void writeBurst(List<ClientRecord> batch) {
        long started = System.nanoTime();
        StatefulRedisConnection<String, String> conn = writeConnection;
        RedisAsyncCommands<String, String> c = conn.async();
        long nowMillis = System.currentTimeMillis();
        long retentionMillis = registryConfig.retention().toMillis();
        int n = batch.size();
        List<ClientRecord> records = new ArrayList<>(n);
        List<StoreWrite> writes = new ArrayList<>(n);
        // Per record: the future holding its result and its index in that future's list (-1 for a plain HSET,
        // whose result is the number of new fields; unused for a single script result).
        List<RedisFuture<?>> results = new ArrayList<>(n);
        int[] slots = new int[n];
        // Per record: an index update or a field delete that must also succeed (or null).
        List<RedisFuture<?>> others = new ArrayList<>(n);
        List<String> keys = new ArrayList<>(CLIENTS_PER_CALL);
        List<String> args = new ArrayList<>(CLIENTS_PER_CALL * 16);
        int chunkStart = 0;
        RedisFuture<?> last = null;
        for (ClientRecord record : batch) {
            StoreWrite w = record.takeStoreWrite();
            if (w == null) {
                continue;
            }
            int i = records.size();
            records.add(record);
            writes.add(w);
            if (w.delete()) {
                results.add(c.evalsha(deleteSha, ScriptOutputType.INTEGER, new String[] {key(w.id())},
                        Long.toString(w.version())));
                last = c.zrem(INDEX_KEY, w.id());
                others.add(last);
                continue;
            }
            // The expiry and the index entry change only with the connection state (or on a full write).
            boolean stateChanged = w.full() || contains(w.names(), ServerFields.CONNECTED);
            if (!stateChanged) {
                others.add(w.deleted().length > 0 ? c.hdel(key(w.id()), w.deleted()) : null);
                last = c.dispatch(CommandType.HSET, new IntegerOutput<>(StringCodec.UTF8), hsetArgs(w));
                results.add(last);
                slots[i] = -1;
                continue;
            }
            long ttl = 0;
            double score = Double.POSITIVE_INFINITY;
            if (w.disconnected()) {
                long expiresAt = w.disconnectedAtMicros() / 1000 + retentionMillis;
                ttl = Math.max(1, expiresAt - nowMillis);
                score = expiresAt;
            }
            slots[i] = keys.size();
            results.add(null); // filled when its chunk is sent
            keys.add(key(w.id()));
            appendScriptArgs(args, w, ttl);
            last = c.zadd(INDEX_KEY, score, w.id());
            others.add(last);
            if (keys.size() == CLIENTS_PER_CALL) {
                last = sendChunk(c, keys, args, results, chunkStart, records.size());
                chunkStart = records.size();
            }
        }
        if (!keys.isEmpty()) {
            last = sendChunk(c, keys, args, results, chunkStart, records.size());
        }
        if (last == null) {
            return;
        }
        conn.flushCommands();
        // Replies come back in order on the one connection: once the burst's last command is answered, so are
        // the others, and reading them below does not park the writer (and wake it from Lettuce's event loop)
        // once per command. Measured at 1,000 x 4: about 40 parks per burst, 6,400 a second, before this wait.
        awaitQuietly(last);
        int failed = 0;
        int full = 0;
        for (int i = 0; i < records.size(); i++) {
            ClientRecord record = records.get(i);
            StoreWrite w = writes.get(i);
            Long result;
            try {
                Object r = await(results.get(i));
                if (slots[i] == -1) {
                    // Every field new, gateway_version included: the record was not there.
                    result = (Long) r == w.names().length + 1 ? -1L : 1L;
                } else {
                    result = r instanceof List<?> list ? (Long) list.get(slots[i]) : (Long) r;
                }
                if (others.get(i) != null) {
                    await(others.get(i));
                }
            } catch (RuntimeException e) {
                result = null;
                if (e.getCause() instanceof RedisNoScriptException) {
                    scriptsStale = true;
                }
                if (failed == 0) {
                    warn("Redis write failed, clients stay dirty: {}", e);
                }
            }
            if (result == null) {
                failed++;
                requeue(record, w);
            } else if (result == -1) {
                full++;
                record.markFullWrite();
                requeue(record, w);
            } else {
                long since = w.dirtySinceNanos();
                if (since != Long.MIN_VALUE) {
                    metrics.written(System.nanoTime() - since);
                }
                if (w.full() && resyncRemaining > 0 && --resyncRemaining == 0) {
                    resyncInProgress = false;
                    log.info("Redis resync complete");
                }
            }
        }
        metrics.burst(records.size(), System.nanoTime() - started, failed > 0);
        if (failed == 0) {
            status = StoreStatus.CONNECTED;
            lastTrafficNanos = System.nanoTime();
        } else {
            status = StoreStatus.UNAVAILABLE;
            LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(50)); // no hot loop against a sick Redis
        }
        if (full > 0) {
            log.debug("{} records were missing in Redis and are written in full", full);
        }
    }

    /** {@code HSET client:<id>:status f1 v1 ... gateway_version <version>} for a live client's update. */
    static CommandArgs<String, String> hsetArgs(StoreWrite w) {
        CommandArgs<String, String> a = new CommandArgs<>(StringCodec.UTF8).addKey(key(w.id()));
        String[] names = w.names();
        String[] values = w.values();
        for (int i = 0; i < names.length; i++) {
            a.add(names[i]).add(values[i]);
        }
        return a.add(ServerFields.GATEWAY_VERSION).add(Long.toString(w.version()));
    }

    /** Sends the collected chunk as one script call; records {@code from} to {@code to} share its future. */
    private RedisFuture<?> sendChunk(RedisAsyncCommands<String, String> c, List<String> keys, List<String> args,
            List<RedisFuture<?>> results, int from, int to) {
        RedisFuture<List<Long>> f = c.evalsha(writeSha, ScriptOutputType.MULTI, keys.toArray(new String[0]),
                args.toArray(new String[0]));
        for (int i = from; i < to; i++) {
            if (results.get(i) == null) {
                results.set(i, f);
            }
        }
        keys.clear();
        args.clear();
        return f;
    }

    private static boolean contains(String[] names, String name) {
        for (String n : names) {
            if (n.equals(name)) {
                return true;
            }
        }
        return false;
    }

    private void requeue(ClientRecord record, StoreWrite w) {
        if (record.storeWriteFailed(w)) {
            queue.add(record);
            queued.incrementAndGet();
        }
    }

    /** Appends {@code w}'s part of the write script's arguments (see {@link #WRITE_SCRIPT}). */
    private static void appendScriptArgs(List<String> args, StoreWrite w, long ttlMillis) {
        String[] names = w.names();
        String[] values = w.values();
        String[] deleted = w.deleted();
        String version = Long.toString(w.version());
        args.add(version);
        args.add(w.full() ? "f" : "p");
        args.add(Long.toString(ttlMillis));
        args.add(Integer.toString(deleted.length));
        for (String d : deleted) {
            args.add(d);
        }
        args.add(Integer.toString(names.length + 1));
        for (int i = 0; i < names.length; i++) {
            args.add(names[i]);
            args.add(values[i]);
        }
        args.add(ServerFields.GATEWAY_VERSION);
        args.add(version);
    }

    private void pingIfIdle() {
        long now = System.nanoTime();
        if (now - lastTrafficNanos < TimeUnit.SECONDS.toNanos(1)) {
            return;
        }
        try {
            await(control().async().ping());
            status = StoreStatus.CONNECTED;
        } catch (RuntimeException e) {
            status = StoreStatus.UNAVAILABLE;
            warn("Redis ping failed: {}", e);
        }
        lastTrafficNanos = now;
    }

    /** Removes index entries of records that expired (their hashes are gone already). */
    private void cleanupIndexIfDue() {
        long now = System.nanoTime();
        if (now < nextIndexCleanupNanos) {
            return;
        }
        nextIndexCleanupNanos = now + registryConfig.purgeInterval().toNanos();
        try {
            await(control().async().zremrangebyscore(INDEX_KEY,
                    Range.create(Double.NEGATIVE_INFINITY, (double) System.currentTimeMillis())));
        } catch (RuntimeException e) {
            warn("Redis index clean-up failed: {}", e);
        }
    }

    /**
     * Reads every record the index lists, a page at a time, each page's hashes in one pipelined round trip, into
     * the registry. Records this node had left connected are marked disconnected ("Gateway restarted").
     */
    private void load(long deadlineNanos) {
        RedisAsyncCommands<String, String> c = control().async();
        ScanCursor cursor = ScanCursor.INITIAL;
        int restored = 0;
        int stale = 0;
        long started = System.nanoTime();
        do {
            if (System.nanoTime() > deadlineNanos) {
                throw new IllegalStateException("loading from Redis took too long");
            }
            ScoredValueScanCursor<String> page = await(c.zscan(INDEX_KEY, cursor, ScanArgs.Builder.limit(500)));
            List<String> ids = new ArrayList<>(page.getValues().size());
            List<RedisFuture<Map<String, String>>> hashes = new ArrayList<>(ids.size());
            for (ScoredValue<String> v : page.getValues()) {
                ids.add(v.getValue());
                hashes.add(c.hgetall(key(v.getValue())));
            }
            List<String> gone = new ArrayList<>();
            for (int i = 0; i < ids.size(); i++) {
                Map<String, String> hash = await(hashes.get(i));
                if (hash == null || hash.isEmpty()) {
                    gone.add(ids.get(i));
                    continue;
                }
                long version = parseLong(hash.get(ServerFields.GATEWAY_VERSION));
                if (registry.restore(ids.get(i), hash, version, DisconnectReason.RESTARTED)) {
                    restored++;
                }
            }
            if (!gone.isEmpty()) {
                stale += gone.size();
                await(c.zrem(INDEX_KEY, gone.toArray(new String[0])));
            }
            cursor = page;
        } while (!cursor.isFinished());
        loaded = true;
        log.info("Loaded {} client records from Redis in {} ms ({} expired index entries removed)", restored,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), stale);
    }

    private static long parseLong(@Nullable String s) {
        if (s == null) {
            return 0;
        }
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** The original's key: {@code client:<id>:status}, the id as it is. */
    public static String key(String clientId) {
        return "client:" + clientId + ":status";
    }

    private StatefulRedisConnection<String, String> control() {
        StatefulRedisConnection<String, String> c = controlConnection;
        if (c == null) {
            throw new IllegalStateException("not connected");
        }
        return c;
    }

    private <T> T await(RedisFuture<T> f) {
        try {
            return f.get(config.commandTimeout().toMillis() + 500, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause().toString(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("Redis did not answer within " + config.commandTimeout(), e);
        }
    }

    /** Waits for {@code f} like {@link #await}, ignoring how it ends (the caller checks each result). */
    private void awaitQuietly(RedisFuture<?> f) {
        try {
            await(f);
        } catch (RuntimeException e) {
            // reported per record by the caller
        }
    }

    private void wake() {
        LockSupport.unpark(writer);
    }

    private void warn(String message, Throwable e) {
        warnings.warn(message, e.toString());
    }

    /**
     * Writes what is pending (at most {@code budget}), then closes the connections and the client resources.
     */
    @Override
    public void close(Duration budget) {
        if (!running) {
            return;
        }
        draining = true;
        running = false;
        wake();
        try {
            writer.join(Math.max(1, budget.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        draining = false;
        if (queued.get() > 0) {
            log.warn("{} client records could not be written to Redis before shutdown", queued.get());
        }
        events.dispose();
        if (writeConnection != null) {
            writeConnection.close();
        }
        if (controlConnection != null) {
            controlConnection.close();
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(3));
    }

    /** Redacted URL, for logs. */
    @Override
    public String toString() {
        return "RedisStatusStore[" + RedisConfig.redact(String.valueOf(config.url())) + "]";
    }
}
