package io.serpentis.gateway.command;

import static org.assertj.core.api.Assertions.assertThat;

import io.serpentis.gateway.config.LimitsConfig;
import io.serpentis.gateway.config.RegistryConfig;
import io.serpentis.gateway.registry.ClientCommand;
import io.serpentis.gateway.registry.ClientConnection;
import io.serpentis.gateway.registry.ClientFilter;
import io.serpentis.gateway.registry.CommandResult;
import io.serpentis.gateway.registry.LocalClientRegistry;
import io.serpentis.gateway.registry.StatusUpdate;
import io.serpentis.gateway.testing.RecordingConnection;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;

class BulkCommandsTest {
    private final LocalClientRegistry registry = new LocalClientRegistry(
            LimitsConfig.defaults(), new RegistryConfig(Duration.ofSeconds(60), Duration.ofSeconds(5)), "gw-1");
    private final CommandReceipts receipts = new CommandReceipts(
            registry,
            new EmbeddedReceiptStore(20_000),
            new AuditTrail(new EmbeddedAuditLog(100), "gw-1", System::currentTimeMillis),
            "gw-1",
            Duration.ofSeconds(30),
            System::currentTimeMillis);
    private final BulkCommands bulk = new BulkCommands(
            registry, receipts, new AuditTrail(new EmbeddedAuditLog(100), "gw-1", System::currentTimeMillis));

    /** A connection whose deliveries complete when the test says so. */
    private static final class SlowConnection implements ClientConnection {
        final Queue<CompletableFuture<CommandResult>> pending;

        SlowConnection(Queue<CompletableFuture<CommandResult>> pending) {
            this.pending = pending;
        }

        @Override
        public String connectionId() {
            return "slow";
        }

        @Override
        public void superseded() {}

        @Override
        public boolean isSuperseded() {
            return false;
        }

        @Override
        public void isolated() {}

        @Override
        public CompletionStage<CommandResult> deliver(ClientCommand command, Runnable written) {
            CompletableFuture<CommandResult> f = new CompletableFuture<>();
            pending.add(f);
            return f.thenApply(r -> {
                if (r == CommandResult.SENT) {
                    written.run(); // a connection's write listener runs before its future completes
                }
                return r;
            });
        }
    }

    private void register(ClientConnection conn, String id, String state) {
        registry.apply(conn, new StatusUpdate(id, new String[] {"client_state"}, new String[] {state}));
    }

    @Test
    void keepsAtMost64CommandsInFlight() {
        Queue<CompletableFuture<CommandResult>> pending = new ConcurrentLinkedQueue<>();
        for (int i = 0; i < 200; i++) {
            register(new SlowConnection(pending), String.format("slow-%03d", i), "error");
        }
        CompletableFuture<BulkCommands.Result> result = bulk.run(
                        ClientCommand.PAUSE, ClientFilter.ALL, "every connected client", 150, false, "test")
                .toCompletableFuture();
        assertThat(pending).hasSize(BulkCommands.CONCURRENCY);
        int completed = 0;
        while (!pending.isEmpty()) {
            assertThat(pending.size()).isLessThanOrEqualTo(BulkCommands.CONCURRENCY);
            pending.poll().complete(CommandResult.SENT);
            completed++;
        }
        assertThat(completed).isEqualTo(150);
        BulkCommands.Result r = result.join();
        assertThat(r.matched()).isEqualTo(200);
        assertThat(r.sent()).isEqualTo(150);
        assertThat(r.delivered()).isEqualTo(150);
        assertThat(r.commandIds()).hasSize(150).doesNotContainNull().doesNotHaveDuplicates();
    }

    @Test
    void tenThousandCommandsCompletingAtOnceDoNotNest() {
        for (int i = 0; i < BulkCommands.MAX_LIMIT; i++) {
            register(new RecordingConnection(), "fast-" + i, "running");
        }
        BulkCommands.Result r = bulk.run(
                        ClientCommand.RESUME,
                        ClientFilter.parse(List.of("client_state==running")),
                        "where client_state==running",
                        BulkCommands.MAX_LIMIT,
                        false,
                        "test")
                .toCompletableFuture()
                .join();
        assertThat(r.sent()).isEqualTo(BulkCommands.MAX_LIMIT);
        assertThat(r.delivered()).isEqualTo(BulkCommands.MAX_LIMIT);
    }

    @Test
    void aDryRunSendsNothingAndShowsTheFirstTargetsById() {
        RecordingConnection conn = new RecordingConnection();
        for (int i = 29; i >= 0; i--) {
            register(new RecordingConnection(), String.format("dry-%02d", i), i % 2 == 0 ? "error" : "running");
        }
        register(conn, "dry-xx", "running");
        BulkCommands.Result r = bulk.run(
                        ClientCommand.PAUSE,
                        ClientFilter.parse(List.of("client_state==error")),
                        "where client_state==error",
                        12,
                        true,
                        "test")
                .toCompletableFuture()
                .join();
        assertThat(r.matched()).isEqualTo(15);
        assertThat(r.sent()).isZero();
        assertThat(r.commandIds()).isEmpty();
        assertThat(r.preview())
                .hasSize(12)
                .startsWith("dry-00", "dry-02", "dry-04")
                .isSorted();
        assertThat(conn.delivered()).isEmpty();
    }
}
