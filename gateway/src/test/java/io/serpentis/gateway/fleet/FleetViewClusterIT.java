package io.serpentis.gateway.fleet;

import io.serpentis.gateway.testing.RedisClusterExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link FleetViewContract} on a Redis Cluster of three masters: feeds and inboxes are shard channels. */
class FleetViewClusterIT extends FleetViewContract {
    @RegisterExtension
    static final RedisClusterExtension cluster = new RedisClusterExtension();

    @BeforeEach
    void empty() {
        cluster.flushAll();
    }

    @Override
    String[] redisArgs() {
        return new String[] {"--redis-cluster", "--redis-url", cluster.seedUrl()};
    }
}
