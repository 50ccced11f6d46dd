package io.serpentis.gateway.command;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * Receipts in this node's memory, at most {@code capacity}: a new one evicts the oldest. Without Redis there is one
 * node, so this node answers for every command. Thread-safe (one short lock); stages complete at once.
 */
public final class EmbeddedReceiptStore implements ReceiptStore {
    private final int capacity;
    private final LinkedHashMap<String, CommandReceipt> receipts;

    /** A store of at most {@code capacity} receipts. */
    public EmbeddedReceiptStore(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive, was " + capacity);
        }
        this.capacity = capacity;
        this.receipts = new LinkedHashMap<>(Math.min(capacity, 1024) * 2) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, CommandReceipt> eldest) {
                return size() > EmbeddedReceiptStore.this.capacity;
            }
        };
    }

    @Override
    public CompletionStage<Void> create(CommandReceipt receipt) {
        synchronized (receipts) {
            receipts.put(receipt.commandId(), receipt);
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<@Nullable CommandReceipt> transition(String commandId, CommandReceipt.Transition t) {
        CommandReceipt now;
        synchronized (receipts) {
            CommandReceipt r = receipts.get(commandId);
            if (r == null) {
                now = null;
            } else {
                now = r.moveTo(t);
                if (now != r) {
                    receipts.replace(commandId, now); // keeps its place: eviction goes by creation
                }
            }
        }
        return CompletableFuture.completedFuture(now);
    }

    @Override
    public CompletionStage<@Nullable CommandReceipt> get(String commandId) {
        synchronized (receipts) {
            return CompletableFuture.completedFuture(receipts.get(commandId));
        }
    }

    /** How many receipts are kept now. */
    public int size() {
        synchronized (receipts) {
            return receipts.size();
        }
    }
}
