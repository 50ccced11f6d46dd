package io.serpentis.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.serpentis.gateway.GatewayCommand;
import io.serpentis.gateway.GatewayCommandAccess;
import io.serpentis.gateway.testing.ExternalTools;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

class GatewayCommandTest {

    /** README's configuration table: flag, variable and documented default of every setting. */
    private record Documented(
            String flag, String variable, @Nullable String defaultValue) {}

    /**
     * The rows of README.md's configuration table. A default in backticks is a value ({@code `none`} is the
     * client-auth mode); a plain {@code none} means no value; {@code `<...>`} describes one computed at start.
     */
    private static Map<String, Documented> documentedSettings() throws IOException {
        List<String> lines = Files.readAllLines(ExternalTools.repoRoot().resolve("README.md"));
        int header = lines.indexOf("| Flag | Environment | Default | Meaning |");
        assertThat(header).as("README's configuration table").isNotNegative();
        assertThat(lines.get(header + 1)).startsWith("|---");
        Map<String, Documented> rows = new LinkedHashMap<>();
        // A table ends at its first line that is not a row: a blank line in it would hide the rows after it.
        for (int i = header + 2; i < lines.size() && lines.get(i).startsWith("|"); i++) {
            String[] cells = lines.get(i).split("\\|", 5);
            String flag = literal(cells[1]);
            String variable = literal(cells[2]);
            String documented = cells[3].trim();
            String value = documented.startsWith("`") ? literal(documented) : null;
            assertThat(value != null || documented.equals("none"))
                    .as(flag + "'s default " + documented)
                    .isTrue();
            assertThat(rows.put(flag, new Documented(flag, variable, value)))
                    .as(flag + " twice")
                    .isNull();
        }
        return rows;
    }

    private static String literal(String cell) {
        String c = cell.trim();
        assertThat(c).as("a value in backticks").startsWith("`").endsWith("`");
        return c.substring(1, c.length() - 1);
    }

    /** Each option's lines in {@code help}, by its long name. */
    private static Map<String, String> helpBlocks(String help) {
        Map<String, String> blocks = new LinkedHashMap<>();
        Matcher option = Pattern.compile("^ {2}(?:-\\w, | {4})(--[a-z-]+)", Pattern.MULTILINE)
                .matcher(help);
        List<Integer> starts = new ArrayList<>();
        List<String> names = new ArrayList<>();
        while (option.find()) {
            starts.add(option.start());
            names.add(option.group(1));
        }
        starts.add(help.length());
        for (int i = 0; i < names.size(); i++) {
            blocks.put(
                    names.get(i),
                    help.substring(starts.get(i), starts.get(i + 1)).replaceAll("\\s+", " "));
        }
        return blocks;
    }

    /** The gateway's settings: every option but --help and --version. */
    private static List<OptionSpec> settings(CommandLine command) {
        return command.getCommandSpec().options().stream()
                .filter(o -> !o.usageHelp() && !o.versionHelp())
                .toList();
    }

    @Test
    void theReadmeDocumentsEveryOptionWithItsVariableAndDefault() throws IOException {
        Map<String, Documented> documented = documentedSettings();
        CommandLine command = GatewayCommand.commandLine(Map.of());
        EnvironmentDefaults defaults =
                (EnvironmentDefaults) command.getCommandSpec().defaultValueProvider();
        Map<String, String> help = helpBlocks(GatewayCommandAccess.usage(Map.of()));
        List<String> options =
                settings(command).stream().map(OptionSpec::longestName).toList();

        assertThat(documented.keySet())
                .as("every option is documented, every documented flag exists")
                .containsExactlyInAnyOrderElementsOf(options);
        for (OptionSpec option : settings(command)) {
            Documented row = documented.get(option.longestName());
            String variable = defaults.variable(option);
            String value = defaults.defaultValue(option);
            assertThat(variable).as(row.flag() + "'s variable").isEqualTo(row.variable());
            String doc = row.defaultValue();
            if (doc == null || doc.startsWith("<")) {
                assertThat(value).as(row.flag() + " has no default value").isNull();
            } else if (option.type() == Duration.class) {
                assertThat(value).as(row.flag() + "'s default").isNotNull();
                assertThat(DurationConverter.parse(value))
                        .as(row.flag() + "'s default")
                        .isEqualTo(DurationConverter.parse(doc));
            } else {
                assertThat(value).as(row.flag() + "'s default").isEqualTo(doc);
            }
            String block = help.get(row.flag());
            assertThat(block).as(row.flag() + " in --help").isNotNull().contains("Env: " + variable);
            if (value != null && option.type() != boolean.class) {
                assertThat(block).as(row.flag() + " in --help").contains("Default: " + value);
            }
        }
    }

