package io.serpentis.gateway.fleet;

import io.serpentis.gateway.testing.RedisSentinelExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link FleetViewContract} behind Sentinel ({@code redis-sentinel://}): one master, one replica, three sentinels. */
class FleetViewSentinelIT extends FleetViewContract {
    @RegisterExtension
    static final RedisSentinelExtension sentinel = new RedisSentinelExtension();

    @BeforeEach
    void empty() {
        sentinel.commands().flushall();
    }

    @Override
    String[] redisArgs() {
        return new String[] {"--redis-url", sentinel.url()};
    }
}
