package io.serpentis.gateway.command;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class CommandReceiptTest {
    private static final long T0 = 1_796_000_000_123L;

    private static CommandReceipt sent() {
        return CommandReceipt.sent("c-1", "worker-7", "pause", "gw-a", "admin-token", T0);
    }

    private static CommandReceipt.Transition to(ReceiptState s, FailureReason reason, long at) {
        return new CommandReceipt.Transition(s, reason, null, at);
    }

    @Test
    void movesForwardFromSentThroughDeliveredToAcknowledged() {
        CommandReceipt delivered =
                sent().moveTo(new CommandReceipt.Transition(ReceiptState.DELIVERED, null, "gw-b", T0 + 5));
        assertThat(delivered.state()).isEqualTo(ReceiptState.DELIVERED);
        assertThat(delivered.node()).isEqualTo("gw-b");
        assertThat(delivered.updatedMillis()).isEqualTo(T0 + 5);
        CommandReceipt acked = delivered.moveTo(to(ReceiptState.ACKNOWLEDGED, null, T0 + 9));
        assertThat(acked.state()).isEqualTo(ReceiptState.ACKNOWLEDGED);
        assertThat(acked.node()).as("kept when the move names none").isEqualTo("gw-b");
        assertThat(acked.createdMillis()).isEqualTo(T0);
    }

    @Test
    void neverMovesBackwardsNorOutOfAFinalState() {
        CommandReceipt acked = sent().moveTo(to(ReceiptState.DELIVERED, null, T0 + 1))
                .moveTo(to(ReceiptState.ACKNOWLEDGED, null, T0 + 2));
        assertThat(acked.moveTo(to(ReceiptState.DELIVERED, null, T0 + 3))).isSameAs(acked);
        assertThat(acked.moveTo(to(ReceiptState.FAILED, FailureReason.TIMED_OUT, T0 + 3)))
                .isSameAs(acked);
        assertThat(sent().moveTo(to(ReceiptState.ACKNOWLEDGED, null, T0 + 1)).state())
                .as("no acknowledgement before the delivery")
                .isEqualTo(ReceiptState.SENT);
        CommandReceipt failed = sent().moveTo(to(ReceiptState.FAILED, FailureReason.NODE_LOST, T0 + 1));
        assertThat(failed.moveTo(to(ReceiptState.DELIVERED, null, T0 + 2))).isSameAs(failed);
        assertThat(failed.reason()).isEqualTo(FailureReason.NODE_LOST);
        CommandReceipt delivered = sent().moveTo(to(ReceiptState.DELIVERED, null, T0 + 1));
        assertThat(delivered.moveTo(to(ReceiptState.FAILED, FailureReason.NODE_LOST, T0 + 2)))
                .as("a node that answered late delivered it after all")
                .isSameAs(delivered);
        assertThat(delivered
                        .moveTo(to(ReceiptState.FAILED, FailureReason.CONNECTION_CLOSED, T0 + 2))
                        .state())
                .isEqualTo(ReceiptState.FAILED);
        assertThat(sent().moveTo(to(ReceiptState.FAILED, FailureReason.TIMED_OUT, T0 + 2))
                        .state())
                .as("only a delivery times out")
                .isEqualTo(ReceiptState.SENT);
    }

    @Test
    void aDeliveryUnacknowledgedPastTheTimeoutReadsAsTimedOut() {
        CommandReceipt delivered = sent().moveTo(to(ReceiptState.DELIVERED, null, T0 + 10));
        assertThat(delivered.asOf(T0 + 10 + 29_999, 30_000)).isSameAs(delivered);
        CommandReceipt late = delivered.asOf(T0 + 10 + 45_000, 30_000);
        assertThat(late.state()).isEqualTo(ReceiptState.FAILED);
        assertThat(late.reason()).isEqualTo(FailureReason.TIMED_OUT);
        assertThat(late.updatedMillis()).as("dated when the time ran out").isEqualTo(T0 + 10 + 30_000);
        assertThat(sent().asOf(T0 + 1_000_000, 30_000).state())
                .as("only a delivered command awaits an acknowledgement")
                .isEqualTo(ReceiptState.SENT);
    }

    @Test
    void showsEveryFieldWithIsoMillisecondTimes() {
        Map<String, Object> json = sent().moveTo(to(ReceiptState.FAILED, FailureReason.NOT_CONNECTED, T0 + 877))
                .toJson();
        assertThat(json)
                .containsExactly(
                        Map.entry("command_id", "c-1"),
                        Map.entry("client_id", "worker-7"),
                        Map.entry("command", "pause"),
                        Map.entry("state", "failed"),
                        Map.entry("reason", "not_connected"),
                        Map.entry("node", "gw-a"),
                        Map.entry("requested_by", "admin-token"),
                        Map.entry("created", "2026-11-30T00:53:20.123Z"),
                        Map.entry("updated", "2026-11-30T00:53:21.000Z"));
    }

    @Test
    void survivesTheRoundTripThroughARedisHash() {
        CommandReceipt r = sent().moveTo(to(ReceiptState.FAILED, FailureReason.CONNECTION_CLOSED, T0 + 3));
        assertThat(CommandReceipt.fromHash("c-1", r.toHash())).isEqualTo(r);
        assertThat(CommandReceipt.fromHash("c-1", Map.of())).isNull();
        assertThat(CommandReceipt.fromHash("c-1", Map.of("state", "sideways", "client_id", "x", "command", "pause")))
                .isNull();
    }
}
