package io.serpentis.gateway.command;

import io.serpentis.gateway.GatewayServer;
import io.serpentis.gateway.testing.RedisServerExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The audit trail and the receipts on Redis (a stream, hashes), over real sockets: as in memory. */
class RedisAuditTrailIT {
    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    private GatewayServer gateway;

    @BeforeEach
    void start() throws Exception {
        gateway = redis.startGateway(c -> c);
    }

    @Test
    void recordsEveryCommandOnceAndPagesNewestFirst() {
        AuditTrailIT.recordsEveryCommandOnceAndPagesNewestFirst(gateway, "au-redis");
    }
}
