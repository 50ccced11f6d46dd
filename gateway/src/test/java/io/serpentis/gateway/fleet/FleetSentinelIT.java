package io.serpentis.gateway.fleet;

import io.serpentis.gateway.testing.FleetHarness;
import io.serpentis.gateway.testing.GatewayProcess;
import io.serpentis.gateway.testing.RedisSentinelExtension;
import io.serpentis.gateway.testing.WsTestClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The fleet behind Sentinel (one master, one replica, three sentinels): after {@code kill -9} of a gateway, a
 * survivor marks its clients offline within 30 s, {@code Gateway node lost}, at their last sign of life.
 */
class FleetSentinelIT {
    @RegisterExtension
    static final RedisSentinelExtension sentinel = new RedisSentinelExtension();

    private final FleetHarness fleet = new FleetHarness("--redis-url", sentinel.url());
    private final List<WsTestClient> sockets = new ArrayList<>();

    @AfterEach
    void stop() {
        sockets.forEach(WsTestClient::abort);
        fleet.close();
    }

    @Test
    void aKilledGatewaysClientsGoOfflineWithinTheBound() throws Exception {
        GatewayProcess a = fleet.start("sent-a");
        fleet.start("sent-b");
        List<String> clients = FleetScenarios.register(a, "sent-lost-", 10, sockets);
        FleetScenarios.awaitConnected(sentinel.commands(), clients, "sent-a");
        Duration took = FleetScenarios.killAndExpectOffline(fleet, "sent-a", sentinel.commands(), clients);
        System.out.printf("FleetSentinelIT: offline %d ms after the kill%n", took.toMillis());
    }
}
