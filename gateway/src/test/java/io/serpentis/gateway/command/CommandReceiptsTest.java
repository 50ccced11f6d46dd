package io.serpentis.gateway.command;

import static org.assertj.core.api.Assertions.assertThat;

import io.serpentis.gateway.config.LimitsConfig;
import io.serpentis.gateway.config.RegistryConfig;
import io.serpentis.gateway.registry.ClientCommand;
import io.serpentis.gateway.registry.CommandResult;
import io.serpentis.gateway.registry.LocalClientRegistry;
import io.serpentis.gateway.registry.StatusUpdate;
import io.serpentis.gateway.testing.RecordingConnection;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class CommandReceiptsTest {
    private final LocalClientRegistry registry = new LocalClientRegistry(
            LimitsConfig.defaults(), new RegistryConfig(Duration.ofSeconds(60), Duration.ofSeconds(5)), "gw-1");
    private final CommandReceipts receipts = new CommandReceipts(
            registry,
            new EmbeddedReceiptStore(100),
            new AuditTrail(new EmbeddedAuditLog(100), "gw-1", System::currentTimeMillis),
            "gw-1",
            Duration.ofSeconds(30),
            System::currentTimeMillis);

    private static StatusUpdate status(String state, String acknowledged) {
        return new StatusUpdate(
                "q-1", new String[] {"client_state", "acknowledged_command"}, new String[] {state, acknowledged});
    }

    @Test
    void anAcknowledgementReadBeforeTheDeliveryReturnedStillAcknowledgesTheReceipt() {
        registry.commandObserver(receipts);
        // A client that answers at once: its acknowledgement is read before the delivery's stage is returned, as on
        // a connection whose event loop wrote the frame and read the answer while the thread that asked (an HTTP
        // worker, the fleet's inbox) had not yet attached anything to the stage.
        RecordingConnection client = new RecordingConnection("quick");
        client.answering(c -> registry.apply(client, status("paused", c.wireName())));
        registry.apply(client, new StatusUpdate("q-1", new String[] {"client_state"}, new String[] {"running"}));

        CommandReceipts.Sent sent = receipts.send("q-1", ClientCommand.PAUSE, "test")
                .toCompletableFuture()
                .join();
        assertThat(sent.result()).isEqualTo(CommandResult.SENT);
        CommandReceipt stored =
                receipts.get(sent.receipt().commandId()).toCompletableFuture().join();
        assertThat(stored).isNotNull();
        assertThat(stored.state()).isEqualTo(ReceiptState.ACKNOWLEDGED);
    }
}
