package io.serpentis.gateway.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.serpentis.gateway.internal.Timestamps;
import io.serpentis.gateway.testing.ExternalTools;
import io.serpentis.gateway.testing.FleetHarness;
import io.serpentis.gateway.testing.GatewayProcess;
import io.serpentis.gateway.testing.HttpTestClient;
import io.serpentis.gateway.testing.RedisServerExtension;
import io.serpentis.gateway.testing.RedisWatcher;
import io.serpentis.gateway.testing.WsTestClient;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One node cut off from Redis while its peer is fine (issue 13, point 5): the node runs as its own user, and a
 * loopback firewall rule for that user drops its packets to Redis ({@code iptables -m owner --uid-owner}), so only it
 * is cut off. It turns {@code /readyz} to 503, finds its peer healthy, and closes its clients with 1012 before the
 * peer declares it lost, so that clients reconnect elsewhere and nothing is shown live that is gone; the peer then
 * records those clients offline at their last sign of life. Once the rule is removed the node joins again.
 *
 * <p>Needs root, {@code iptables} and {@code setpriv}: skipped without them, except under {@code CI=true}, where it
 * fails ({@code .ci/run} runs as root and installs iptables).
 */
class FleetIsolationIT {
    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    /** The cut-off node's user: no one else's packets are dropped. */
    private static final String UID = "2001";

    private FleetHarness fleet;
    private final List<WsTestClient> sockets = new ArrayList<>();
    private RedisWatcher watcher;
    private List<String> rule;

    @BeforeEach
    void requireRootAndFirewall() {
        String iptables = ExternalTools.require("iptables", "iptables");
        ExternalTools.require("setpriv", "util-linux");
        ExternalTools.Result id = ExternalTools.run(Path.of("."), null, List.of("id", "-u"));
        if (!id.output().trim().equals("0")) {
            ExternalTools.skipOrFail("cutting one process off from Redis takes root (iptables); running as uid "
                    + id.output().trim());
        }
        int port = URI.create(redis.url()).getPort();
        rule = List.of(
                iptables,
                "OUTPUT",
                "-o",
                "lo",
                "-p",
                "tcp",
                "-m",
                "owner",
                "--uid-owner",
                UID,
                "--dport",
                Integer.toString(port),
                "-j",
                "DROP");
        fleet = new FleetHarness("--redis-url", redis.url());
    }

    @AfterEach
    void heal() {
        try {
            if (rule != null) {
                firewall("-D"); // idempotent enough: a missing rule fails quietly
            }
        } finally {
            sockets.forEach(WsTestClient::abort);
            if (watcher != null) {
                watcher.close();
            }
            if (fleet != null) {
                fleet.close();
            }
        }
    }

    private ExternalTools.Result firewall(String action) {
        List<String> cmd = new ArrayList<>(rule);
        cmd.add(1, action);
        return ExternalTools.run(Path.of("."), null, cmd);
    }

    private static Map<String, String> record(String id) {
        return redis.commands().hgetall("client:" + id + ":status");
    }

    @Test
    void aNodeCutOffFromRedisClosesItsClientsBeforeItsPeerDeclaresItLost() throws Exception {
        GatewayProcess cut = fleet.startWithPrefix(
                List.of("setpriv", "--reuid=" + UID, "--regid=" + UID, "--clear-groups"), "iso-a");
        GatewayProcess peer = fleet.start("iso-b");
        List<String> clients = IntStream.range(0, 5).mapToObj(i -> "cut-" + i).toList();
        for (String id : clients) {
            WsTestClient c = WsTestClient.connect(cut.wsUri());
            assertThat(c.request("{\"client_id\": \"" + id + "\"}")).contains("message_processed");
            sockets.add(c);
        }
        await().atMost(Duration.ofSeconds(10))
                .until(() ->
                        clients.stream().allMatch(id -> "true".equals(record(id).get("connected"))));
        watcher = new RedisWatcher(redis.commands(), clients);
        HttpTestClient cutHttp = new HttpTestClient(cut.httpUri());
        // The node knows its peer (a heartbeat brought it): whom it can ask once it is cut off.
        await().atMost(Duration.ofSeconds(10))
                .until(() -> cutHttp.get("/api/v1/nodes").body().contains("\"iso-b\""));

        ExternalTools.Result added = firewall("-I");
        assertThat(added.exitCode()).as(added.output()).isZero();
        long cutAt = System.currentTimeMillis();
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            HttpResponse<String> r = cutHttp.get("/readyz");
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.body()).contains("\"fleet\":\"isolated\"");
        });
        List<Long> closedAt = new ArrayList<>();
        for (WsTestClient c : sockets) {
            assertThat(c.awaitClose(Duration.ofSeconds(15)))
                    .isEqualTo(new WsTestClient.Close(1012, "Gateway isolated from Redis"));
            closedAt.add(System.currentTimeMillis());
        }
        long lastClose = closedAt.stream().mapToLong(Long::longValue).max().orElseThrow();
        System.out.printf("FleetIsolationIT: clients closed with 1012 %d ms after the cut%n", lastClose - cutAt);
        assertThat(new HttpTestClient(peer.httpUri()).get("/readyz").statusCode())
                .isEqualTo(200);

        // The peer records them offline afterwards, at their last sign of life (before the cut).
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            for (String id : clients) {
                assertThat(record(id))
                        .as(id)
                        .containsEntry("connected", "false")
                        .containsEntry("status_detail", "Gateway node lost");
                assertThat(watcher.everOffline()).as("seen by the watcher too").contains(id);
            }
        });
        for (String id : clients) {
            long firstOffline = watcher.history(id).stream()
                    .filter(l -> "false".equals(l.connected()))
                    .mapToLong(RedisWatcher.Look::atMillis)
                    .min()
                    .orElseThrow();
            assertThat(firstOffline)
                    .as(id + ": shown live until after its socket was closed (never live and gone)")
                    .isGreaterThanOrEqualTo(lastClose - 200);
            assertThat(record(id).get("disconnect_time")).isLessThanOrEqualTo(Timestamps.format((cutAt + 1000) * 1000));
        }

        assertThat(firewall("-D").exitCode()).isZero();
        rule = null;
        await().atMost(Duration.ofSeconds(30))
                .until(() -> cutHttp.get("/readyz").statusCode() == 200);
    }
}
