package io.serpentis.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.serpentis.gateway.config.ClientAuthConfig;
import io.serpentis.gateway.config.ConnectionLimitsConfig;
import io.serpentis.gateway.config.HttpConfig;
import io.serpentis.gateway.config.LimitsConfig;
import io.serpentis.gateway.config.RegistryConfig;
import io.serpentis.gateway.config.WsConfig;
import io.serpentis.gateway.registry.DisconnectReason;
import io.serpentis.gateway.store.StoreStatus;
import io.serpentis.gateway.testing.GatewayServerExtension;
import io.serpentis.gateway.testing.WsTestClient;
import io.serpentis.gateway.ws.ProtocolError;
import io.serpentis.gateway.ws.WsCloseCodes;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.examples.Example;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.parameters.Parameter;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The served OpenAPI document: valid 3.1, describing exactly the routes the router serves, and every documented
 * operation answers with a status the document lists. Also checks that {@code info.description} names every
 * close code, error text, {@code status_detail} and default the code uses.
 */
class OpenApiIT {

    @RegisterExtension
    static final GatewayServerExtension gateway = new GatewayServerExtension();

    /**
     * Every route {@code GatewayServer.buildRouter} registers (templates as in {@code HttpRouter.Endpoint}), with
     * the methods it answers besides the implied HEAD. Update together with the router and the document.
     */
    private static final Map<String, Set<String>> ROUTES = Map.ofEntries(
            Map.entry("/", Set.of("get")),
            Map.entry("/static/status_display.html", Set.of("get")),
            Map.entry("/{asset}", Set.of("get")),
            Map.entry("/health", Set.of("get")),
            Map.entry("/statuses", Set.of("get")),
            Map.entry("/openapi.json", Set.of("get")),
            Map.entry("/metrics", Set.of("get")),
            Map.entry("/livez", Set.of("get")),
            Map.entry("/readyz", Set.of("get")),
            Map.entry("/docs", Set.of("get")),
            Map.entry("/redoc", Set.of("get")),
            Map.entry("/ws", Set.of("get")),
            Map.entry("/ws/dashboard", Set.of("get")),
            Map.entry("/api/v1/clients", Set.of("get")),
            Map.entry("/api/v1/clients/{client_id}", Set.of("get")),
            Map.entry("/api/v1/clients/{client_id}/commands", Set.of("post")),
            Map.entry("/api/v1/commands/{command_id}", Set.of("get")),
            Map.entry("/api/v1/audit", Set.of("get")),
            Map.entry("/api/v1/commands", Set.of("post")),
            Map.entry("/api/v1/fleet/summary", Set.of("get")),
            Map.entry("/api/v1/fleet/history", Set.of("get")),
            Map.entry("/api/v1/nodes", Set.of("get")),
            Map.entry("/clients/{client_id}/pause", Set.of("post")),
            Map.entry("/clients/{client_id}/resume", Set.of("post")),
            Map.entry("/clients/{client_id}/disconnect", Set.of("post")));

    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static SwaggerParseResult result;
    private static OpenAPI api;

