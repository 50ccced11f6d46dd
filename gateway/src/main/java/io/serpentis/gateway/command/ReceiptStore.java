package io.serpentis.gateway.command;

import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * Where receipts are kept: {@link EmbeddedReceiptStore} (bounded memory, this node only) or
 * {@link RedisReceiptStore} (a hash per receipt with a retention: every node reads every receipt). Thread-safe;
 * never blocks; the stages complete on any thread.
 */
public interface ReceiptStore extends AutoCloseable {

    /** Keeps {@code receipt}; the stage completes once it is kept (exceptionally when it could not be). */
    CompletionStage<Void> create(CommandReceipt receipt);

    /**
     * Moves receipt {@code commandId} by {@code t} if its state may move so (atomically: of concurrent moves from
     * several nodes, the first allowed wins).
     *
     * @return the receipt as it then stands (moved or not), or {@code null} when there is none
     */
    CompletionStage<@Nullable CommandReceipt> transition(String commandId, CommandReceipt.Transition t);

    /** The receipt {@code commandId} as stored, or {@code null}. */
    CompletionStage<@Nullable CommandReceipt> get(String commandId);

    @Override
    default void close() {}
}
