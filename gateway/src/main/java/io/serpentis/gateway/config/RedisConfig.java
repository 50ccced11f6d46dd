package io.serpentis.gateway.config;

import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Redis persistence. Without a URL the gateway runs on its embedded in-memory store and nothing below applies.
 *
 * <p>The URL names the deployment, in Lettuce's syntax ({@code RedisURI}): a standalone Redis
 * ({@code redis://[[user:]password@]host[:port][/database]}, {@code rediss://} for TLS, {@code redis-socket://path});
 * Sentinel ({@code redis-sentinel://[[user:]password@]host[:port][,host[:port]...][/database]#master}, or
 * {@code rediss-sentinel://}), whose sentinels are asked for the master's address and asked again after a failover;
 * or, with {@code cluster}, a Redis Cluster's seed nodes after one scheme
 * ({@code redis://[[user:]password@]host:port[,host:port...]}), from which the client learns the whole topology.
 *
 * @param url the deployment, as above; {@code null} (default) keeps the embedded store ({@code --redis-url},
 *     {@code REDIS_URL}); its password is never printed
 * @param cluster whether {@code url} names Redis Cluster seed nodes ({@code --redis-cluster}); default false
 * @param flushInterval the write-behind writes dirty clients at least this often; default 5 ms
 * @param batchSize at most this many clients go in one pipelined burst; a full batch is written at once,
 *     without waiting for the interval; default 512
 * @param commandTimeout a Redis command without an answer after this long fails (its clients stay dirty and are
 *     written again); default 2 s
 * @param reconnectMaxDelay upper bound of the jittered, growing delay between reconnect attempts; default 5 s
 * @param requestQueueSize most commands queued per Redis connection; beyond it commands fail fast instead of
 *     buffering (clients stay dirty); default 10000
 * @param ackMode when a client's status is acknowledged ({@code --redis-ack-mode}): {@link AckMode#IMMEDIATE}
 *     (default) once it is in the gateway's memory, or {@link AckMode#DURABLE} once Redis holds it; needs a URL
 * @param ackReplicas with {@link AckMode#DURABLE}, also wait until this many replicas hold it ({@code WAIT},
 *     {@code --redis-ack-replicas}); default 0; not on Cluster
 */
public record RedisConfig(
        @Nullable String url,
        boolean cluster,
        Duration flushInterval,
        int batchSize,
        Duration commandTimeout,
        Duration reconnectMaxDelay,
        int requestQueueSize,
        AckMode ackMode,
        int ackReplicas) {

    /** The schemes Lettuce reads; {@code redis+ssl} and the other aliases are left out of the documentation. */
    private static final Set<String> SCHEMES =
            Set.of("redis", "rediss", "redis-socket", "redis-sentinel", "rediss-sentinel");

    public RedisConfig {
        if (url != null && url.isBlank()) {
            url = null;
        }
        if (url != null) {
            checkUrl(url, cluster);
        } else if (cluster) {
            throw new IllegalArgumentException(
                    "redis-cluster needs --redis-url naming seed nodes: " + "redis://host:port[,host:port...]");
        }
        Checks.positive(flushInterval, "redis-flush-interval");
        Checks.range(batchSize, 1, 100_000, "redis-batch-size");
        Checks.positive(commandTimeout, "redis-command-timeout");
        Checks.positive(reconnectMaxDelay, "redis-reconnect-max-delay");
        Checks.range(requestQueueSize, 64, 10_000_000, "redis-request-queue-size");
        Checks.notNull(ackMode, "redis-ack-mode");
        Checks.range(ackReplicas, 0, 100, "redis-ack-replicas");
        if (ackMode == AckMode.DURABLE && url == null) {
            throw new IllegalArgumentException("redis-ack-mode durable acknowledges a status once Redis holds it: it "
                    + "needs --redis-url (the embedded store keeps nothing across a restart)");
        }
        if (ackReplicas > 0 && ackMode != AckMode.DURABLE) {
            throw new IllegalArgumentException(
                    "redis-ack-replicas waits for replicas before an ack: it needs --redis-ack-mode durable");
        }
        if (ackReplicas > 0 && cluster) {
            throw new IllegalArgumentException("redis-ack-replicas is not supported on Redis Cluster (WAIT covers one"
                    + " master's connection); use --redis-ack-mode durable without it");
        }
        if (requestQueueSize < 2 * batchSize) {
            throw new IllegalArgumentException("redis-request-queue-size (" + requestQueueSize
                    + ") must hold at least two commands per client of a batch (redis-batch-size " + batchSize + ")");
        }
    }

    /** No Redis: the embedded store. Write-behind settings at their defaults. */
    public static RedisConfig defaults() {
        return builder().build();
    }

    /** A builder that starts from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder that starts from this configuration. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Whether Redis is configured. */
    public boolean enabled() {
        return url != null;
    }

    /** A copy with {@code url} changed. */
    public RedisConfig withUrl(@Nullable String newUrl) {
        return toBuilder().url(newUrl).build();
    }

    /** A copy with {@code url} and {@code cluster} changed: a Redis Cluster's seed nodes. */
    public RedisConfig withCluster(String seedUrl) {
        return toBuilder().url(seedUrl).cluster(true).build();
    }

    /** Whether {@code url} names Sentinel ({@code redis-sentinel://} or {@code rediss-sentinel://}). */
    public boolean sentinel() {
        return url != null && scheme(url).endsWith("-sentinel");
    }

    /** A copy with {@code flushInterval} changed. */
    public RedisConfig withFlushInterval(Duration interval) {
        return toBuilder().flushInterval(interval).build();
    }

    /** A copy with {@code commandTimeout} changed. */
    public RedisConfig withCommandTimeout(Duration timeout) {
        return toBuilder().commandTimeout(timeout).build();
    }

    /** A copy with {@code reconnectMaxDelay} changed. */
    public RedisConfig withReconnectMaxDelay(Duration delay) {
        return toBuilder().reconnectMaxDelay(delay).build();
    }

    /**
     * {@code url} with its password replaced by {@code <redacted>}, in every form Lettuce reads: {@code user:secret@},
     * {@code :secret@} and {@code secret@} (a password alone, no user), also before a list of hosts. Everything
     * between the scheme and the last {@code @} is the user information, so a password holding {@code /}, {@code #}
     * or {@code ?} is hidden too.
     */
    public static String redact(String url) {
        int start = url.indexOf("://");
        int at = url.lastIndexOf('@');
        if (start < 0 || at < start + 3) {
            return url;
        }
        start += 3;
        String userInfo = url.substring(start, at);
        int colon = userInfo.indexOf(':');
        String user = colon > 0 ? userInfo.substring(0, colon + 1) : colon == 0 ? ":" : "";
        return url.substring(0, start) + user + "<redacted>" + url.substring(at);
    }

    private static String scheme(String url) {
        int end = url.indexOf("://");
        return end < 0 ? "" : url.substring(0, end).toLowerCase(Locale.ROOT);
    }

    /**
     * Checks the URL's form, with messages naming the setting and never the password; Lettuce parses it when the
     * store starts.
     */
    private static void checkUrl(String url, boolean cluster) {
        String scheme = scheme(url);
        if (!SCHEMES.contains(scheme)) {
            throw new IllegalArgumentException("redis-url must start with redis://, rediss://, redis-socket://, "
                    + "redis-sentinel:// or rediss-sentinel://, was " + redact(url));
        }
        boolean sentinel = scheme.endsWith("-sentinel");
        if (cluster && (sentinel || scheme.equals("redis-socket"))) {
            throw new IllegalArgumentException("redis-cluster needs redis:// or rediss:// seed nodes "
                    + "(redis://host:port[,host:port...]), was " + redact(url));
        }
        if (scheme.equals("redis-socket")) {
            return;
        }
        String rest = url.substring(url.indexOf("://") + 3);
        rest = rest.substring(rest.lastIndexOf('@') + 1);
        if (rest.contains("://")) {
            throw new IllegalArgumentException("redis-url: write the scheme once, before the first host (" + scheme
                    + "://host:port,host:port), was " + redact(url));
        }
        int end = rest.length();
        for (char c : new char[] {'/', '?', '#'}) {
            int i = rest.indexOf(c);
            if (i >= 0 && i < end) {
                end = i;
            }
        }
        String[] hosts = rest.substring(0, end).split(",", -1);
        for (String host : hosts) {
            checkHost(host, url);
        }
        if (sentinel && !url.contains("#") && !url.toLowerCase(Locale.ROOT).contains("sentinelmasterid=")) {
            throw new IllegalArgumentException("redis-url: a Sentinel URL names its master after '#' (" + scheme
                    + "://host:26379[,host:26379...]#mymaster), was " + redact(url));
        }
        if (hosts.length > 1 && !sentinel && !cluster) {
            throw new IllegalArgumentException("redis-url names " + hosts.length + " hosts: seed nodes of a Redis "
                    + "Cluster need --redis-cluster, sentinels a redis-sentinel:// URL; was " + redact(url));
        }
        String path = rest.substring(end);
        if (cluster && path.startsWith("/") && !path.matches("/0?([?#].*)?")) {
            throw new IllegalArgumentException("redis-url: Redis Cluster has only database 0, was " + redact(url));
        }
    }

    /** {@code host}, {@code host:port}, {@code [v6]} or {@code [v6]:port}, the port between 1 and 65535. */
    private static void checkHost(String host, String url) {
        String port = null;
        String name = host;
        if (host.startsWith("[")) {
            int close = host.indexOf(']');
            name = close < 0 ? "" : host.substring(1, close);
            if (close >= 0 && close + 1 < host.length()) {
                port = host.charAt(close + 1) == ':' ? host.substring(close + 2) : "";
            }
        } else if (host.contains(":")) {
            name = host.substring(0, host.lastIndexOf(':'));
            port = host.substring(host.lastIndexOf(':') + 1);
        }
        boolean portOk = port == null
                || (port.matches("\\d{1,5}") && Integer.parseInt(port) >= 1 && Integer.parseInt(port) <= 65535);
        if (name.isEmpty() || !portOk) {
            throw new IllegalArgumentException(
                    "redis-url: '" + redact(host) + "' is not host[:port] (port 1 to " + "65535), in " + redact(url));
        }
    }

    @Override
    public String toString() {
        return "RedisConfig[url=" + (url == null ? "none (embedded store)" : redact(url)) + ", cluster=" + cluster
                + ", flushInterval=" + flushInterval + ", batchSize=" + batchSize + ", commandTimeout="
                + commandTimeout + ", reconnectMaxDelay=" + reconnectMaxDelay + ", requestQueueSize="
                + requestQueueSize + ", ackMode=" + ackMode + ", ackReplicas=" + ackReplicas + "]";
    }

    /**
     * Builds a {@link RedisConfig}; {@link #build()} validates, so the queue size and the batch size, checked against
     * each other, may be set in any order. Its initial values are the defaults.
     */
    public static final class Builder {
        private @Nullable String url;
        private boolean cluster;
        private Duration flushInterval = Duration.ofMillis(5);
        private int batchSize = 512;
        private Duration commandTimeout = Duration.ofSeconds(2);
        private Duration reconnectMaxDelay = Duration.ofSeconds(5);
        private int requestQueueSize = 10_000;
        private AckMode ackMode = AckMode.IMMEDIATE;
        private int ackReplicas;

        private Builder() {}

        private Builder(RedisConfig c) {
            url = c.url;
            cluster = c.cluster;
            flushInterval = c.flushInterval;
            batchSize = c.batchSize;
            commandTimeout = c.commandTimeout;
            reconnectMaxDelay = c.reconnectMaxDelay;
            requestQueueSize = c.requestQueueSize;
            ackMode = c.ackMode;
            ackReplicas = c.ackReplicas;
        }

        /** See {@link RedisConfig#url()}; {@code null} or blank keeps the embedded store. */
        public Builder url(@Nullable String url) {
            this.url = url;
            return this;
        }

        /** See {@link RedisConfig#cluster()}. */
        public Builder cluster(boolean seedNodes) {
            this.cluster = seedNodes;
            return this;
        }

        /** See {@link RedisConfig#flushInterval()}. */
        public Builder flushInterval(Duration interval) {
            this.flushInterval = interval;
            return this;
        }

        /** See {@link RedisConfig#batchSize()}. */
        public Builder batchSize(int clients) {
            this.batchSize = clients;
            return this;
        }

        /** See {@link RedisConfig#commandTimeout()}. */
        public Builder commandTimeout(Duration timeout) {
            this.commandTimeout = timeout;
            return this;
        }

        /** See {@link RedisConfig#reconnectMaxDelay()}. */
        public Builder reconnectMaxDelay(Duration delay) {
            this.reconnectMaxDelay = delay;
            return this;
        }

        /** See {@link RedisConfig#requestQueueSize()}. */
        public Builder requestQueueSize(int commands) {
            this.requestQueueSize = commands;
            return this;
        }

        /** See {@link RedisConfig#ackMode()}. */
        public Builder ackMode(AckMode mode) {
            this.ackMode = mode;
            return this;
        }

        /** See {@link RedisConfig#ackReplicas()}. */
        public Builder ackReplicas(int replicas) {
            this.ackReplicas = replicas;
            return this;
        }

        /** The validated configuration; throws {@link IllegalArgumentException} naming a bad setting. */
        public RedisConfig build() {
            return new RedisConfig(
                    url,
                    cluster,
                    flushInterval,
                    batchSize,
                    commandTimeout,
                    reconnectMaxDelay,
                    requestQueueSize,
                    ackMode,
                    ackReplicas);
        }
    }

    /** When a client's status message is acknowledged ({@code message_processed}). */
    public enum AckMode {
        /**
         * Once the gateway holds it in memory (the default): the fastest; a crash loses what was acknowledged but
         * not yet written (the write lag, milliseconds).
         */
        IMMEDIATE,
        /**
         * Once Redis holds it (and, with {@link RedisConfig#ackReplicas()}, that many replicas): an acknowledged
         * status survives a crash of the gateway; each ack waits for the next write burst (about the flush interval
         * plus a round trip), and while Redis is unavailable acks wait with the writes.
         */
        DURABLE;

        /** The command-line spelling, which {@code --help} shows as the default. */
        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Parses {@code immediate} or {@code durable} (any case). */
        public static AckMode parse(String value) {
            for (AckMode m : values()) {
                if (m.name().equalsIgnoreCase(value.trim())) {
                    return m;
                }
            }
            throw new IllegalArgumentException("redis-ack-mode must be immediate or durable, was " + value);
        }
    }
}