    @Test
    void theDefaultsAreTheRecordsDefaults() {
        GatewayConfig parsed = GatewayCommandAccess.parse(Map.of("HOSTNAME", "box"));
        assertThat(parsed).isEqualTo(GatewayConfig.defaults().withServer(s -> s.withNodeId("box:8000")));
    }

    @Test
    void noOptionWritesItsDefaultOrVariableInItsAnnotation() {
        CommandLine command = GatewayCommand.commandLine(Map.of());
        List<OptionSpec> options = new ArrayList<>(settings(command));
        options.addAll(settings(command.getSubcommands().get("simulate")));
        for (OptionSpec option : options) {
            assertThat(option.defaultValue())
                    .as(option.longestName() + ": the default comes from a record")
                    .isNull();
            assertThat(String.join(" ", option.description()))
                    .as(option.longestName() + "'s description")
                    .doesNotContain("Env:")
                    .doesNotContain("${");
        }
    }

    @Test
    void readsOptionsFromTheirVariablesAndFlagsWin() {
        Map<String, String> env = Map.of(
                "HOSTNAME",
                "box",
                "PORT",
                "9001",
                "HOST",
                "0.0.0.0",
                "REDIS_URL",
                "redis://redis:6379",
                "GATEWAY_MAX_FRAME_BYTES",
                "4096",
                "GATEWAY_RETENTION",
                "5m",
                "GATEWAY_ALLOWED_HOSTS",
                "gateway,ops.example.com",
                "GATEWAY_CLIENT_AUTH",
                "shared-secret",
                "GATEWAY_CLIENT_TOKEN",
                "a-shared-token-of-20c",
                "GATEWAY_LIMIT_LOOPBACK",
                "true");
        GatewayConfig c = GatewayCommandAccess.parse(env);
        assertThat(c.server().port()).isEqualTo(9001);
        assertThat(c.server().host()).isEqualTo("0.0.0.0");
        assertThat(c.server().nodeId()).isEqualTo("box:9001");
        assertThat(c.redis().url()).isEqualTo("redis://redis:6379");
        assertThat(c.ws().maxFrameBytes()).isEqualTo(4096);
        assertThat(c.registry().retention()).isEqualTo(Duration.ofMinutes(5));
        assertThat(c.security().allowedHosts()).containsExactly("gateway", "ops.example.com");
        assertThat(c.security().clientAuth().mode()).isEqualTo(ClientAuthConfig.Mode.SHARED_SECRET);
        assertThat(c.security().connections().limitLoopback()).isTrue();

        GatewayConfig flags = GatewayCommandAccess.parse(
                env,
                "--port",
                "9002",
                "--max-frame-bytes",
                "8192",
                "--allowed-hosts",
                "other",
                "--limit-loopback=false");
        assertThat(flags.server().port()).isEqualTo(9002);
        assertThat(flags.ws().maxFrameBytes()).isEqualTo(8192);
        assertThat(flags.security().allowedHosts()).containsExactly("other");
        assertThat(flags.security().connections().limitLoopback()).isFalse();
        assertThat(flags.registry().retention())
                .as("still from the environment")
                .isEqualTo(Duration.ofMinutes(5));

        assertThat(GatewayCommandAccess.usage(env)).contains("Default: 9001");
        assertThatThrownBy(() -> GatewayCommandAccess.parse(Map.of("GATEWAY_MAX_FRAME_BYTES", "")))
                .as("a variable that is set but empty is a value, as before")
                .hasMessageContaining("--max-frame-bytes");
    }

    @Test
    void takesEnvironmentValuesLiterally() {
        // picocli would expand ${...} in a default value, and fail on a trailing ${; a secret may contain either
        String token = "t0ken-${sys:user.name}-$${x}-$$";
        String secret = "0123456789abcdef0123456789abcdef${";
        GatewayConfig c = GatewayCommandAccess.parse(Map.of(
                "GATEWAY_ADMIN_TOKEN",
                token,
                "GATEWAY_CLIENT_AUTH",
                "jwt",
                "GATEWAY_JWT_SECRET",
                secret,
                "GATEWAY_NODE_ID",
                "node-${HOSTNAME}"));
        assertThat(c.security().adminToken()).isEqualTo(token);
        assertThat(c.security().clientAuth().jwtSecret()).isEqualTo(secret);
        assertThat(c.server().nodeId()).isEqualTo("node-${HOSTNAME}");
    }

