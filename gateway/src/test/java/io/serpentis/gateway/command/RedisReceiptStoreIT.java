package io.serpentis.gateway.command;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.serpentis.gateway.config.LimitsConfig;
import io.serpentis.gateway.config.RedisConfig;
import io.serpentis.gateway.config.RegistryConfig;
import io.serpentis.gateway.registry.LocalClientRegistry;
import io.serpentis.gateway.store.RedisStatusStore;
import io.serpentis.gateway.testing.RedisServerExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Receipts on a real Redis, through a node's own link: moves asked for back to back reach Redis in the order they
 * were asked, also while the link is still connecting (a node's first use of it). That is what the node holding a
 * client does when the client acknowledges a command at once: delivered, then acknowledged. Before the link kept
 * them in line, the two waited on one future whose dependents run last-in first-out, the acknowledgement was
 * refused (a receipt moves to acknowledged only from delivered) and the receipt stayed delivered (seen in
 * FleetReceiptsIT on a loaded machine).
 */
class RedisReceiptStoreIT {
    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    private final List<AutoCloseable> open = new ArrayList<>();

    private RedisStatusStore deployment;

    @BeforeEach
    void create() {
        deployment = new RedisStatusStore(
                RedisConfig.defaults().withUrl(redis.url()),
                RegistryConfig.defaults(),
                new LocalClientRegistry(LimitsConfig.defaults(), RegistryConfig.defaults(), "gw-1", true, () -> 0),
                new SimpleMeterRegistry());
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        deployment.close();
    }

    /** A store on a link of its own, not yet connected: its first command makes the connection. */
    private RedisReceiptStore freshStore() {
        RedisLink link = new RedisLink(deployment.deployment());
        open.add(link);
        return new RedisReceiptStore(link, Duration.ofMinutes(5));
    }

    @Test
    void movesAskedForWhileTheLinkConnectsReachRedisInTheOrderAsked() throws Exception {
        RedisReceiptStore creator = freshStore();
        for (int i = 0; i < 20; i++) {
            String id = "order-" + i;
            creator.create(CommandReceipt.sent(id, "c-" + i, "pause", "gw-1", "test", 1_000))
                    .toCompletableFuture()
                    .get(5, TimeUnit.SECONDS);

            // A node's first use of its link: both moves are asked for before the connection is made.
            RedisReceiptStore holder = freshStore();
            CompletableFuture<?> delivered = holder.transition(
                            id, new CommandReceipt.Transition(ReceiptState.DELIVERED, null, "gw-1", 2_000))
                    .toCompletableFuture();
            CompletableFuture<?> acknowledged = holder.transition(
                            id, new CommandReceipt.Transition(ReceiptState.ACKNOWLEDGED, null, null, 3_000))
                    .toCompletableFuture();
            CompletableFuture.allOf(delivered, acknowledged).get(5, TimeUnit.SECONDS);

            CommandReceipt r = creator.get(id).toCompletableFuture().get(5, TimeUnit.SECONDS);
            assertThat(r).isNotNull();
            assertThat(r.state()).as("receipt %s", id).isEqualTo(ReceiptState.ACKNOWLEDGED);
            assertThat(r.node()).isEqualTo("gw-1");
        }
    }
}
