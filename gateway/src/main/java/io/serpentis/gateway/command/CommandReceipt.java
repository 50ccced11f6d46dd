package io.serpentis.gateway.command;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What became of one operator command: immutable; {@link #moveTo} gives the next version.
 *
 * @param commandId the id the API answered with
 * @param clientId the target
 * @param command the command's wire name ({@code pause}, {@code resume}, {@code disconnect})
 * @param state where it stands
 * @param reason why it failed ({@link ReceiptState#FAILED} only)
 * @param node the node that holds (or last held) the client, when known
 * @param requestedBy who asked: the actor of the audit trail
 * @param createdMillis when it was accepted (epoch ms)
 * @param updatedMillis when its state last changed (epoch ms)
 */
public record CommandReceipt(
        String commandId,
        String clientId,
        String command,
        ReceiptState state,
        @Nullable FailureReason reason,
        @Nullable String node,
        String requestedBy,
        long createdMillis,
        long updatedMillis) {

    private static final DateTimeFormatter ISO_MILLIS =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    /** A new receipt, {@link ReceiptState#SENT} at {@code nowMillis}. */
    public static CommandReceipt sent(
            String commandId,
            String clientId,
            String command,
            @Nullable String node,
            String requestedBy,
            long nowMillis) {
        return new CommandReceipt(
                commandId, clientId, command, ReceiptState.SENT, null, node, requestedBy, nowMillis, nowMillis);
    }

    /**
     * This receipt moved by {@code t}, or this receipt itself when its state may not move to {@code t}'s (a receipt
     * only moves forward).
     */
    public CommandReceipt moveTo(Transition t) {
        if (!t.allowsFrom(state)) {
            return this;
        }
        return new CommandReceipt(
                commandId,
                clientId,
                command,
                t.state(),
                t.reason(),
                t.node() != null ? t.node() : node,
                requestedBy,
                createdMillis,
                t.atMillis());
    }

    /**
     * This receipt as a reader sees it at {@code nowMillis}: delivered and unacknowledged for longer than
     * {@code ackTimeoutMillis}, it failed ({@link FailureReason#TIMED_OUT}, dated when the time ran out).
     */
    public CommandReceipt asOf(long nowMillis, long ackTimeoutMillis) {
        if (state == ReceiptState.DELIVERED && nowMillis - updatedMillis >= ackTimeoutMillis) {
            return moveTo(timedOut(updatedMillis + ackTimeoutMillis));
        }
        return this;
    }

    /** The move to {@link FailureReason#TIMED_OUT} at {@code atMillis}. */
    static Transition timedOut(long atMillis) {
        return new Transition(ReceiptState.FAILED, FailureReason.TIMED_OUT, null, atMillis);
    }

    /** The receipt as the API shows it, keys in a fixed order. */
    public Map<String, Object> toJson() {
        Map<String, @Nullable Object> m = new LinkedHashMap<>();
        m.put("command_id", commandId);
        m.put("client_id", clientId);
        m.put("command", command);
        m.put("state", state.wireName());
        m.put("reason", reason == null ? null : reason.wireName());
        m.put("node", node);
        m.put("requested_by", requestedBy);
        m.put("created", formatMillis(createdMillis));
        m.put("updated", formatMillis(updatedMillis));
        @SuppressWarnings("NullAway") // JSON nulls are values here
        Map<String, Object> json = m;
        return json;
    }

    /** The receipt as a Redis hash keeps it: every field a string, absent ones left out. */
    Map<String, String> toHash() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("client_id", clientId);
        m.put("command", command);
        m.put("state", state.wireName());
        if (reason != null) {
            m.put("reason", reason.wireName());
        }
        if (node != null) {
            m.put("node", node);
        }
        m.put("requested_by", requestedBy);
        m.put("created", Long.toString(createdMillis));
        m.put("updated", Long.toString(updatedMillis));
        return m;
    }

    /** The receipt {@code commandId} from its hash, or {@code null} when the hash is empty or not one of ours. */
    static @Nullable CommandReceipt fromHash(String commandId, Map<String, String> hash) {
        ReceiptState state = ReceiptState.fromWireName(hash.get("state"));
        String clientId = hash.get("client_id");
        String command = hash.get("command");
        if (state == null || clientId == null || command == null) {
            return null;
        }
        try {
            return new CommandReceipt(
                    commandId,
                    clientId,
                    command,
                    state,
                    FailureReason.fromWireName(hash.get("reason")),
                    hash.get("node"),
                    hash.getOrDefault("requested_by", ""),
                    Long.parseLong(hash.getOrDefault("created", "0")),
                    Long.parseLong(hash.getOrDefault("updated", "0")));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** ISO-8601 UTC with milliseconds, such as {@code 2026-11-28T17:45:15.362Z}. */
    public static String formatMillis(long epochMillis) {
        return ISO_MILLIS.format(Instant.ofEpochMilli(epochMillis));
    }

    /**
     * A move of a receipt.
     *
     * @param state the state to move to
     * @param reason why, for {@link ReceiptState#FAILED}
     * @param node the node that holds the client, or {@code null} to keep the receipt's
     * @param atMillis when (epoch ms)
     */
    public record Transition(
            ReceiptState state,
            @Nullable FailureReason reason,
            @Nullable String node,
            long atMillis) {

        /**
         * Whether a receipt in state {@code from} may take this move: forward only ({@link ReceiptState#canMoveTo}),
         * and a failure learnt from the request's result ({@code not_connected}, {@code node_lost}) only while the
         * command is {@code sent}: a node that answered late may well have delivered it, and then its delivery
         * stands; {@code timed_out} only after a delivery.
         */
        public boolean allowsFrom(ReceiptState from) {
            if (!from.canMoveTo(state)) {
                return false;
            }
            if (state != ReceiptState.FAILED || reason == null) {
                return true;
            }
            return switch (reason) {
                case NOT_CONNECTED, NODE_LOST -> from == ReceiptState.SENT;
                case TIMED_OUT -> from == ReceiptState.DELIVERED;
                case CONNECTION_CLOSED -> true;
            };
        }
    }
}