    @Test
    void theNodeIdDefaultsToTheHostNameAndPort() {
        assertThat(GatewayCommandAccess.parse(Map.of("HOSTNAME", "box"))
                        .server()
                        .nodeId())
                .isEqualTo("box:8000");
        assertThat(GatewayCommandAccess.parse(Map.of("HOSTNAME", "box"), "--port", "0")
                        .server()
                        .nodeId())
                .isEqualTo("box:pid" + ProcessHandle.current().pid());
        assertThat(GatewayCommandAccess.parse(Map.of("HOSTNAME", "box"), "--node-id", "node-a")
                        .server()
                        .nodeId())
                .isEqualTo("node-a");
        assertThat(GatewayCommandAccess.parse(Map.of()).server().nodeId())
                .as("looked up without HOSTNAME")
                .isNotBlank()
                .endsWith(":8000");
        // a configuration built in code reads no environment
        assertThat(ServerConfig.defaults().effectiveNodeId()).isEqualTo("gateway:8000");
        assertThat(ServerConfig.defaults().withNodeId("n").effectiveNodeId()).isEqualTo("n");
    }

    @Test
    void buildersStartFromTheDefaultsAndValidateOnBuild() {
        assertThat(ServerConfig.builder().build()).isEqualTo(ServerConfig.defaults());
        assertThat(WsConfig.builder().build()).isEqualTo(WsConfig.defaults());
        assertThat(LimitsConfig.builder().build()).isEqualTo(LimitsConfig.defaults());
        assertThat(SecurityConfig.builder().build()).isEqualTo(SecurityConfig.defaults());
        assertThat(ConnectionLimitsConfig.builder().build()).isEqualTo(ConnectionLimitsConfig.defaults());
        assertThat(RedisConfig.builder().build()).isEqualTo(RedisConfig.defaults());

        WsConfig ws = WsConfig.defaults().toBuilder()
                .livenessTimeout(Duration.ofMinutes(2))
                .pingInterval(Duration.ofMinutes(1))
                .build(); // checked together on build, in any order
        assertThat(ws.toBuilder().build()).isEqualTo(ws);
        assertThat(ws.pingInterval()).isEqualTo(Duration.ofMinutes(1));
        assertThat(ws.maxFrameBytes()).isEqualTo(WsConfig.defaults().maxFrameBytes());
        RedisConfig redis =
                RedisConfig.builder().requestQueueSize(100).batchSize(50).build();
        assertThat(redis.toBuilder().url("redis://h").build().url()).isEqualTo("redis://h");
        assertThat(ConnectionLimitsConfig.defaults().toBuilder().messageRate(2).build().toBuilder()
                        .build())
                .isEqualTo(ConnectionLimitsConfig.defaults().toBuilder()
                        .messageRate(2)
                        .build());
        assertThatThrownBy(() ->
                        WsConfig.builder().pingInterval(Duration.ofMinutes(1)).build())
                .hasMessageContaining("liveness-timeout");
        assertThatThrownBy(() -> ServerConfig.builder().port(-1).build()).hasMessageContaining("port");
        assertThatThrownBy(() -> LimitsConfig.builder().maxValueBytes(0).build())
                .hasMessageContaining("max-value-bytes");
        assertThatThrownBy(() -> SecurityConfig.builder().adminToken("short").build())
                .hasMessageContaining("admin-token");
    }

    @Test
    void readsTheFeedSettings() {
        GatewayConfig c = GatewayCommandAccess.parse(
                "--feed-interval",
                "100ms",
                "--feed-max-viewers",
                "7",
                "--feed-slow-viewer-timeout",
                "3s",
                "--feed-history-bytes",
                "0",
                "--history-interval",
                "30s");
        assertThat(c.feed())
                .isEqualTo(new FeedConfig(
                        "/ws/dashboard", Duration.ofMillis(100), 7, Duration.ofSeconds(3), 0, Duration.ofSeconds(30)));
        assertThat(c.feed().historySamples()).isEqualTo(120);
        assertThat(GatewayConfig.defaults().feed().historySamples()).isEqualTo(360);
        assertThatThrownBy(() -> GatewayCommandAccess.parse("--history-interval", "1500ms"))
                .hasMessageContaining("history-interval");
        assertThatThrownBy(() -> GatewayCommandAccess.parse("--history-interval", "10m"))
                .hasMessageContaining("history-interval");
        assertThatThrownBy(() -> GatewayCommandAccess.parse("--feed-interval", "1ms"))
                .hasMessageContaining("feed-interval");
        assertThatThrownBy(() -> GatewayCommandAccess.parse("--feed-max-viewers", "0"))
                .hasMessageContaining("feed-max-viewers");
    }

