package io.serpentis.gateway.http;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.serpentis.gateway.command.CommandReceipt;
import io.serpentis.gateway.command.CommandReceipts;
import io.serpentis.gateway.config.DurationConverter;
import io.serpentis.gateway.registry.ClientCommand;
import io.serpentis.gateway.registry.ClientRecord;
import io.serpentis.gateway.registry.ClientRegistry;
import io.serpentis.gateway.registry.ServerFields;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * {@code POST /api/v1/clients/{client_id}/commands[?wait=2s]} with {@code {"command": "pause"|"resume"|"disconnect"}}:
 * sends the command with a receipt ({@link CommandReceipts}). Without {@code wait} it answers 202 once the frame is
 * written, with the command id, {@code "status": "sent"} and the receipt's fields (the client acknowledges, if at
 * all, with an ordinary status message; {@code GET /api/v1/commands/{command_id}} follows it), and a command that
 * did not go out gets its {@code detail} (404, 409, 503) with the receipt's fields too. With {@code wait} (at most
 * {@value #MAX_WAIT_SECONDS} s) it answers with the receipt once it is final (200: acknowledged or failed) or when
 * the wait is over (202: still delivered). The body must be {@code application/json}, which also keeps plain
 * cross-site form posts out, and may name each key once: readers disagree about which copy of a repeated key counts,
 * so such a body is refused (400), as a message on {@code /ws} with a repeated key is.
 */
public final class CommandApiRoute implements HttpRoute {
    static final String COMMANDS = "pause, resume or disconnect";
    /** The longest {@code wait}. */
    static final int MAX_WAIT_SECONDS = 30;

    private final CommandReceipts receipts;
    private final ClientRegistry registry;
    private final AccessPolicy access;
    private final HttpResponses responses;
    private final JsonBodies bodies;

    public CommandApiRoute(
            CommandReceipts receipts, ClientRegistry registry, AccessPolicy access, HttpResponses responses) {
        this.receipts = receipts;
        this.registry = registry;
        this.access = access;
        this.responses = responses;
        this.bodies = new JsonBodies(responses);
    }

    @Override
    public CompletionStage<FullHttpResponse> handle(HttpExchange exchange) {
        String id = exchange.pathParams().get(0);
        var alloc = exchange.alloc();
        Duration wait;
        try {
            wait = waitParam(exchange.queryParam("wait"));
        } catch (IllegalArgumentException e) {
            return done(responses.badQuery(alloc, e));
        }
        JsonNode body;
        try {
            body = bodies.read(exchange, "{\"command\": \"pause\"}");
        } catch (JsonBodies.RefusedException e) {
            return done(responses.detail(alloc, e.status(), String.valueOf(e.getMessage())));
        }
        JsonNode name = body.get("command");
        ClientCommand command = name != null && name.isString() ? ClientCommand.fromWireName(name.asString()) : null;
        if (command == null) {
            return done(responses.detail(
                    alloc,
                    HttpResponseStatus.BAD_REQUEST,
                    "The body must be a JSON object with \"command\": " + COMMANDS));
        }
        String actor = access.actor(exchange.remote());
        CompletionStage<CommandReceipts.Sent> sent = receipts.send(id, command, actor);
        if (wait == null) {
            return sent.thenApply(s -> reply(exchange, id, s));
        }
        return sent.thenCompose(s -> s.receipt().state().isFinal()
                        ? CompletableFuture.completedFuture(s.receipt())
                        : receipts.await(s.receipt().commandId(), wait, exchange.executor())
                                .thenApply(r -> r != null ? r : s.receipt()))
                .thenApply(r -> responses.json(
                        alloc, r.state().isFinal() ? HttpResponseStatus.OK : HttpResponseStatus.ACCEPTED, r.toJson()));
    }

    /** {@code wait} as a duration from 0 to {@value #MAX_WAIT_SECONDS} s, or {@code null} without one. */
    static @Nullable Duration waitParam(@Nullable String text) {
        if (text == null) {
            return null;
        }
        Duration d;
        try {
            d = DurationConverter.parse(text);
        } catch (RuntimeException e) {
            d = null;
        }
        if (d == null || d.isNegative() || d.compareTo(Duration.ofSeconds(MAX_WAIT_SECONDS)) > 0) {
            throw new IllegalArgumentException(
                    "wait must be a duration from 0s to " + MAX_WAIT_SECONDS + "s, such as 2s or 500ms");
        }
        return d;
    }

    private FullHttpResponse reply(HttpExchange exchange, String id, CommandReceipts.Sent sent) {
        var alloc = exchange.alloc();
        CommandReceipt receipt = sent.receipt();
        return switch (sent.result()) {
            case SENT -> {
                Map<String, Object> body = HttpResponses.object(
                        "command_id",
                        receipt.commandId(),
                        "command",
                        receipt.command(),
                        "client_id",
                        id,
                        "status",
                        "sent");
                receipt.toJson().forEach(body::putIfAbsent);
                yield responses.json(alloc, HttpResponseStatus.ACCEPTED, body);
            }
            case UNKNOWN_CLIENT -> failed(alloc, HttpResponseStatus.NOT_FOUND, "Client " + id + " not found.", receipt);
            case NOT_CONNECTED ->
                failed(alloc, HttpResponseStatus.CONFLICT, "Client " + id + " is not connected.", receipt);
            case SEND_FAILED ->
                failed(
                        alloc,
                        HttpResponseStatus.CONFLICT,
                        "Client " + id + " disconnected while the command was being sent.",
                        receipt);
            case NO_ANSWER ->
                failed(alloc, HttpResponseStatus.SERVICE_UNAVAILABLE, noAnswerDetail(registry, id), receipt);
        };
    }

    /** {@code {"detail": ..., <the receipt's fields>}}. */
    private FullHttpResponse failed(
            ByteBufAllocator alloc, HttpResponseStatus status, String detail, CommandReceipt receipt) {
        Map<String, Object> body = HttpResponses.object("detail", detail);
        body.putAll(receipt.toJson());
        return responses.json(alloc, status, body);
    }

    /**
     * {@code 503 {"detail": "Node <node> did not answer; retry"}}: in a fleet, the node that holds the client did not
     * answer within the deadline, so whether the command reached the client is unknown.
     */
    static FullHttpResponse noAnswer(
            HttpResponses responses, ByteBufAllocator alloc, ClientRegistry registry, String id) {
        return responses.detail(alloc, HttpResponseStatus.SERVICE_UNAVAILABLE, noAnswerDetail(registry, id));
    }

    private static String noAnswerDetail(ClientRegistry registry, String id) {
        ClientRecord record = registry.find(id);
        String node = record == null ? null : record.snapshot().get(ServerFields.GATEWAY_NODE);
        return (node == null ? "The node holding client " + id : "Node " + node) + " did not answer; retry";
    }

    private static CompletionStage<FullHttpResponse> done(FullHttpResponse r) {
        return CompletableFuture.completedFuture(r);
    }
}
