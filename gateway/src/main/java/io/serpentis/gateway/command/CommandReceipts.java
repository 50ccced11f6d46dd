package io.serpentis.gateway.command;

import io.serpentis.gateway.logging.RateLimitedLog;
import io.serpentis.gateway.registry.ClientCommand;
import io.serpentis.gateway.registry.ClientRecord;
import io.serpentis.gateway.registry.ClientRegistry;
import io.serpentis.gateway.registry.CommandObserver;
import io.serpentis.gateway.registry.CommandResult;
import io.serpentis.gateway.registry.ServerFields;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Command receipts (issue 15 point 1). {@link #send} gives every command an id and a receipt in the
 * {@link ReceiptStore} before it goes out through {@link ClientRegistry#command}, which routes it to the node that
 * holds the client. That node, told by its registry ({@link CommandObserver}), moves the receipt to
 * {@code delivered} once the frame is written, and to {@code acknowledged} when the client's next status carries
 * {@code acknowledged_command} equal to the command's wire name (as the original's reference client sends it) or to
 * its id; to {@code failed} ({@code connection_closed}) when the connection ends first. The node that took the
 * request records the failures it learns from the result: {@code not_connected}, {@code connection_closed} (the
 * write failed), {@code node_lost} (the holding node did not answer). A delivered receipt not acknowledged within
 * the acknowledgement timeout reads as {@code failed} ({@code timed_out}): checked when it is read, and written back
 * then, so no timer runs per command.
 *
 * <p>The command frame on the wire stays the original's {@code {"command": "pause"}} (PROTOCOL.md: every behaviour of
 * sections 4 to 6 stays exactly as shown, and 4.8 shows the frame), so a client can only acknowledge by the wire
 * name; a client that acknowledges a command twice sent acknowledges both.
 *
 * <p>Threading: any thread; never blocks. The observer's methods run on the connections' event loops and only
 * update a map and start asynchronous store writes. What waits for acknowledgements here is bounded: at most
 * {@value #MAX_AWAITING_PER_CLIENT} per client connected to this node.
 */
public final class CommandReceipts implements CommandObserver {
    private static final Logger log = LoggerFactory.getLogger(CommandReceipts.class);
    /** The most delivered commands one client may leave unacknowledged here; older ones simply time out. */
    static final int MAX_AWAITING_PER_CLIENT = 16;
    /** How often {@link #await} reads the receipt again. */
    static final long POLL_MILLIS = 50;

    private final ClientRegistry registry;
    private final ReceiptStore store;
    private final AuditTrail audit;
    private final String nodeId;
    private final long ackTimeoutMillis;
    private final LongSupplier clock;
    private final RateLimitedLog warnings = new RateLimitedLog(log, Duration.ofSeconds(10));
    /** Client id to the commands delivered to it here, oldest first, awaiting its acknowledgement. */
    private final Map<String, ArrayDeque<Awaiting>> awaiting = new ConcurrentHashMap<>();

    /** A command delivered here, awaiting its acknowledgement. */
    private record Awaiting(String commandId, String command, long deliveredMillis) {}

    /**
     * What became of a command as {@link #send} answers it.
     *
     * @param receipt the receipt as this node knows it then
     * @param result the registry's answer
     */
    public record Sent(CommandReceipt receipt, CommandResult result) {}

    /**
     * @param registry how commands reach the client (in a fleet, routed to the node that holds it)
     * @param store where receipts are kept
     * @param audit where each command is recorded
     * @param nodeId this node's id
     * @param ackTimeout how long a delivered command may wait for its acknowledgement
     * @param clock wall-clock time in epoch milliseconds
     */
    public CommandReceipts(
            ClientRegistry registry,
            ReceiptStore store,
            AuditTrail audit,
            String nodeId,
            Duration ackTimeout,
            LongSupplier clock) {
        this.registry = registry;
        this.store = store;
        this.audit = audit;
        this.nodeId = nodeId;
        this.ackTimeoutMillis = ackTimeout.toMillis();
        this.clock = clock;
    }

    /** Sends {@code command} to {@code clientId} for {@code actor}, with a receipt and an audit entry. */
    public CompletionStage<Sent> send(String clientId, ClientCommand command, String actor) {
        String commandId = UUID.randomUUID().toString();
        CommandReceipt receipt = CommandReceipt.sent(
                commandId, clientId, command.wireName(), holder(clientId), actor, clock.getAsLong());
        return store.create(receipt)
                .exceptionally(e -> {
                    // The command still goes out: an operator is not kept from pausing a client by the receipts.
                    warnings.warn("command receipt {} not kept: {}", commandId, e.toString());
                    return null;
                })
                .thenCompose(ignored -> registry.command(clientId, command, commandId))
                .exceptionally(e -> CommandResult.SEND_FAILED)
                .thenCompose(result -> settle(receipt, result))
                .thenApply(sent -> {
                    CommandReceipt r = sent.receipt();
                    audit.record(actor, command.wireName(), clientId, commandId, outcome(r));
                    return sent;
                });
    }

    /** A receipt's state as the audit trail records it: {@code delivered}, {@code failed: not_connected}. */
    static String outcome(CommandReceipt r) {
        FailureReason reason = r.reason();
        return reason == null ? r.state().wireName() : r.state().wireName() + ": " + reason.wireName();
    }

    /** The receipt after the registry answered {@code result}: failures recorded here, a delivery by the holder. */
    private CompletionStage<Sent> settle(CommandReceipt receipt, CommandResult result) {
        long now = clock.getAsLong();
        FailureReason reason = switch (result) {
            case SENT -> null;
            case UNKNOWN_CLIENT, NOT_CONNECTED -> FailureReason.NOT_CONNECTED;
            case SEND_FAILED -> FailureReason.CONNECTION_CLOSED;
            case NO_ANSWER -> FailureReason.NODE_LOST;
        };
        if (reason == null) {
            CommandReceipt delivered = receipt.moveTo(
                    new CommandReceipt.Transition(ReceiptState.DELIVERED, null, holder(receipt.clientId()), now));
            return CompletableFuture.completedFuture(new Sent(delivered, result));
        }
        CommandReceipt.Transition t = new CommandReceipt.Transition(ReceiptState.FAILED, reason, null, now);
        return store.transition(receipt.commandId(), t).handle((stored, e) -> {
            if (e != null) {
                warnings.warn("command receipt {} not updated: {}", receipt.commandId(), e.toString());
            }
            return new Sent(stored != null ? stored : receipt.moveTo(t), result);
        });
    }

    /** The node that holds {@code clientId} as this node's view has it, or {@code null}. */
    private @Nullable String holder(String clientId) {
        ClientRecord record = registry.find(clientId);
        return record == null ? null : record.field(ServerFields.GATEWAY_NODE);
    }

    /**
     * The receipt {@code commandId} as it stands now (a delivery unacknowledged past the timeout reads, and is
     * written back, as {@code failed}/{@code timed_out}), or {@code null} when there is none.
     */
    public CompletionStage<@Nullable CommandReceipt> get(String commandId) {
        return store.get(commandId).thenApply(r -> {
            if (r == null) {
                return null;
            }
            CommandReceipt now = r.asOf(clock.getAsLong(), ackTimeoutMillis);
            if (now != r) {
                move(commandId, CommandReceipt.timedOut(now.updatedMillis()));
            }
            return now;
        });
    }

    /**
     * The receipt {@code commandId} once it is final ({@code acknowledged} or {@code failed}) or {@code wait} has
     * passed, whichever comes first; read again every {@value #POLL_MILLIS} ms (the move may happen on another
     * node), the reads scheduled on {@code scheduler}.
     */
    public CompletionStage<@Nullable CommandReceipt> await(
            String commandId, Duration wait, ScheduledExecutorService scheduler) {
        CompletableFuture<@Nullable CommandReceipt> done = new CompletableFuture<>();
        poll(commandId, System.nanoTime() + wait.toNanos(), scheduler, done);
        return done;
    }

    private void poll(
            String commandId,
            long deadlineNanos,
            ScheduledExecutorService scheduler,
            CompletableFuture<@Nullable CommandReceipt> done) {
        get(commandId).whenComplete((r, e) -> {
            long left = deadlineNanos - System.nanoTime();
            if (e != null) {
                done.completeExceptionally(e);
            } else if (r == null || r.state().isFinal() || left <= 0) {
                done.complete(r);
            } else {
                long delay = Math.min(TimeUnit.MILLISECONDS.toNanos(POLL_MILLIS), left);
                scheduler.schedule(() -> poll(commandId, deadlineNanos, scheduler, done), delay, TimeUnit.NANOSECONDS);
            }
        });
    }

    // ---- on the node that holds the client (its connection's event loop)

    @Override
    public void delivered(String commandId, String clientId, ClientCommand command) {
        long now = clock.getAsLong();
        move(commandId, new CommandReceipt.Transition(ReceiptState.DELIVERED, null, nodeId, now));
        awaiting.compute(clientId, (id, q) -> {
            ArrayDeque<Awaiting> queue = q != null ? q : new ArrayDeque<>(4);
            if (queue.size() == MAX_AWAITING_PER_CLIENT) {
                queue.poll();
            }
            queue.add(new Awaiting(commandId, command.wireName(), now));
            return queue;
        });
    }

    @Override
    public void acknowledged(String clientId, String value) {
        if (!awaiting.containsKey(clientId)) {
            return; // the common case: a status repeating an old acknowledgement, with nothing pending
        }
        long now = clock.getAsLong();
        List<Awaiting> acknowledged = new ArrayList<>(1);
        List<Awaiting> late = new ArrayList<>(0);
        awaiting.computeIfPresent(clientId, (id, queue) -> {
            for (Iterator<Awaiting> it = queue.iterator(); it.hasNext(); ) {
                Awaiting a = it.next();
                if (now - a.deliveredMillis() >= ackTimeoutMillis) {
                    late.add(a);
                    it.remove();
                } else if (value.equals(a.command()) || value.equals(a.commandId())) {
                    acknowledged.add(a);
                    it.remove();
                }
            }
            return queue.isEmpty() ? null : queue;
        });
        for (Awaiting a : acknowledged) {
            move(a.commandId(), new CommandReceipt.Transition(ReceiptState.ACKNOWLEDGED, null, null, now));
        }
        for (Awaiting a : late) {
            move(a.commandId(), CommandReceipt.timedOut(a.deliveredMillis() + ackTimeoutMillis));
        }
    }

    @Override
    public void released(String clientId) {
        ArrayDeque<Awaiting> queue = awaiting.remove(clientId);
        if (queue == null) {
            return;
        }
        long now = clock.getAsLong();
        for (Awaiting a : queue) {
            move(
                    a.commandId(),
                    now - a.deliveredMillis() >= ackTimeoutMillis
                            ? CommandReceipt.timedOut(a.deliveredMillis() + ackTimeoutMillis)
                            : new CommandReceipt.Transition(
                                    ReceiptState.FAILED, FailureReason.CONNECTION_CLOSED, null, now));
        }
    }

    /** How many clients have commands awaiting acknowledgement here (tests). */
    int awaitingClients() {
        return awaiting.size();
    }

    private void move(String commandId, CommandReceipt.Transition t) {
        store.transition(commandId, t).whenComplete((r, e) -> {
            if (e != null) {
                warnings.warn(
                        "command receipt {} not moved to {}: {}",
                        commandId,
                        t.state().wireName(),
                        e.toString());
            }
        });
    }
}
