package io.serpentis.gateway.http;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.serpentis.gateway.logging.LogText;
import io.serpentis.gateway.registry.ClientCommand;
import io.serpentis.gateway.registry.ClientRecord;
import io.serpentis.gateway.registry.ClientRegistry;
import io.serpentis.gateway.registry.CommandResult;
import io.serpentis.gateway.registry.ServerFields;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectReader;

/**
 * {@code POST /api/v1/clients/{client_id}/commands} with {@code {"command": "pause"|"resume"|"disconnect"}}: sends
 * the command through {@link ClientRegistry#command} and answers 202 with a command id once the frame is written
 * (the client acknowledges, if at all, with an ordinary status message). The body must be
 * {@code application/json}, which also keeps plain cross-site form posts out, and may name each key once: readers
 * disagree about which copy of a repeated key counts, so such a body is refused (400), as a message on {@code /ws}
 * with a repeated key is.
 */
public final class CommandApiRoute implements HttpRoute {
    private static final Logger log = LoggerFactory.getLogger(CommandApiRoute.class);
    static final String COMMANDS = "pause, resume or disconnect";

    private final ClientRegistry registry;
    private final HttpResponses responses;
    /** The gateway's mapper, refusing a key repeated in any object of the body. */
    private final ObjectReader strict;

    public CommandApiRoute(ClientRegistry registry, HttpResponses responses) {
        this.registry = registry;
        this.responses = responses;
        this.strict = responses.mapper().reader().with(StreamReadFeature.STRICT_DUPLICATE_DETECTION);
    }

    @Override
    public CompletionStage<FullHttpResponse> handle(HttpExchange exchange) {
        String id = exchange.pathParams().get(0);
        var alloc = exchange.alloc();
        CharSequence mime = HttpUtil.getMimeType(exchange.request());
        if (mime == null || !"application/json".contentEquals(mime.toString().toLowerCase(Locale.ROOT))) {
            return done(responses.detail(
                    alloc,
                    HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE,
                    "Send the command as Content-Type: application/json, e.g. {\"command\": \"pause\"}"));
        }
        String text = exchange.request().content().toString(StandardCharsets.UTF_8);
        ClientCommand command;
        try {
            JsonNode body = strict.readTree(text);
            JsonNode name = body == null ? null : body.get("command");
            command = name != null && name.isString() ? ClientCommand.fromWireName(name.asString()) : null;
        } catch (JacksonException e) {
            return done(responses.detail(alloc, HttpResponseStatus.BAD_REQUEST, refusal(e, text)));
        }
        if (command == null) {
            return done(responses.detail(
                    alloc,
                    HttpResponseStatus.BAD_REQUEST,
                    "The body must be a JSON object with \"command\": " + COMMANDS));
        }
        ClientCommand c = command;
        return registry.command(id, c).thenApply(result -> reply(exchange, id, c, result));
    }

    private FullHttpResponse reply(HttpExchange exchange, String id, ClientCommand command, CommandResult result) {
        var alloc = exchange.alloc();
        return switch (result) {
            case SENT -> {
                String commandId = UUID.randomUUID().toString();
                log.info("command {} ({}) sent to client {}", commandId, command.wireName(), LogText.escape(id));
                yield responses.json(
                        alloc,
                        HttpResponseStatus.ACCEPTED,
                        HttpResponses.object(
                                "command_id",
                                commandId,
                                "command",
                                command.wireName(),
                                "client_id",
                                id,
                                "status",
                                "sent"));
            }
            case UNKNOWN_CLIENT ->
                responses.detail(alloc, HttpResponseStatus.NOT_FOUND, "Client " + id + " not found.");
            case NOT_CONNECTED ->
                responses.detail(alloc, HttpResponseStatus.CONFLICT, "Client " + id + " is not connected.");
            case SEND_FAILED ->
                responses.detail(
                        alloc,
                        HttpResponseStatus.CONFLICT,
                        "Client " + id + " disconnected while the command was being sent.");
            case NO_ANSWER -> noAnswer(responses, alloc, registry, id);
        };
    }

    /**
     * {@code 503 {"detail": "Node <node> did not answer; retry"}}: in a fleet, the node that holds the client did not
     * answer within the deadline, so whether the command reached the client is unknown.
     */
    static FullHttpResponse noAnswer(
            HttpResponses responses, ByteBufAllocator alloc, ClientRegistry registry, String id) {
        ClientRecord record = registry.find(id);
        String node = record == null ? null : record.snapshot().get(ServerFields.GATEWAY_NODE);
        return responses.detail(
                alloc,
                HttpResponseStatus.SERVICE_UNAVAILABLE,
                (node == null ? "The node holding client " + id : "Node " + node) + " did not answer; retry");
    }

    /**
     * Why the strict reader refused the body. Valid JSON to the lenient reader means the one rule the strict reader
     * adds was broken: a repeated key, whose name the strict parser was at when it stopped.
     */
    private String refusal(JacksonException strictError, String text) {
        try {
            responses.mapper().readTree(text);
        } catch (JacksonException e) {
            return "The body is not valid JSON";
        }
        String name = strictError.processor() instanceof JsonParser p
                ? p.streamReadContext().currentName()
                : null;
        return "Duplicate key " + quote(name) + "in the body; send each key once (nothing was sent)";
    }

    /** {@code 'name' } cut to 40 characters (the detail is JSON, so any character is written safely), or none. */
    private static String quote(@Nullable String name) {
        if (name == null) {
            return "";
        }
        return "'" + (name.length() > 40 ? name.substring(0, 40) + "..." : name) + "' ";
    }

    private static CompletionStage<FullHttpResponse> done(FullHttpResponse r) {
        return CompletableFuture.completedFuture(r);
    }
}
