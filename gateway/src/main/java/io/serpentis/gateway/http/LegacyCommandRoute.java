package io.serpentis.gateway.http;

import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.serpentis.gateway.command.CommandReceipts;
import io.serpentis.gateway.registry.ClientCommand;
import io.serpentis.gateway.registry.ClientRegistry;
import io.serpentis.gateway.registry.CommandResult;
import java.util.concurrent.CompletionStage;

/**
 * {@code POST /clients/{client_id}/pause|resume|disconnect}, with the original's replies. Answers as soon as the
 * command frame is written (PROTOCOL.md section 7, row 12); a disconnect's close follows after the grace. In a fleet
 * the command reaches the client on whichever node holds it, with the same replies, and {@code 503} when that node
 * does not answer in time. Each command gets a receipt ({@code GET /api/v1/commands/{command_id}} finds it, though
 * these answers, kept as the original's, do not name it).
 */
public final class LegacyCommandRoute implements HttpRoute {
    private final CommandReceipts receipts;
    private final ClientRegistry registry;
    private final ClientCommand command;
    private final AccessPolicy access;
    private final HttpResponses responses;

    public LegacyCommandRoute(
            CommandReceipts receipts,
            ClientRegistry registry,
            ClientCommand command,
            AccessPolicy access,
            HttpResponses responses) {
        this.receipts = receipts;
        this.registry = registry;
        this.command = command;
        this.access = access;
        this.responses = responses;
    }

    @Override
    public CompletionStage<FullHttpResponse> handle(HttpExchange exchange) {
        String id = exchange.pathParams().get(0);
        // A receipt and an audit entry like any command's; the answer stays the original's, byte for byte.
        return receipts.send(id, command, access.actor(exchange.remote()))
                .thenApply(sent -> reply(exchange, id, sent.result()));
    }

    private FullHttpResponse reply(HttpExchange exchange, String id, CommandResult result) {
        var alloc = exchange.alloc();
        if (command == ClientCommand.DISCONNECT) {
            return switch (result) {
                case SENT -> responses.message(alloc, "Client " + id + " disconnected successfully by server.");
                case NOT_CONNECTED ->
                    responses.detail(alloc, HttpResponseStatus.NOT_FOUND, "Client " + id + " already disconnected.");
                case UNKNOWN_CLIENT ->
                    responses.detail(
                            alloc,
                            HttpResponseStatus.NOT_FOUND,
                            "Client " + id + " not found or not actively connected.");
                case SEND_FAILED ->
                    responses.detail(
                            alloc,
                            HttpResponseStatus.INTERNAL_SERVER_ERROR,
                            "Failed to send disconnect command to client " + id + " due to connection state.");
                case NO_ANSWER -> CommandApiRoute.noAnswer(responses, alloc, registry, id);
            };
        }
        String verb = command == ClientCommand.PAUSE ? "Pause" : "Resume";
        return switch (result) {
            case SENT -> responses.message(alloc, verb + " command sent to client " + id + ".");
            case NOT_CONNECTED, UNKNOWN_CLIENT ->
                responses.detail(alloc, HttpResponseStatus.NOT_FOUND, "Client " + id + " not found or not connected.");
            case SEND_FAILED ->
                responses.detail(
                        alloc,
                        HttpResponseStatus.INTERNAL_SERVER_ERROR,
                        "Failed to send " + command.wireName() + " command to client " + id
                                + " due to connection state.");
            case NO_ANSWER -> CommandApiRoute.noAnswer(responses, alloc, registry, id);
        };
    }
}