    @Test
    void securityDefaults() {
        assertThat(GatewayCommandAccess.parse().security()).isEqualTo(SecurityConfig.defaults());
        assertThat(SecurityConfig.defaults().allowedHosts())
                .as("only the built-in host names")
                .isEmpty();
    }

    @Test
    void readsTheAllowedHosts() {
        assertThat(GatewayCommandAccess.parse("--allowed-hosts", "gateway, Ops.Example.com.")
                        .security()
                        .allowedHosts())
                .containsExactly("gateway", "ops.example.com");
        assertThat(GatewayCommandAccess.parse("--allowed-hosts", "*").security().allowedHosts())
                .containsExactly("*");
        assertThatThrownBy(() -> GatewayCommandAccess.parse("--allowed-hosts", "gateway:8000"))
                .hasMessageContaining("allowed-hosts")
                .hasMessageContaining("gateway:8000");
    }

    @Test
    void readsTheSecurityFlags() {
        GatewayConfig c = GatewayCommandAccess.parse(
                "--client-auth",
                "jwt",
                "--jwt-secret",
                "0123456789abcdef0123456789abcdef",
                "--jwt-clock-skew",
                "5s",
                "--max-connections",
                "7",
                "--max-connections-per-address",
                "3",
                "--connection-rate-per-address",
                "2",
                "--connection-burst-per-address",
                "4",
                "--limit-loopback",
                "--message-rate",
                "20",
                "--message-burst",
                "40",
                "--rate-limit-close-after",
                "0",
                "--slow-consumer-timeout",
                "2s",
                "--request-timeout",
                "3s");
        ClientAuthConfig auth = c.security().clientAuth();
        assertThat(auth.mode()).isEqualTo(ClientAuthConfig.Mode.JWT);
        assertThat(auth.jwtClockSkew()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.security().connections())
                .isEqualTo(new ConnectionLimitsConfig(7, 3, 2, 4, true, 20, 40, Duration.ZERO, Duration.ofSeconds(2)));
        assertThat(c.http().requestTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(c.toString()).doesNotContain("0123456789abcdef0123456789abcdef");
        assertThat(GatewayCommandAccess.parse(
                                "--client-auth", "shared-secret", "--client-token", "a-shared-token-of-20c")
                        .security()
                        .clientAuth()
                        .mode())
                .isEqualTo(ClientAuthConfig.Mode.SHARED_SECRET);
    }

    @Test
    void refusesSecuritySettingsThatWouldLeaveClientsUnauthenticated() {
        assertThatThrownBy(() -> GatewayCommandAccess.parse("--client-token", "a-shared-token-of-20c"))
                .hasMessageContaining("client-token is set but client-auth is none");
        assertThatThrownBy(() -> GatewayCommandAccess.parse("--client-auth", "jwt"))
                .hasMessageContaining("--jwt-secret");
        assertThatThrownBy(() -> GatewayCommandAccess.parse("--client-auth", "kerberos"))
                .hasMessageContaining("none, shared-secret or jwt");
        assertThatThrownBy(() -> GatewayCommandAccess.parse("--max-connections", "0"))
                .hasMessageContaining("max-connections");
        assertThatThrownBy(() -> GatewayCommandAccess.parse("--slow-consumer-timeout", "0"))
                .hasMessageContaining("slow-consumer-timeout");
    }

    @Test
    void readsFlagsIntoTheRecords() {
        GatewayConfig c = GatewayCommandAccess.parse(
                "--port",
                "9001",
                "--host",
                "0.0.0.0",
                "--ping-interval",
                "250ms",
                "--liveness-timeout",
                "2s",
                "--retention",
                "5m",
                "--max-value-bytes",
                "100",
                "--transport",
                "NIO");
        assertThat(c.server().port()).isEqualTo(9001);
        assertThat(c.server().host()).isEqualTo("0.0.0.0");
        assertThat(c.server().transport()).isEqualTo(ServerConfig.Transport.NIO);
        assertThat(c.ws().pingInterval()).isEqualTo(Duration.ofMillis(250));
        assertThat(c.ws().livenessTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.registry().retention()).isEqualTo(Duration.ofMinutes(5));
        assertThat(c.limits().maxValueBytes()).isEqualTo(100);
    }

    @Test
    void badValuesNameTheSetting() {
        assertThatThrownBy(() -> GatewayCommandAccess.parse("--port", "70000"))
                .hasMessageContaining("port")
                .hasMessageContaining("70000");
        assertThatThrownBy(() -> GatewayCommandAccess.parse("--ping-interval", "30s", "--liveness-timeout", "10s"))
                .hasMessageContaining("liveness-timeout");
        assertThatThrownBy(() -> GatewayCommandAccess.parse("--max-value-bytes", "0"))
                .hasMessageContaining("max-value-bytes");
        assertThatThrownBy(() -> GatewayCommandAccess.parse("--retention", "soon"))
                .hasMessageContaining("--retention")
                .hasMessageContaining("soon");
    }

    @Test
    void readsTheOperationsSettings() {
        assertThat(GatewayCommandAccess.parse().metrics()).isEqualTo(MetricsConfig.defaults());
        assertThat(GatewayCommandAccess.parse("--metrics-port", "9100")
                        .metrics()
                        .port())
                .isEqualTo(9100);
        assertThatThrownBy(() -> GatewayCommandAccess.parse("--port", "9100", "--metrics-port", "9100"))
                .hasMessageContaining("metrics-port");
        StringWriter err = new StringWriter();
        assertThat(GatewayCommandAccess.run(new PrintWriter(err), "--log-format", "xml"))
                .isEqualTo(2);
        assertThat(err.toString()).contains("--log-format").contains("text or json");
    }

    @Test
    void exitsWithAMessageOnAnInvalidCombination() {
        StringWriter err = new StringWriter();
        int code = GatewayCommandAccess.run(new PrintWriter(err), "--max-attributes-per-message", "300");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("Invalid configuration").contains("max-attributes-per-message");
    }

    @Test
    void helpListsEverySettingWithItsDefault() {
        String help = GatewayCommandAccess.usage();
        for (String option : new String[] {
            "--host",
            "--port",
            "--transport",
            "--io-threads",
            "--shutdown-timeout",
            "--max-frame-bytes",
            "--ping-interval",
            "--liveness-timeout",
            "--disconnect-grace",
            "--close-timeout",
            "--handshake-timeout",
            "--max-client-id-bytes",
            "--max-attributes-per-message",
            "--max-attributes-per-client",
            "--max-attribute-name-bytes",
            "--max-value-bytes",
            "--max-client-status-bytes",
            "--retention",
            "--purge-interval",
            "--http-max-initial-line-bytes",
            "--http-max-header-bytes",
            "--http-max-content-bytes",
            "--http-idle-timeout",
            "--feed-interval",
            "--feed-max-viewers",
            "--feed-slow-viewer-timeout",
            "--feed-history-bytes",
            "--metrics-port",
            "--log-format",
            "--request-timeout",
            "--client-auth",
            "--client-token",
            "--jwt-secret",
            "--jwt-clock-skew",
            "--max-connections",
            "--max-connections-per-address",
            "--connection-rate-per-address",
            "--connection-burst-per-address",
            "--limit-loopback",
            "--message-rate",
            "--message-burst",
            "--rate-limit-close-after",
            "--slow-consumer-timeout",
            "--admin-token",
            "--allowed-origins",
            "--allowed-hosts"
        }) {
            assertThat(help).contains(option);
        }
        assertThat(help)
                .contains("Default: 8000")
                .contains("Default: 10s")
                .contains("Env: PORT")
                .contains("Env: GATEWAY_CLIENT_AUTH")
                .contains("Env: GATEWAY_JWT_SECRET");
    }

    @Test
    void durationsParseInEveryDocumentedForm() {
        assertThat(DurationConverter.parse("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(DurationConverter.parse("1.5s")).isEqualTo(Duration.ofMillis(1500));
        assertThat(DurationConverter.parse("5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(DurationConverter.parse("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(DurationConverter.parse("PT10S")).isEqualTo(Duration.ofSeconds(10));
        assertThat(DurationConverter.parse("7")).isEqualTo(Duration.ofSeconds(7));
        assertThat(DurationConverter.format(Duration.ofSeconds(60))).isEqualTo("1m");
        assertThat(DurationConverter.format(Duration.ofMillis(250))).isEqualTo("250ms");
    }
}
