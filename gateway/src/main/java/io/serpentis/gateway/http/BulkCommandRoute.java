package io.serpentis.gateway.http;

import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.serpentis.gateway.command.BulkCommands;
import io.serpentis.gateway.registry.ClientCommand;
import io.serpentis.gateway.registry.ClientFilter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import tools.jackson.databind.JsonNode;

/**
 * {@code POST /api/v1/commands} with {@code {"command": "pause", "where": ["client_state==error"], "limit": 100,
 * "dry_run": true}}: one command to every connected client of the fleet that the {@code where} expressions select
 * (those of {@code GET /api/v1/clients}; none: every connected client), at most {@code limit} (required, 1 to
 * {@value BulkCommands#MAX_LIMIT}), the first by id ({@link BulkCommands}). Answers, once every command has its
 * result, {@code {"matched", "sent", "delivered", "dry_run", "command_ids"}}; a dry run sends nothing and answers
 * {@code client_ids}, the first targeted clients, instead. The body is read as the single command's is (JSON, each
 * key once) and may hold no other key: a misspelt {@code dry_run} must not send real commands. Scanning the fleet is
 * CPU work: the route table runs it offloaded.
 */
public final class BulkCommandRoute implements HttpRoute {
    private static final Set<String> KEYS = Set.of("command", "where", "limit", "dry_run");
    private static final String EXAMPLE =
            "{\"command\": \"pause\", \"where\": [\"client_state==error\"], \"limit\": 100, \"dry_run\": true}";

    private final BulkCommands bulk;
    private final AccessPolicy access;
    private final HttpResponses responses;
    private final JsonBodies bodies;

    public BulkCommandRoute(BulkCommands bulk, AccessPolicy access, HttpResponses responses) {
        this.bulk = bulk;
        this.access = access;
        this.responses = responses;
        this.bodies = new JsonBodies(responses);
    }

    /** A bulk command as the body asks for it. */
    private record Request(ClientCommand command, ClientFilter where, String description, int limit, boolean dryRun) {}

    @Override
    public CompletionStage<FullHttpResponse> handle(HttpExchange exchange) {
        var alloc = exchange.alloc();
        Request request;
        try {
            request = parse(bodies.read(exchange, EXAMPLE));
        } catch (JsonBodies.RefusedException e) {
            return CompletableFuture.completedFuture(
                    responses.detail(alloc, e.status(), String.valueOf(e.getMessage())));
        } catch (IllegalArgumentException e) { // ClientFilter.InvalidExpressionException included
            return CompletableFuture.completedFuture(responses.badQuery(alloc, e));
        }
        return bulk.run(
                        request.command(),
                        request.where(),
                        request.description(),
                        request.limit(),
                        request.dryRun(),
                        access.actor(exchange.remote()))
                .thenApply(r -> {
                    Map<String, Object> body = HttpResponses.object(
                            "matched",
                            r.matched(),
                            "sent",
                            r.sent(),
                            "delivered",
                            r.delivered(),
                            "dry_run",
                            r.dryRun());
                    if (r.dryRun()) {
                        body.put("client_ids", r.preview());
                    } else {
                        body.put("command_ids", r.commandIds());
                    }
                    return responses.json(alloc, HttpResponseStatus.OK, body);
                });
    }

    /** The request, or {@link IllegalArgumentException} saying what is wrong with the body. */
    private static Request parse(JsonNode body) {
        if (!body.isObject()) {
            throw new IllegalArgumentException("The body must be a JSON object, e.g. " + EXAMPLE);
        }
        for (String key : body.propertyNames()) {
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException("Unknown key '" + (key.length() > 40 ? key.substring(0, 40) : key)
                        + "'; the body takes command, where, limit and dry_run (nothing was sent)");
            }
        }
        JsonNode name = body.get("command");
        ClientCommand command = name != null && name.isString() ? ClientCommand.fromWireName(name.asString()) : null;
        if (command == null) {
            throw new IllegalArgumentException("\"command\" must be " + CommandApiRoute.COMMANDS);
        }
        JsonNode whereNode = body.get("where");
        List<String> expressions = new ArrayList<>();
        if (whereNode != null && !whereNode.isNull()) {
            if (!whereNode.isArray()) {
                throw new IllegalArgumentException(
                        "\"where\" must be an array of expressions, e.g. [\"client_state==error\"]");
            }
            for (JsonNode e : whereNode) {
                if (!e.isString()) {
                    throw new IllegalArgumentException(
                            "\"where\" must be an array of expressions, e.g. [\"client_state==error\"]");
                }
                expressions.add(e.asString());
            }
        }
        ClientFilter where = ClientFilter.parse(expressions);
        JsonNode limit = body.get("limit");
        if (limit == null
                || !limit.isIntegralNumber()
                || !limit.canConvertToInt()
                || limit.asInt() < 1
                || limit.asInt() > BulkCommands.MAX_LIMIT) {
            throw new IllegalArgumentException("\"limit\" is required: an integer from 1 to " + BulkCommands.MAX_LIMIT);
        }
        JsonNode dryRun = body.get("dry_run");
        if (dryRun != null && !dryRun.isBoolean()) {
            throw new IllegalArgumentException("\"dry_run\" must be true or false");
        }
        String description =
                expressions.isEmpty() ? "every connected client" : "where " + String.join(", ", expressions);
        return new Request(command, where, description, limit.asInt(), dryRun != null && dryRun.asBoolean());
    }
}
