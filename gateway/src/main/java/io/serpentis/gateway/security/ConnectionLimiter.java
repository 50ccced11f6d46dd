package io.serpentis.gateway.security;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.serpentis.gateway.config.ConnectionLimitsConfig;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Counts connections and decides whether one more may come in: the global WebSocket cap, a coarser cap on all
 * sockets checked at accept, and per source address (an IPv4 address, or an IPv6 /64 prefix, since one host
 * usually holds a whole /64) a cap on open WebSocket connections and a token bucket on new ones. Loopback peers
 * are exempt from the per-address rules unless configured otherwise.
 *
 * <p>Memory is bounded: open-connection counts exist only for addresses with open connections (so at most
 * {@code max-connections} of them), and the rate buckets live in an LRU table of {@value #ADDRESS_TABLE_SIZE}
 * addresses (an evicted address starts again with a full bucket). Thread-safe: counters are atomic, the LRU table
 * is guarded by its own lock (taken once per upgrade, never per message).
 */
public final class ConnectionLimiter {
    /** Most source addresses whose new-connection rate is tracked at once. */
    public static final int ADDRESS_TABLE_SIZE = 65_536;

    /** Why an upgrade was refused, with the status it is answered with. */
    public enum Refusal {
        /** The gateway holds {@code max-connections} WebSocket connections. */
        CAPACITY(HttpResponseStatus.SERVICE_UNAVAILABLE,
                "The gateway is at its connection limit (--max-connections); retry later"),
        /** The address holds {@code max-connections-per-address} connections. */
        ADDRESS_CONNECTIONS(HttpResponseStatus.TOO_MANY_REQUESTS,
                "Too many connections from this address (--max-connections-per-address)"),
        /** The address opened connections faster than {@code connection-rate-per-address}. */
        ADDRESS_RATE(HttpResponseStatus.TOO_MANY_REQUESTS,
                "Too many new connections from this address (--connection-rate-per-address); retry later");

        private final HttpResponseStatus status;
        private final String detail;

        Refusal(HttpResponseStatus status, String detail) {
            this.status = status;
            this.detail = detail;
        }

        public HttpResponseStatus status() {
            return status;
        }

        public String detail() {
            return detail;
        }
    }

    /** An address as the per-address rules see it: IPv4 as is, IPv6 cut to its /64 prefix. */
    private record AddressKey(long high, long low) {
        static AddressKey of(InetAddress a) {
            byte[] b = a.getAddress();
            if (a instanceof Inet4Address) {
                return new AddressKey(0, 0x1_0000_0000L | (((b[0] & 0xffL) << 24) | ((b[1] & 0xff) << 16)
                        | ((b[2] & 0xff) << 8) | (b[3] & 0xff)));
            }
            long high = 0;
            for (int i = 0; i < 8; i++) {
                high = (high << 8) | (b[i] & 0xff);
            }
            return new AddressKey(high, 0);
        }
    }

    private final ConnectionLimitsConfig config;
    private final LongSupplier nanoClock;
    private final int socketLimit;
    private final AtomicInteger sockets = new AtomicInteger();
    private final AtomicInteger webSockets = new AtomicInteger();
    private final ConcurrentHashMap<AddressKey, Integer> perAddress = new ConcurrentHashMap<>();
    private final LinkedHashMap<AddressKey, TokenBucket> buckets = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<AddressKey, TokenBucket> eldest) {
            return size() > ADDRESS_TABLE_SIZE;
        }
    };

    /** A limiter on the monotonic clock. */
    public ConnectionLimiter(ConnectionLimitsConfig config) {
        this(config, System::nanoTime);
    }

    /** A limiter on {@code nanoClock} (monotonic nanoseconds; tests pass their own). */
    public ConnectionLimiter(ConnectionLimitsConfig config, LongSupplier nanoClock) {
        this.config = config;
        this.nanoClock = nanoClock;
        long margin = Math.max(1024, config.maxConnections() / 4);
        this.socketLimit = (int) Math.min(Integer.MAX_VALUE, config.maxConnections() + margin);
    }

    /** The limits this limiter applies. */
    public ConnectionLimitsConfig config() {
        return config;
    }

    /**
     * At accept: counts the socket until it closes and returns {@code true}, or returns {@code false} when the
     * gateway already holds the socket cap ({@code max-connections} plus a margin for HTTP requests and upgrades
     * in progress), and the caller closes it unread.
     */
    public boolean openSocket(Channel channel) {
        if (sockets.incrementAndGet() > socketLimit) {
            sockets.decrementAndGet();
            return false;
        }
        channel.closeFuture().addListener(f -> sockets.decrementAndGet());
        return true;
    }

    /**
     * At a WebSocket upgrade: takes a connection slot for {@code channel}'s peer, released when the channel closes,
     * or says why not. The per-address rate is charged before anything else is checked, so that refused attempts
     * (a token being guessed, say) count against it too.
     */
    public @Nullable Refusal tryAcquire(Channel channel) {
        AddressKey key = perAddressKey(channel.remoteAddress());
        if (key != null && config.connectionRatePerAddress() > 0 && !takeToken(key)) {
            return Refusal.ADDRESS_RATE;
        }
        if (webSockets.incrementAndGet() > config.maxConnections()) {
            webSockets.decrementAndGet();
            return Refusal.CAPACITY;
        }
        if (key != null && config.maxConnectionsPerAddress() > 0) {
            int count = perAddress.merge(key, 1, Integer::sum); // atomic per key: the count after this one
            if (count > config.maxConnectionsPerAddress()) {
                releaseAddress(key);
                webSockets.decrementAndGet();
                return Refusal.ADDRESS_CONNECTIONS;
            }
            channel.closeFuture().addListener(f -> releaseAddress(key));
        }
        channel.closeFuture().addListener(f -> webSockets.decrementAndGet());
        return null;
    }

    /** WebSocket connection slots held now. */
    public int webSocketConnections() {
        return webSockets.get();
    }

    /** Sockets open now (HTTP and WebSocket). */
    public int sockets() {
        return sockets.get();
    }

    /** Source addresses whose new-connection rate is tracked now (at most {@value #ADDRESS_TABLE_SIZE}). */
    public int trackedAddresses() {
        synchronized (buckets) {
            return buckets.size();
        }
    }

    private @Nullable AddressKey perAddressKey(@Nullable SocketAddress remote) {
        if (!(remote instanceof InetSocketAddress inet) || inet.getAddress() == null) {
            return null; // not an IP peer (an embedded or local channel): no per-address rules
        }
        InetAddress a = inet.getAddress();
        if (a.isLoopbackAddress() && !config.limitLoopback()) {
            return null;
        }
        return AddressKey.of(a);
    }

    private boolean takeToken(AddressKey key) {
        long now = nanoClock.getAsLong();
        synchronized (buckets) {
            TokenBucket b = buckets.get(key);
            if (b == null) {
                b = new TokenBucket(config.connectionRatePerAddress(), config.connectionBurstPerAddress());
                buckets.put(key, b);
            }
            return b.tryAcquire(now);
        }
    }

    private void releaseAddress(AddressKey key) {
        perAddress.computeIfPresent(key, (k, n) -> n <= 1 ? null : n - 1);
    }
}