    @BeforeAll
    static void fetchAndParse() throws Exception {
        HttpResponse<String> r =
                HTTP.send(request("/openapi.json").GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        result = new OpenAPIV3Parser().readContents(r.body(), null, options);
        api = result.getOpenAPI();
    }

    @Test
    void isAValidOpenApi31Document() {
        assertThat(result.getMessages()).isEmpty();
        assertThat(api).isNotNull();
        assertThat(api.getOpenapi()).startsWith("3.1.");
        assertThat(api.getInfo().getTitle()).isEqualTo("Collegium Serpentis gateway");
        assertThat(api.getInfo().getLicense().getName()).isEqualTo("MIT");
        assertThat(api.getServers())
                .singleElement()
                .satisfies(s -> assertThat(s.getUrl()).isEqualTo("/"));
        assertThat(api.getComponents().getSchemas())
                .containsKeys(
                        "Detail",
                        "Message",
                        "Health",
                        "Statuses",
                        "ClientRecord",
                        "RedisStatus",
                        "DataSource",
                        "StatusMessage",
                        "Ack",
                        "Error",
                        "Command");
    }

    @Test
    void documentsExactlyTheRoutesTheRouterServes() {
        Map<String, Set<String>> documented = new TreeMap<>();
        api.getPaths()
                .forEach((path, item) -> documented.put(
                        path,
                        item.readOperationsMap().keySet().stream()
                                .map(m -> m.name().toLowerCase(Locale.ROOT))
                                .collect(Collectors.toCollection(TreeSet::new))));

        assertThat(documented).isEqualTo(new TreeMap<>(ROUTES));
    }

    @Test
    void storeValuesMatchTheCode() {
        assertThat(enumOf("RedisStatus"))
                .containsExactlyInAnyOrderElementsOf(Arrays.stream(StoreStatus.values())
                        .map(StoreStatus::redisStatus)
                        .toList());
        assertThat(enumOf("DataSource"))
                .containsExactlyInAnyOrderElementsOf(Arrays.stream(StoreStatus.values())
                        .map(StoreStatus::dataSource)
                        .distinct()
                        .toList());
    }

    @Test
    void everyDocumentedOperationAnswersWithADocumentedStatus() throws Exception {
        SoftAssertions softly = new SoftAssertions();
        for (Map.Entry<String, PathItem> p : api.getPaths().entrySet()) {
            for (Map.Entry<PathItem.HttpMethod, Operation> o :
                    p.getValue().readOperationsMap().entrySet()) {
                String method = o.getKey().name();
                Operation op = o.getValue();
                for (String path : concretePaths(p.getKey(), op)) {
                    HttpResponse<String> r = call(method, path, null);
                    checkDocumented(softly, op, method + " " + path, r);
                    if (method.equals("GET")) {
                        HttpResponse<String> head = call("HEAD", path, null);
                        softly.assertThat(head.statusCode()).as("HEAD " + path).isEqualTo(r.statusCode());
                        softly.assertThat(head.body())
                                .as("HEAD " + path + " body")
                                .isEmpty();
                        if (path.equals("/metrics")) {
                            // a scrape is live (byte counters, JVM memory move between two requests): a length
                            softly.assertThat(head.headers().firstValue("content-length"))
                                    .as("HEAD /metrics")
                                    .hasValueSatisfying(
                                            v -> assertThat(Long.parseLong(v)).isPositive());
                        } else {
                            softly.assertThat(head.headers().firstValue("content-length"))
                                    .as("HEAD " + path + " Content-Length")
                                    .isEqualTo(r.headers().firstValue("content-length"));
                        }
                        String etag = r.headers().firstValue("etag").orElse(null);
                        if (etag != null) {
                            softly.assertThat(op.getResponses())
                                    .as(path + " documents its ETag")
                                    .containsKey("304");
                            HttpResponse<String> cached = call(method, path, etag);
                            softly.assertThat(cached.statusCode())
                                    .as(path + " If-None-Match")
                                    .isEqualTo(304);
                            checkDocumented(softly, op, method + " " + path + " (If-None-Match)", cached);
                        }
                    }
                }
            }
        }
        softly.assertAll();
    }

    @Test
    void commandsToARegisteredClientAnswerTheDocumented200() throws Exception {
        for (String command : List.of("pause", "resume", "disconnect")) {
            String id = "openapi it/" + command + " ü";
            Operation op = api.getPaths().get("/clients/{client_id}/" + command).getPost();
            try (WsTestClient client = WsTestClient.connect(gateway.wsUri())) {
                JsonNode ack = JSON.readTree(client.request(JSON.writeValueAsString(Map.of("client_id", id))));
                assertThat(ack.path("result").asString()).isEqualTo("message_processed");

                HttpResponse<String> r = call("POST", "/clients/" + encodePathSegment(id) + "/" + command, null);

                SoftAssertions softly = new SoftAssertions();
                checkDocumented(softly, op, "POST " + command + " for a registered client", r);
                softly.assertAll();
                assertThat(r.statusCode()).isEqualTo(200);
                String expected = switch (command) {
                    case "pause" -> "Pause command sent to client " + id + ".";
                    case "resume" -> "Resume command sent to client " + id + ".";
                    default -> "Client " + id + " disconnected successfully by server.";
                };
                assertThat(JSON.readTree(r.body()).path("message").asString()).isEqualTo(expected);
                assertThat(JSON.readTree(client.next()).path("command").asString())
                        .isEqualTo(command);
            }
        }
    }

    @Test
    void descriptionDocumentsTheWebSocketProtocol() throws Exception {
        String d = api.getInfo().getDescription();
        SoftAssertions softly = new SoftAssertions();

        for (WebSocketCloseStatus s : constants(WsCloseCodes.class, WebSocketCloseStatus.class)) {
            softly.assertThat(d).as("close code").contains("| " + s.code() + " |");
            if (s != WsCloseCodes.NORMAL) { // 1000 is sent with an empty reason or the disconnect reason
                softly.assertThat(d).as("close reason").contains("`" + s.reasonText() + "`");
            }
        }
        softly.assertThat(d).contains("`" + WsCloseCodes.SERVER_DISCONNECT_REASON + "`");

        for (ProtocolError e : constants(ProtocolError.class, ProtocolError.class)) {
            softly.assertThat(d).as("error text").contains("`" + e.message() + "`");
            if (e.disconnectDetail() != null) {
                softly.assertThat(d)
                        .as("status_detail")
                        .contains("`"
                                + DisconnectReason.protocolError(e.disconnectDetail())
                                        .detail() + "`");
            }
        }

        for (DisconnectReason r : constants(DisconnectReason.class, DisconnectReason.class)) {
            softly.assertThat(d).as("status_detail").contains("`" + r.detail() + "`");
        }
        softly.assertThat(d)
                .contains(
                        "`Timed out: no traffic for <n> s`",
                        "`Protocol error: binary frame`",
                        "`Protocol error: message larger than max-frame-bytes`",
                        "`Protocol error: internal error`");

        for (String field : List.of("connected", "connect_time", "disconnect_time", "status_detail", "last_seen")) {
            softly.assertThat(d).as("server-owned field").contains("| `" + field + "` |");
        }
        softly.assertThat(d)
                .contains(
                        "{\"command\": \"pause\"}",
                        "`pause`",
                        "`resume`",
                        "`disconnect`",
                        "\"acknowledged_command\": \"pause\"",
                        "\"status_updated\"",
                        "\"result\": \"message_processed\"");

        LimitsConfig limits = LimitsConfig.defaults();
        WsConfig ws = WsConfig.defaults();
        RegistryConfig registry = RegistryConfig.defaults();
        ConnectionLimitsConfig connections = ConnectionLimitsConfig.defaults();
        Map<String, String> defaults = Map.ofEntries(
                Map.entry("max-frame-bytes", String.valueOf(ws.maxFrameBytes())),
                Map.entry("max-client-id-bytes", String.valueOf(limits.maxClientIdBytes())),
                Map.entry("max-attributes-per-message", String.valueOf(limits.maxAttributesPerMessage())),
                Map.entry("max-attributes-per-client", String.valueOf(limits.maxAttributesPerClient())),
                Map.entry("max-attribute-name-bytes", String.valueOf(limits.maxAttributeNameBytes())),
                Map.entry("max-value-bytes", String.valueOf(limits.maxValueBytes())),
                Map.entry("max-client-status-bytes", String.valueOf(limits.maxClientStatusBytes())),
                Map.entry("handshake-timeout", seconds(ws.handshakeTimeout())),
                Map.entry("ping-interval", seconds(ws.pingInterval())),
                Map.entry("liveness-timeout", seconds(ws.livenessTimeout())),
                Map.entry("disconnect-grace", seconds(ws.disconnectGrace())),
                Map.entry("close-timeout", seconds(ws.closeTimeout())),
                Map.entry("retention", seconds(registry.retention())),
                Map.entry("purge-interval", seconds(registry.purgeInterval())),
                Map.entry("request-timeout", seconds(HttpConfig.defaults().requestTimeout())),
                Map.entry("max-connections", String.valueOf(connections.maxConnections())),
                Map.entry("max-connections-per-address", String.valueOf(connections.maxConnectionsPerAddress())),
                Map.entry("connection-rate-per-address", String.valueOf(connections.connectionRatePerAddress())),
                Map.entry("connection-burst-per-address", String.valueOf(connections.connectionBurstPerAddress())),
                Map.entry("message-rate", String.valueOf(connections.messageRate())),
                Map.entry("message-burst", String.valueOf(connections.messageBurst())),
                Map.entry("rate-limit-close-after", seconds(connections.rateLimitCloseAfter())),
                Map.entry("slow-consumer-timeout", seconds(connections.slowConsumerTimeout())),
                Map.entry("jwt-clock-skew", seconds(ClientAuthConfig.defaults().jwtClockSkew())));
        defaults.forEach((flag, value) -> softly.assertThat(d)
                .as("default of --" + flag)
                .contains("| `--" + flag + "` (`GATEWAY_"
                        + flag.toUpperCase(Locale.ROOT).replace('-', '_') + "`) | " + value + " |"));
        softly.assertAll();
    }

    /** The request paths to try for a documented path: each template parameter replaced by its examples. */
    private static List<String> concretePaths(String template, Operation op) {
        if (!template.contains("{")) {
            return List.of(template);
        }
        List<String> paths = new ArrayList<>();
        for (Parameter param : op.getParameters()) {
            if (!"path".equals(param.getIn())) {
                continue;
            }
            List<Object> values = new ArrayList<>();
            if (param.getExample() != null) {
                values.add(param.getExample());
            }
            if (param.getExamples() != null) {
                param.getExamples().values().stream().map(Example::getValue).forEach(values::add);
            }
            assertThat(values)
                    .as("examples of path parameter " + param.getName() + " of " + template)
                    .isNotEmpty();
            for (Object v : values) {
                paths.add(template.replace("{" + param.getName() + "}", encodePathSegment(v.toString())));
            }
        }
        assertThat(paths).as("every parameter of " + template + " substituted").allMatch(p -> !p.contains("{"));
        return paths;
    }

    /** The status is documented; a body has a documented media type, and JSON bodies parse. */
    private static void checkDocumented(SoftAssertions softly, Operation op, String what, HttpResponse<String> r) {
        String status = String.valueOf(r.statusCode());
        softly.assertThat(op.getResponses())
                .as(what + " answered " + r.statusCode() + " " + r.body())
                .containsKey(status);
        ApiResponse documented = op.getResponses().get(status);
        if (documented == null) {
            return;
        }
        if (documented.get$ref() != null) {
            String name = documented.get$ref().substring(documented.get$ref().lastIndexOf('/') + 1);
            documented = api.getComponents().getResponses().get(name);
            softly.assertThat(documented)
                    .as(what + ": response " + name + " resolves")
                    .isNotNull();
            if (documented == null) {
                return;
            }
        }
        Content content = documented.getContent();
        if (content == null || content.isEmpty()) {
            softly.assertThat(r.body()).as(what + ": no body documented").isEmpty();
            return;
        }
        String type = r.headers().firstValue("content-type").orElse("");
        String mediaType = type.split(";")[0].trim();
        softly.assertThat(content.keySet())
                .as(what + ": media type " + type)
                .anyMatch(k -> k.equals("*/*") || k.equals(mediaType));
        if (mediaType.equals("application/json")) {
            softly.assertThatCode(() -> JSON.readTree(r.body()))
                    .as(what + ": JSON body")
                    .doesNotThrowAnyException();
        }
    }

    private static HttpResponse<String> call(String method, String path, String ifNoneMatch)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = request(path).method(method, HttpRequest.BodyPublishers.noBody());
        if (ifNoneMatch != null) {
            b.header("If-None-Match", ifNoneMatch);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(gateway.httpUri() + path)).timeout(Duration.ofSeconds(10));
    }

    /** RFC 3986 percent-encoding of one path segment, as {@code encodeURIComponent} does. */
    private static String encodePathSegment(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private List<String> enumOf(String schema) {
        return api.getComponents().getSchemas().get(schema).getEnum().stream()
                .map(String::valueOf)
                .toList();
    }

    private static String seconds(Duration d) {
        return d.toSeconds() + " s";
    }

    private static <T> List<T> constants(Class<?> owner, Class<T> type) throws IllegalAccessException {
        List<T> out = new ArrayList<>();
        for (Field f : owner.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && type.isAssignableFrom(f.getType())) {
                out.add(type.cast(f.get(null)));
            }
        }
        assertThat(out).as("constants of " + owner.getSimpleName()).isNotEmpty();
        return out;
    }
}
