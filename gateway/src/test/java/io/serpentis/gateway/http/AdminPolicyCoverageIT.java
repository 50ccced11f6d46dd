package io.serpentis.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.serpentis.gateway.GatewayServer;
import io.serpentis.gateway.GatewayServerAccess;
import io.serpentis.gateway.testing.GatewayServerExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every operation the OpenAPI document marks with the {@code adminToken} security scheme is enforced by
 * {@link AccessPolicy}, and no other operation asks for the admin token. Driven by the served document, so a route
 * added for operators (a client API, say) is covered as soon as it is documented as one. Every answer of such an
 * operation, refusal or not, carries {@code Cache-Control: no-store}. And the route table guards exactly the
 * operations the document marks, so the two cannot drift apart.
 */
class AdminPolicyCoverageIT {
    private static final String TOKEN = "coverage-admin-token-0123456789";

    @RegisterExtension
    static final GatewayServerExtension gw =
            new GatewayServerExtension(c -> c.withSecurity(s -> s.withAdminToken(TOKEN)));

    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private record Operation(String method, String path, boolean admin) {}

    private static List<Operation> operations() throws Exception {
        JsonNode doc = JSON.readTree(send("GET", "/openapi.json").body());
        List<Operation> ops = new ArrayList<>();
        for (Map.Entry<String, JsonNode> p : doc.get("paths").properties()) {
            for (Map.Entry<String, JsonNode> o : p.getValue().properties()) {
                boolean admin = false;
                for (JsonNode requirement : o.getValue().path("security")) {
                    admin |= requirement.has("adminToken");
                }
                String path = p.getKey()
                        .replace("{client_id}", "coverage-x")
                        .replace("{command_id}", "coverage-command")
                        .replace("{asset}", "app.js");
                ops.add(new Operation(o.getKey().toUpperCase(Locale.ROOT), path, admin));
            }
        }
        return ops;
    }

    private static HttpResponse<String> send(String method, String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gw.httpUri() + path))
                .timeout(Duration.ofSeconds(10))
                .method(method, HttpRequest.BodyPublishers.noBody());
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theRouteTableGuardsExactlyTheOperationsDocumentedAsAdmin() throws Exception {
        JsonNode doc = JSON.readTree(send("GET", "/openapi.json").body());
        Map<String, Boolean> documented = new TreeMap<>();
        for (Map.Entry<String, JsonNode> p : doc.get("paths").properties()) {
            for (Map.Entry<String, JsonNode> o : p.getValue().properties()) {
                boolean admin = false;
                for (JsonNode requirement : o.getValue().path("security")) {
                    admin |= requirement.has("adminToken");
                }
                documented.put(o.getKey().toUpperCase(Locale.ROOT) + " " + p.getKey(), admin);
            }
        }
        GatewayServer server = gw.server();
        HttpRouter table = GatewayServerAccess.routes(
                server.config(), new HttpResponses(JSON), server.registry(), server.store(), server.metrics());
        Map<String, Boolean> declared = new TreeMap<>();
        for (HttpRouter.Endpoint e : table.endpoints()) {
            for (var method : e.methods()) {
                declared.put(method.name() + " " + e.template(), e.guard() != HttpRouter.Guard.PUBLIC);
            }
        }
        assertThat(declared).isEqualTo(documented);
    }

    @Test
    void everyDocumentedAdminOperationNeedsTheTokenAndNoOtherDoes() throws Exception {
        List<Operation> ops = operations();
        assertThat(ops)
                .filteredOn(Operation::admin)
                .extracting(Operation::path)
                .contains("/statuses", "/clients/coverage-x/pause", "/clients/coverage-x/disconnect", "/metrics");
        SoftAssertions softly = new SoftAssertions();
        for (Operation op : ops) {
            String what = op.method() + " " + op.path();
            HttpResponse<String> anonymous = send(op.method(), op.path());
            if (op.admin()) {
                softly.assertThat(anonymous.statusCode())
                        .as(what + " without a token")
                        .isEqualTo(401);
                softly.assertThat(anonymous.headers().firstValue("www-authenticate"))
                        .as(what)
                        .hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
                softly.assertThat(send(op.method(), op.path(), "Authorization", "Bearer " + TOKEN + "x")
                                .statusCode())
                        .as(what + " with a wrong token")
                        .isEqualTo(401);
                HttpResponse<String> admitted = send(op.method(), op.path(), "Authorization", "Bearer " + TOKEN);
                softly.assertThat(admitted.statusCode())
                        .as(what + " with the token")
                        .isNotIn(401, 403);
                softly.assertThat(anonymous.headers().firstValue("cache-control"))
                        .as(what + " refused")
                        .hasValue("no-store");
                softly.assertThat(admitted.headers().firstValue("cache-control"))
                        .as(what + " answered")
                        .hasValue("no-store");
                softly.assertThat(send(
                                        op.method(),
                                        op.path(),
                                        "Authorization",
                                        "Bearer " + TOKEN,
                                        "Origin",
                                        "https://evil.example")
                                .statusCode())
                        .as(what + " from a foreign page")
                        .isEqualTo(403);
            } else {
                softly.assertThat(anonymous.statusCode())
                        .as(what + " is public")
                        .isNotIn(401, 403);
            }
        }
        softly.assertAll();
    }
}
