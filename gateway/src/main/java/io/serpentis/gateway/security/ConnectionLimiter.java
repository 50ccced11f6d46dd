package io.serpentis.gateway.security;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
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
 * Counts sockets and connections and decides whether one more may come in. At accept, every socket (HTTP or
 * WebSocket, from the moment it is accepted) passes a coarse global cap on sockets and, per source address (an IPv4
 * address, or an IPv6 /64 prefix, since one host usually holds a whole /64), a token bucket on new sockets and a
 * cap on open sockets ({@link #openSocket}). At the WebSocket upgrade only the global WebSocket cap remains
 * ({@link #acquireWebSocket}). Loopback peers are exempt from the per-address rules unless configured otherwise.
 *
 * <p>Memory is bounded: open-socket counts exist only for addresses with open sockets (so at most the socket cap of
 * them), and the rate buckets live in an LRU table of {@value #ADDRESS_TABLE_SIZE} addresses (an evicted address
 * starts again with a full bucket). Thread-safe: counters are atomic, the LRU table is guarded by its own lock
 * (taken once per accepted socket, never per request or message).
 */
public final class ConnectionLimiter {
    /** Most source addresses whose new-connection rate is tracked at once. */
    public static final int ADDRESS_TABLE_SIZE = 65_536;

    /** Why a socket or an upgrade was refused, with the status it is answered with. */
    public enum Refusal {
        /** At the upgrade: the gateway holds {@code max-connections} WebSocket connections. */
        CAPACITY(
                HttpResponseStatus.SERVICE_UNAVAILABLE,
                "The gateway is at its connection limit (--max-connections); retry later"),
        /**
         * At accept: the gateway holds its socket cap ({@code max-connections} plus a margin); the socket is closed
         * unread, without an answer.
         */
        SOCKET_CAPACITY(
                HttpResponseStatus.SERVICE_UNAVAILABLE,
                "The gateway is at its socket limit (--max-connections); retry later"),
        /** At accept: the address holds {@code max-connections-per-address} sockets. */
        ADDRESS_CONNECTIONS(
                HttpResponseStatus.TOO_MANY_REQUESTS,
                "Too many connections from this address (--max-connections-per-address)"),
        /** At accept: the address opened sockets faster than {@code connection-rate-per-address}. */
        ADDRESS_RATE(
                HttpResponseStatus.TOO_MANY_REQUESTS,
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
                return new AddressKey(
                        0,
                        0x1_0000_0000L
                                | (((b[0] & 0xffL) << 24)
                                        | ((b[1] & 0xff) << 16)
                                        | ((b[2] & 0xff) << 8)
                                        | (b[3] & 0xff)));
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
    /** Gives back a socket when its channel closes; one listener for every channel, not one each. */
    private final ChannelFutureListener socketClosed = f -> sockets.decrementAndGet();
    /** Gives back a WebSocket slot when its channel closes; shared, as {@link #socketClosed}. */
    private final ChannelFutureListener webSocketClosed = f -> webSockets.decrementAndGet();

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
     * At accept: counts the socket until it closes and returns {@code null}, or says why it is refused. Every
     * socket counts, whatever it goes on to do (an HTTP request, an upgrade, nothing at all):
     *
     * <ol>
     *   <li>against the global socket cap ({@code max-connections} plus a margin for HTTP requests and upgrades in
     *       progress): over it, {@link Refusal#SOCKET_CAPACITY}, and the caller closes the socket unread;
     *   <li>against its address's new-connection rate, charged here once per socket (and not again at an
     *       upgrade): {@link Refusal#ADDRESS_RATE};
     *   <li>against its address's open-socket cap: {@link Refusal#ADDRESS_CONNECTIONS}.
     * </ol>
     *
     * A socket refused for its address stays counted against the global cap until it closes (the caller answers it
     * and closes it shortly), so that refused sockets cannot pile up beyond the cap either.
     */
    public @Nullable Refusal openSocket(Channel channel) {
        if (sockets.incrementAndGet() > socketLimit) {
            sockets.decrementAndGet();
            return Refusal.SOCKET_CAPACITY;
        }
        channel.closeFuture().addListener(socketClosed);
        AddressKey key = perAddressKey(channel.remoteAddress());
        if (key == null) {
            return null;
        }
        if (config.connectionRatePerAddress() > 0 && !takeToken(key)) {
            return Refusal.ADDRESS_RATE;
        }
        if (config.maxConnectionsPerAddress() > 0) {
            int count = perAddress.merge(key, 1, Integer::sum); // atomic per key: the count after this one
            if (count > config.maxConnectionsPerAddress()) {
                releaseAddress(key);
                return Refusal.ADDRESS_CONNECTIONS;
            }
            channel.closeFuture().addListener(f -> releaseAddress(key));
        }
        return null;
    }

    /**
     * At a WebSocket upgrade: takes one of the {@code max-connections} WebSocket slots for {@code channel}, released
     * when the channel closes; {@code false} when none is left ({@link Refusal#CAPACITY}). The per-address rules
     * were applied when the socket was accepted.
     */
    public boolean acquireWebSocket(Channel channel) {
        if (webSockets.incrementAndGet() > config.maxConnections()) {
            webSockets.decrementAndGet();
            return false;
        }
        channel.closeFuture().addListener(webSocketClosed);
        return true;
    }

    /** WebSocket connection slots held now. */
    public int webSocketConnections() {
        return webSockets.get();
    }

    /** Sockets open now (HTTP and WebSocket, and refused ones until they close). */
    public int sockets() {
        return sockets.get();
    }

    /** Source addresses with open sockets now (loopback ones only with {@code limit-loopback}). */
    public int addressesWithSockets() {
        return perAddress.size();
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
