package io.serpentis.gateway.store;

import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.serpentis.gateway.testing.RedisClusterExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The fencing scripts on a Redis Cluster of three masters ({@link FencingScriptsContract}), one key per call. */
class FencingScriptsClusterIT extends FencingScriptsContract {
    @RegisterExtension
    static final RedisClusterExtension cluster = new RedisClusterExtension();

    @BeforeEach
    void empty() {
        cluster.flushAll();
    }

    @Override
    RedisClusterCommands<String, String> redis() {
        return cluster.commands();
    }
}
