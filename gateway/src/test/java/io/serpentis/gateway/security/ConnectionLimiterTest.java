package io.serpentis.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.serpentis.gateway.config.ConnectionLimitsConfig;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ConnectionLimiterTest {
    private final List<EmbeddedChannel> channels = new ArrayList<>();
    private long now = 42;

    /** A channel whose peer is {@code host}. */
    private EmbeddedChannel from(String host) {
        InetSocketAddress remote = new InetSocketAddress(host, 40000 + channels.size() % 20000);
        EmbeddedChannel ch = new EmbeddedChannel() {
            @Override
            protected SocketAddress remoteAddress0() {
                return remote;
            }
        };
        channels.add(ch);
        return ch;
    }

    @AfterEach
    void closeAll() {
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
    }

    private ConnectionLimiter limiter(ConnectionLimitsConfig config) {
        return new ConnectionLimiter(config, () -> now);
    }

    private static ConnectionLimitsConfig perAddress(int max, int rate, int burst, boolean loopback) {
        return ConnectionLimitsConfig.builder()
                .maxConnectionsPerAddress(max)
                .connectionRatePerAddress(rate)
                .connectionBurstPerAddress(burst)
                .limitLoopback(loopback)
                .build();
    }

    @Test
    void theGlobalCapRefusesTheNextUpgradeUntilOneCloses() {
        ConnectionLimiter l = limiter(ConnectionLimitsConfig.defaults().withMaxConnections(2));
        EmbeddedChannel a = from("192.0.2.1");
        assertThat(l.acquireWebSocket(a)).isTrue();
        assertThat(l.acquireWebSocket(from("192.0.2.2"))).isTrue();
        assertThat(l.acquireWebSocket(from("192.0.2.3"))).isFalse();
        assertThat(l.webSocketConnections()).isEqualTo(2);
        a.close();
        assertThat(l.webSocketConnections()).isEqualTo(1);
        assertThat(l.acquireWebSocket(from("192.0.2.3"))).isTrue();
    }

    @Test
    void oneAddressMayHoldOnlyItsShareAndGetsItBackOnClose() {
        ConnectionLimiter l = limiter(perAddress(2, 0, 1, false));
        EmbeddedChannel first = from("198.51.100.7");
        assertThat(l.openSocket(first)).isNull();
        assertThat(l.openSocket(from("198.51.100.7"))).isNull();
        assertThat(l.openSocket(from("198.51.100.7"))).isEqualTo(ConnectionLimiter.Refusal.ADDRESS_CONNECTIONS);
        assertThat(l.openSocket(from("198.51.100.8"))).as("another address").isNull();
        first.close();
        assertThat(l.openSocket(from("198.51.100.7"))).isNull();
    }

    @Test
    void everySocketCountsAgainstItsAddressFromAcceptNotOnlyUpgrades() {
        // Issue 11 point 2: idle HTTP sockets used to count nowhere but in the global socket cap.
        ConnectionLimiter l = limiter(perAddress(3, 0, 1, false));
        for (int i = 0; i < 3; i++) {
            assertThat(l.openSocket(from("198.51.100.20")))
                    .as("plain socket " + i)
                    .isNull();
        }
        EmbeddedChannel refused = from("198.51.100.20");
        assertThat(l.openSocket(refused)).isEqualTo(ConnectionLimiter.Refusal.ADDRESS_CONNECTIONS);
        EmbeddedChannel other = from("198.51.100.21");
        assertThat(l.openSocket(other)).as("another address is not affected").isNull();
        assertThat(l.acquireWebSocket(other)).as("and may upgrade").isTrue();
        assertThat(l.addressesWithSockets()).isEqualTo(2);
        assertThat(l.sockets())
                .as("the refused socket counts globally until it closes")
                .isEqualTo(5);
        refused.close();
        assertThat(l.sockets()).isEqualTo(4);
    }

    @Test
    void newSocketsPerAddressFollowTheTokenBucket() {
        ConnectionLimiter l = limiter(perAddress(0, 2, 3, false));
        for (int i = 0; i < 3; i++) {
            assertThat(l.openSocket(from("203.0.113.9"))).as("burst " + i).isNull();
        }
        assertThat(l.openSocket(from("203.0.113.9"))).isEqualTo(ConnectionLimiter.Refusal.ADDRESS_RATE);
        assertThat(l.openSocket(from("203.0.113.10")))
                .as("another address has its own bucket")
                .isNull();
        now += TimeUnit.MILLISECONDS.toNanos(500); // rate 2/s: one token
        assertThat(l.openSocket(from("203.0.113.9"))).isNull();
        assertThat(l.openSocket(from("203.0.113.9"))).isEqualTo(ConnectionLimiter.Refusal.ADDRESS_RATE);
    }

    @Test
    void aSocketIsChargedOnceAndNotAgainAtItsUpgrade() {
        ConnectionLimiter l = limiter(perAddress(0, 1, 2, false));
        EmbeddedChannel a = from("203.0.113.30");
        EmbeddedChannel b = from("203.0.113.30");
        assertThat(l.openSocket(a)).isNull();
        assertThat(l.openSocket(b)).isNull();
        assertThat(l.acquireWebSocket(a)).isTrue();
        assertThat(l.acquireWebSocket(b))
                .as("the burst of 2 was spent on the two sockets, not on upgrades")
                .isTrue();
        assertThat(l.openSocket(from("203.0.113.30"))).isEqualTo(ConnectionLimiter.Refusal.ADDRESS_RATE);
    }

    @Test
    void loopbackIsExemptFromPerAddressRulesUnlessAsked() {
        ConnectionLimiter exempt = limiter(perAddress(1, 1, 1, false));
        for (int i = 0; i < 5; i++) {
            assertThat(exempt.openSocket(from("127.0.0.1"))).isNull();
            assertThat(exempt.openSocket(from("::1"))).isNull();
        }
        assertThat(exempt.addressesWithSockets()).isZero();
        assertThat(exempt.trackedAddresses()).isZero();
        ConnectionLimiter limited = limiter(perAddress(1, 0, 1, true));
        assertThat(limited.openSocket(from("127.0.0.1"))).isNull();
        assertThat(limited.openSocket(from("127.0.0.1"))).isEqualTo(ConnectionLimiter.Refusal.ADDRESS_CONNECTIONS);
        assertThat(limited.openSocket(from("127.0.0.2")))
                .as("127.0.0.2 is another address")
                .isNull();
    }

    @Test
    void ipv6AddressesCountPerSlash64() {
        ConnectionLimiter l = limiter(perAddress(2, 0, 1, false));
        assertThat(l.openSocket(from("2001:db8:1:2::1"))).isNull();
        assertThat(l.openSocket(from("2001:db8:1:2:ffff::9"))).isNull();
        assertThat(l.openSocket(from("2001:db8:1:2:aaaa::3")))
                .as("same /64")
                .isEqualTo(ConnectionLimiter.Refusal.ADDRESS_CONNECTIONS);
        assertThat(l.openSocket(from("2001:db8:1:3::1"))).as("another /64").isNull();
    }

    @Test
    void theRateTableIsBoundedAndCountsLeaveWithTheirSockets() {
        ConnectionLimiter l = limiter(perAddress(10, 1, 1, false));
        for (int i = 0; i < ConnectionLimiter.ADDRESS_TABLE_SIZE + 5000; i++) {
            EmbeddedChannel ch = from("10." + ((i >> 16) & 0xff) + "." + ((i >> 8) & 0xff) + "." + (i & 0xff));
            assertThat(l.openSocket(ch)).isNull();
            ch.finishAndReleaseAll();
        }
        channels.clear();
        assertThat(l.trackedAddresses()).isEqualTo(ConnectionLimiter.ADDRESS_TABLE_SIZE);
        assertThat(l.addressesWithSockets()).isZero();
        assertThat(l.sockets()).isZero();
    }

    @Test
    void socketsBeyondTheCapAndItsMarginAreRefusedAtAccept() {
        ConnectionLimiter l = limiter(perAddress(0, 0, 1, false) // no per-address rule in the way
                .withMaxConnections(1));
        List<EmbeddedChannel> open = new ArrayList<>();
        for (int i = 0; i < 1 + 1024; i++) {
            EmbeddedChannel ch = from("192.0.2.200");
            assertThat(l.openSocket(ch)).isNull();
            open.add(ch);
        }
        assertThat(l.openSocket(from("192.0.2.200"))).isEqualTo(ConnectionLimiter.Refusal.SOCKET_CAPACITY);
        assertThat(l.sockets()).isEqualTo(1025);
        open.get(0).close();
        assertThat(l.openSocket(from("192.0.2.200"))).isNull();
    }

    @Test
    void defaultsAreTheDocumentedOnes() {
        ConnectionLimitsConfig d = ConnectionLimitsConfig.defaults();
        assertThat(d.maxConnections()).isEqualTo(100_000);
        assertThat(d.maxConnectionsPerAddress()).isEqualTo(1000);
        assertThat(d.connectionRatePerAddress()).isEqualTo(50);
        assertThat(d.connectionBurstPerAddress()).isEqualTo(500);
        assertThat(d.limitLoopback()).isFalse();
        assertThat(d.messageRate()).isEqualTo(10_000);
        assertThat(d.messageBurst()).isEqualTo(10_000);
        assertThat(d.rateLimitCloseAfter()).isEqualTo(Duration.ofSeconds(10));
        assertThat(d.slowConsumerTimeout()).isEqualTo(Duration.ofSeconds(15));
    }
}
