package io.serpentis.gateway.fleet;

import io.serpentis.gateway.metrics.FleetViewMetrics;
import io.serpentis.gateway.registry.ClientCommand;
import io.serpentis.gateway.registry.ClientRecord;
import io.serpentis.gateway.registry.CommandResult;
import io.serpentis.gateway.registry.LocalClientRegistry;
import io.serpentis.gateway.store.FleetKeys;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Commands for clients held by another node (issue 13 point 3), over the nodes' inboxes
 * ({@code serpentis:{node:<id>}:inbox}): the node that got the operator's request publishes
 *
 * <pre>{"type": "command", "id": "gw-b-17", "reply_to": "gw-b", "client": "worker-7", "command": "pause",
 *  "epoch": 1796..., "deadline": 1796..., "command_id": "0b5c..."}</pre>
 *
 * <p>on the owner's inbox; the owner delivers it to its connection if it still holds the client, exactly as for a
 * local request (the frame written, {@code client_state} recorded), and answers on the requester's inbox
 *
 * <pre>{"type": "reply", "id": "gw-b-17", "result": "SENT"}</pre>
 *
 * <p>The requester answers its HTTP request with the result as if the client were its own. No answer within
 * {@link #TIMEOUT} (the owner is paused, cut off, or gone; or nobody listens on its inbox) is
 * {@link CommandResult#NO_ANSWER}. An owner that gets a request after its {@code deadline} (the requester's wall
 * clock plus the timeout: it was paused, say) drops it rather than surprise an operator who was told to retry.
 *
 * <p>Threading: {@link #send} on any thread, never blocks; {@link #request} and {@link #reply} on the bus thread
 * (they only hand over: delivery hops to the connection's event loop, a reply completes a future).
 */
final class FleetCommands implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FleetCommands.class);

    /** How long the requester waits for the owner's answer. */
    static final Duration TIMEOUT = Duration.ofSeconds(2);
    /** The inbox type of a request. */
    static final String REQUEST = "command";
    /** The inbox type of an answer. */
    static final String REPLY = "reply";

    private final LocalClientRegistry registry;
    private final FleetBus bus;
    private final JsonMapper json;
    private final FleetViewMetrics metrics;
    private final String nodeId;
    private final Duration timeout;
    private final AtomicLong ids = new AtomicLong();
    private final Map<String, CompletableFuture<CommandResult>> pending = new ConcurrentHashMap<>();

    FleetCommands(
            LocalClientRegistry registry,
            FleetBus bus,
            JsonMapper json,
            FleetViewMetrics metrics,
            String nodeId,
            Duration timeout) {
        this.registry = registry;
        this.bus = bus;
        this.json = json;
        this.metrics = metrics;
        this.nodeId = nodeId;
        this.timeout = timeout;
    }

    /**
     * Asks node {@code owner} to deliver {@code command} to {@code clientId}, which it holds with {@code epoch}
     * as this node's view has it; the owner records the delivery of {@code commandId} (a receipt), if given.
     */
    CompletableFuture<CommandResult> send(
            String owner, String clientId, ClientCommand command, long epoch, @Nullable String commandId) {
        String id = nodeId + "-" + ids.incrementAndGet();
        long started = System.nanoTime();
        CompletableFuture<CommandResult> result = new CompletableFuture<>();
        pending.put(id, result);
        ObjectNode request = json.createObjectNode()
                .put("type", REQUEST)
                .put("id", id)
                .put("reply_to", nodeId)
                .put("client", clientId)
                .put("command", command.wireName())
                .put("epoch", epoch)
                .put("deadline", System.currentTimeMillis() + timeout.toMillis());
        if (commandId != null) {
            request.put("command_id", commandId);
        }
        bus.publish(FleetKeys.inbox(owner), request.toString()).whenComplete((receivers, e) -> {
            if (e != null || receivers == null || receivers == 0) {
                // Nobody listens on its inbox (it stopped, or Redis cannot reach it): no answer will come.
                log.debug(
                        "command {} for {} reached no subscriber of {}: {}",
                        id,
                        clientId,
                        owner,
                        e != null ? e.toString() : "no subscriber");
                result.complete(CommandResult.NO_ANSWER);
            }
        });
        result.completeOnTimeout(CommandResult.NO_ANSWER, timeout.toMillis(), TimeUnit.MILLISECONDS);
        return result.whenComplete((r, e) -> {
            pending.remove(id);
            metrics.command(r == null ? CommandResult.NO_ANSWER : r, System.nanoTime() - started);
        });
    }

    /** An owner's answer to one of this node's requests. Bus thread. */
    void reply(JsonNode m) {
        CompletableFuture<CommandResult> f = pending.get(m.path("id").asString(""));
        if (f == null) {
            return; // answered too late: the request was already answered 503
        }
        CommandResult result;
        try {
            result = CommandResult.valueOf(m.path("result").asString(""));
        } catch (IllegalArgumentException e) {
            result = CommandResult.SEND_FAILED;
        }
        f.complete(result);
    }

    /** Another node asks this one to deliver a command to a client it holds. Bus thread; never blocks. */
    void request(JsonNode m) {
        String id = m.path("id").asString("");
        String replyTo = m.path("reply_to").asString("");
        String clientId = m.path("client").asString("");
        ClientCommand command = ClientCommand.fromWireName(m.path("command").asString(""));
        if (id.isEmpty() || replyTo.isEmpty() || clientId.isEmpty() || command == null) {
            return;
        }
        long deadline = m.path("deadline").asLong(0);
        if (deadline > 0 && System.currentTimeMillis() > deadline) {
            // The requester answered 503 already (this node was paused, or its inbox slow): a late pause or
            // disconnect would surprise the operator who was told to retry.
            log.info("command {} for client {} arrived after its deadline: not delivered", id, clientId);
            metrics.served(CommandResult.NO_ANSWER);
            return;
        }
        ClientRecord record = registry.find(clientId);
        CompletionStage<CommandResult> result;
        if (record == null) {
            result = CompletableFuture.completedFuture(CommandResult.UNKNOWN_CLIENT);
        } else if (record.isRemote() || record.owner() == null) {
            result = CompletableFuture.completedFuture(CommandResult.NOT_CONNECTED);
        } else {
            String commandId = m.path("command_id").asString("");
            result = registry.command(clientId, command, commandId.isEmpty() ? null : commandId);
        }
        result.whenComplete((r, e) -> {
            CommandResult outcome = e != null || r == null ? CommandResult.SEND_FAILED : r;
            metrics.served(outcome);
            ObjectNode reply =
                    json.createObjectNode().put("type", REPLY).put("id", id).put("result", outcome.name());
            bus.publish(FleetKeys.inbox(replyTo), reply.toString()).exceptionally(x -> {
                log.debug("reply {} to {} not sent: {}", id, replyTo, x.toString());
                return 0L;
            });
        });
    }

    /** Answers what still waits with {@link CommandResult#NO_ANSWER}. */
    @Override
    public void close() {
        pending.values().forEach(f -> f.complete(CommandResult.NO_ANSWER));
    }
}
