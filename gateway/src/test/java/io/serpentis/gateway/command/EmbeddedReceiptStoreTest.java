package io.serpentis.gateway.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class EmbeddedReceiptStoreTest {

    private static CommandReceipt receipt(String id, long at) {
        return CommandReceipt.sent(id, "client-" + id, "pause", null, "loopback 127.0.0.1", at);
    }

    private static CommandReceipt get(ReceiptStore store, String id) {
        return store.get(id).toCompletableFuture().join();
    }

    @Test
    void keepsAtMostItsCapacityEvictingTheOldestFirst() {
        EmbeddedReceiptStore store = new EmbeddedReceiptStore(3);
        for (int i = 1; i <= 5; i++) {
            store.create(receipt("r" + i, i));
        }
        assertThat(store.size()).isEqualTo(3);
        assertThat(get(store, "r1")).isNull();
        assertThat(get(store, "r2")).isNull();
        assertThat(get(store, "r3")).isNotNull();
        assertThat(get(store, "r5")).isNotNull();
    }

    @Test
    void evictsByCreationEvenWhenAnOlderReceiptWasMovedSince() {
        EmbeddedReceiptStore store = new EmbeddedReceiptStore(2);
        store.create(receipt("old", 1));
        store.create(receipt("new", 2));
        store.transition("old", new CommandReceipt.Transition(ReceiptState.DELIVERED, null, "gw", 3));
        store.create(receipt("newest", 4));
        assertThat(get(store, "old")).isNull();
        assertThat(get(store, "new")).isNotNull();
    }

    @Test
    void movesOnlyForwardAndAnswersTheReceiptAsItStands() {
        EmbeddedReceiptStore store = new EmbeddedReceiptStore(10);
        store.create(receipt("r", 1));
        CommandReceipt delivered = store.transition(
                        "r", new CommandReceipt.Transition(ReceiptState.DELIVERED, null, "gw-a", 2))
                .toCompletableFuture()
                .join();
        assertThat(delivered.state()).isEqualTo(ReceiptState.DELIVERED);
        CommandReceipt still = store.transition(
                        "r", new CommandReceipt.Transition(ReceiptState.FAILED, FailureReason.NODE_LOST, null, 3))
                .toCompletableFuture()
                .join();
        assertThat(still).as("a late node_lost does not undo the delivery").isEqualTo(delivered);
        CommandReceipt acked = store.transition(
                        "r", new CommandReceipt.Transition(ReceiptState.ACKNOWLEDGED, null, null, 4))
                .toCompletableFuture()
                .join();
        assertThat(acked.state()).isEqualTo(ReceiptState.ACKNOWLEDGED);
        CommandReceipt after = store.transition(
                        "r",
                        new CommandReceipt.Transition(ReceiptState.FAILED, FailureReason.CONNECTION_CLOSED, null, 5))
                .toCompletableFuture()
                .join();
        assertThat(after).as("final").isEqualTo(acked);
        assertThat(store.transition("nobody", new CommandReceipt.Transition(ReceiptState.DELIVERED, null, null, 5))
                        .toCompletableFuture()
                        .join())
                .isNull();
    }

    @Test
    void refusesANonPositiveCapacity() {
        assertThatThrownBy(() -> new EmbeddedReceiptStore(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
