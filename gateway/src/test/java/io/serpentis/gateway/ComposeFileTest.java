package io.serpentis.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.serpentis.gateway.config.EnvironmentDefaults;
import io.serpentis.gateway.config.GatewayConfig;
import io.serpentis.gateway.config.WsConfig;
import io.serpentis.gateway.http.AccessPolicy;
import io.serpentis.gateway.logging.LogFormat;
import io.serpentis.gateway.simulate.SimulateCommand;
import io.serpentis.gateway.simulate.SimulateCommandAccess;
import io.serpentis.gateway.testing.ExternalTools;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * {@code docker-compose.yml}, the {@code Dockerfile} and {@code prometheus.yml} agree with what the gateway and
 * Prometheus accept (no Docker engine runs here, so the files are read and cross-checked): the four services;
 * every environment variable is one the gateway (or the simulator) really reads, and its value passes their
 * validation; ports, hosts and paths point where the gateway listens; volumes and dependencies resolve; the image
 * builds the jar in a Maven stage, runs it as a non-root user on 0.0.0.0 and checks {@code /livez}. Where the
 * {@code docker-compose} binary exists (Debian's package), {@code docker-compose config} must accept the file too.
 */
class ComposeFileTest {
    private static final YAMLMapper YAML = YAMLMapper.builder().build();

    private final Path root = ExternalTools.repoRoot();
    private final JsonNode compose = read("docker-compose.yml");
    private final JsonNode services = compose.get("services");

    private JsonNode read(String file) {
        try {
            return YAML.readTree(Files.readString(root.resolve(file)));
        } catch (IOException e) {
            throw new AssertionError(file, e);
        }
    }

    /** Environment variable name to the option that reads it (from the command's {@link EnvironmentDefaults}). */
    private static Map<String, OptionSpec> envOptions(CommandLine command) {
        EnvironmentDefaults defaults =
                (EnvironmentDefaults) command.getCommandSpec().defaultValueProvider();
        Map<String, OptionSpec> byEnv = new LinkedHashMap<>();
        for (OptionSpec o : command.getCommandSpec().options()) {
            String variable = defaults.variable(o);
            if (variable != null) {
                byEnv.put(variable, o);
            }
        }
        return byEnv;
    }

    private static Map<String, String> environment(JsonNode service) {
        Map<String, String> env = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : service.path("environment").properties()) {
            env.put(e.getKey(), e.getValue().asString());
        }
        return env;
    }

    /** A gateway service's command, its defaults read from the service's environment as the gateway would. */
    private CommandLine gatewayCommand(String service) {
        CommandLine command = GatewayCommand.commandLine(environment(services.get(service)));
        command.parseArgs();
        return command;
    }

    private CommandLine gatewayCommand() {
        return gatewayCommand("gateway");
    }

    /** A gateway service's configuration; throws on a value the gateway refuses. */
    private GatewayConfig gatewayConfig(String service) {
        return gatewayCommand(service).<GatewayCommand>getCommand().toConfig();
    }

    /** Whether the gateway {@code service} serves requests naming {@code host:port} (421 if not). */
    private boolean serves(String service, String host, int port) {
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/metrics");
        request.headers().set(HttpHeaderNames.HOST, host + ":" + port);
        return new AccessPolicy(gatewayConfig(service).security()).checkHost(request) == null;
    }

    private boolean serves(String host, int port) {
        return serves("gateway", host, port);
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asString()));
        return out;
    }

    @Test
    void hasTheFourServicesAndAFleetProfileWithASecondNode() {
        assertThat(services.propertyNames())
                .containsExactlyInAnyOrder("redis", "gateway", "prometheus", "clients", "gateway-2", "clients-2");
        for (String service : List.of("redis", "gateway", "prometheus", "clients")) {
            assertThat(services.get(service).has("profiles"))
                    .as(service + " runs by default")
                    .isFalse();
        }
        for (String service : List.of("gateway-2", "clients-2")) {
            assertThat(strings(services.get(service).path("profiles")))
                    .as(service + " runs with --profile fleet")
                    .containsExactly("fleet");
        }
    }

    /**
     * The fleet profile's second node is the first one's twin on the same Redis (so they form one fleet), with its
     * own node id, advertised address and published port; each node's advertised address names its own service,
     * a host name it serves (its peers ask its {@code /readyz} there); its clients connect to it.
     */
    @Test
    void theFleetProfilesSecondNodeJoinsTheFirstOnTheSameRedis() throws Exception {
        Map<String, String> first = environment(services.get("gateway"));
        Map<String, String> second = environment(services.get("gateway-2"));
        assertThat(second.keySet()).isEqualTo(first.keySet());
        for (String name : first.keySet()) {
            if (!Set.of("GATEWAY_NODE_ID", "GATEWAY_FLEET_ADVERTISE_URL", "GATEWAY_ALLOWED_HOSTS")
                    .contains(name)) {
                assertThat(second.get(name)).as(name).isEqualTo(first.get(name));
            }
        }
        assertThat(second.get("GATEWAY_NODE_ID")).isNotEqualTo(first.get("GATEWAY_NODE_ID"));
        assertThat(services.get("gateway-2").get("build"))
                .isEqualTo(services.get("gateway").get("build"));
        assertThat(services.get("gateway-2").get("ulimits"))
                .isEqualTo(services.get("gateway").get("ulimits"));
        Set<String> published = new HashSet<>();
        for (String service : List.of("gateway", "gateway-2")) {
            Map<String, String> env = environment(services.get(service));
            GatewayConfig config = gatewayConfig(service);
            assertThat(config.fleet().enabled())
                    .as(service + " is a fleet member")
                    .isTrue();
            URI advertised = URI.create(env.get("GATEWAY_FLEET_ADVERTISE_URL"));
            assertThat(advertised.getHost())
                    .as(service + " advertises its service name")
                    .isEqualTo(service);
            assertThat(advertised.getPort()).isEqualTo(config.server().port());
            assertThat(serves(service, advertised.getHost(), advertised.getPort()))
                    .as(service + " serves the name its peers use")
                    .isTrue();
            List<String> ports = strings(services.get(service).get("ports"));
            assertThat(ports)
                    .hasSize(1)
                    .allMatch(p -> p.endsWith(":" + config.server().port()));
            published.add(ports.get(0).split(":")[0]);
        }
        assertThat(published).as("each node on its own host port").hasSize(2);
        assertThat(environment(services.get("clients-2")).get("SIMULATE_URL")).startsWith("ws://gateway-2:");
        assertThat(services.get("clients-2").path("depends_on").has("gateway-2"))
                .isTrue();
    }

    @Test
    void theGatewayIsConfiguredOnlyWithVariablesItReadsAndValuesItAccepts() throws Exception {
        Map<String, OptionSpec> options = envOptions(GatewayCommand.commandLine(Map.of()));
        Map<String, String> env = environment(services.get("gateway"));
        assertThat(env).isNotEmpty();
        // LOG_LEVEL is read by logback.xml; everything else by an option
        assertThat(Files.readString(Path.of("src/main/resources/logback.xml"))).contains("${LOG_LEVEL:-INFO}");
        assertThat(env.keySet())
                .allSatisfy(name -> assertThat(options.containsKey(name) || name.equals("LOG_LEVEL"))
                        .as(name + " is read by the gateway")
                        .isTrue());
        assertThat(Level.toLevel(env.get("LOG_LEVEL"), null)).as("LOG_LEVEL").isNotNull();

        GatewayCommand parsed = gatewayCommand().getCommand();
        GatewayConfig config = parsed.toConfig(); // throws on a value the gateway refuses
        assertThat(parsed.logFormat.format()).isEqualTo(LogFormat.JSON);
        assertThat(config.server().host())
                .as("listen on every interface in a container")
                .isEqualTo("0.0.0.0");

        // the published port is the one it listens on; Redis is the redis service on its default port
        assertThat(strings(services.get("gateway").get("ports")))
                .containsExactly(config.server().port() + ":" + config.server().port());
        URI redis = URI.create(config.redis().url());
        assertThat(services.has(redis.getHost()))
                .as("REDIS_URL host is a service")
                .isTrue();
        assertThat(redis.getPort()).isEqualTo(6379);
        assertThat(strings(services.get("redis").get("command"))).doesNotContain("--port");
        assertThat(config.metrics().separatePort())
                .as("prometheus.yml scrapes the main port")
                .isFalse();
    }

    @Test
    void theClientsRunTheSimulatorAgainstTheGatewayService() throws Exception {
        JsonNode clients = services.get("clients");
        List<String> command = strings(clients.get("command"));
        assertThat(command.get(0)).isEqualTo("simulate");
        Map<String, String> env = environment(clients);
        CommandLine gateway = GatewayCommand.commandLine(env);
        CommandLine simulate = gateway.getSubcommands().get("simulate");
        Map<String, OptionSpec> options = envOptions(simulate);
        assertThat(env.keySet())
                .allSatisfy(name ->
                        assertThat(options).as(name + " is read by simulate").containsKey(name));
        gateway.parseArgs(command.toArray(new String[0])); // simulate [args], as the container runs it
        SimulateCommand parsed = simulate.getCommand();
        URI url = SimulateCommandAccess.settings(parsed).url(); // throws on a value simulate refuses

        Map<String, String> gatewayEnv = environment(services.get("gateway"));
        assertThat(url.getHost()).isEqualTo("gateway");
        assertThat(url.getPort()).isEqualTo(Integer.parseInt(gatewayEnv.get("PORT")));
        assertThat(serves(url.getHost(), url.getPort()))
                .as("the gateway serves the host name the clients use")
                .isTrue();
        assertThat(url.getPath()).isEqualTo(WsConfig.defaults().path());
        assertThat(clients.path("healthcheck").path("disable").asBoolean())
                .as("the image's gateway health check does not apply to the clients")
                .isTrue();
    }

    @Test
    void prometheusRunsTheRepositoryConfigWhichScrapesTheGateway() {
        JsonNode prometheus = services.get("prometheus");
        Map<String, String> flags = new LinkedHashMap<>();
        for (String arg : strings(prometheus.get("command"))) {
            String[] kv = arg.split("=", 2);
            flags.put(kv[0], kv.length > 1 ? kv[1] : "");
        }
        Map<String, String> mounts = new LinkedHashMap<>();
        for (String v : strings(prometheus.get("volumes"))) {
            String[] parts = v.split(":");
            mounts.put(parts[1], parts[0]);
        }
        String configFile = flags.get("--config.file");
        assertThat(mounts).containsEntry(configFile, "./prometheus.yml");
        assertThat(root.resolve("prometheus.yml")).isRegularFile();
        assertThat(mounts).containsKey(flags.get("--storage.tsdb.path"));
        assertThat(strings(prometheus.get("ports"))).containsExactly("9090:9090");

        JsonNode config = read("prometheus.yml");
        Map<String, String> gatewayEnv = environment(services.get("gateway"));
        List<JsonNode> gatewayJobs = new ArrayList<>();
        for (JsonNode job : config.get("scrape_configs")) {
            for (JsonNode sc : job.path("static_configs")) {
                for (JsonNode t : sc.get("targets")) {
                    if (t.asString().startsWith("gateway:")) {
                        gatewayJobs.add(job);
                        assertThat(t.asString()).isEqualTo("gateway:" + gatewayEnv.get("PORT"));
                        assertThat(serves("gateway", Integer.parseInt(gatewayEnv.get("PORT"))))
                                .as("the gateway serves the host name Prometheus scrapes")
                                .isTrue();
                    }
                }
            }
        }
        assertThat(gatewayJobs).hasSize(1);
        assertThat(gatewayJobs.get(0).path("metrics_path").asString("/metrics")).isEqualTo("/metrics");

        // the rule files prometheus.yml loads (resolved beside it) are mounted where it looks for them
        List<String> ruleFiles = strings(config.path("rule_files"));
        assertThat(ruleFiles).as("prometheus.yml loads the alerting rules").contains("prometheus-rules.yml");
        Path configDir = Path.of(configFile).getParent();
        for (String ruleFile : ruleFiles) {
            assertThat(root.resolve(ruleFile)).isRegularFile();
            assertThat(mounts)
                    .as("compose mounts " + ruleFile + " beside the config")
                    .containsEntry(configDir.resolve(ruleFile).toString(), "./" + ruleFile);
        }
    }

    @Test
    void volumesAndDependenciesResolve() {
        Set<String> declared = new TreeSet<>(compose.path("volumes").propertyNames());
        Set<String> used = new TreeSet<>();
        for (Map.Entry<String, JsonNode> s : services.properties()) {
            for (JsonNode v : s.getValue().path("volumes")) {
                String source = v.asString().split(":")[0];
                if (source.startsWith(".") || source.startsWith("/")) {
                    assertThat(root.resolve(source).normalize())
                            .as(s.getKey() + " mounts " + source)
                            .exists();
                } else {
                    used.add(source);
                }
            }
            JsonNode deps = s.getValue().path("depends_on");
            Set<String> names = new HashSet<>();
            if (deps.isArray()) {
                deps.forEach(d -> names.add(d.asString()));
            } else {
                for (Map.Entry<String, JsonNode> d : deps.properties()) {
                    names.add(d.getKey());
                    if ("service_healthy".equals(d.getValue().path("condition").asString(""))) {
                        boolean checked = services.get(d.getKey()).has("healthcheck")
                                || services.get(d.getKey()).has("build"); // the image's HEALTHCHECK
                        assertThat(checked)
                                .as(d.getKey() + " has a health check")
                                .isTrue();
                    }
                }
            }
            assertThat(services.propertyNames()).as(s.getKey() + " depends on").containsAll(names);
        }
        assertThat(used).isEqualTo(declared);
    }

    @Test
    void theImageBuildsTheJarAndRunsItAsANonRootUserCheckingLivez() throws Exception {
        for (String service : List.of("gateway", "clients")) {
            JsonNode build = services.get(service).get("build");
            assertThat(build.path("context").asString()).isEqualTo(".");
            assertThat(root.resolve(build.path("dockerfile").asString("Dockerfile")))
                    .isRegularFile();
        }
        List<String> lines = dockerfileInstructions();
        List<String> from = lines.stream().filter(l -> l.startsWith("FROM ")).toList();
        assertThat(from).hasSize(2);
        assertThat(from.get(0)).matches("FROM maven:3[^ ]*-eclipse-temurin-17 AS build");
        assertThat(from.get(1)).isEqualTo("FROM eclipse-temurin:17-jre");
        // the runtime stage: the shaded jar from the build stage, a non-root user, HOST=0.0.0.0, a /livez check
        assertThat(Files.readString(Path.of("pom.xml"))).contains("<finalName>serpentis-gateway</finalName>");
        assertThat(lines)
                .contains("COPY --from=build /src/gateway/target/serpentis-gateway.jar /app/serpentis-gateway.jar");
        String user = lines.stream()
                .filter(l -> l.startsWith("USER "))
                .reduce((a, b) -> b)
                .orElseThrow();
        assertThat(user.substring(5).split(":")[0]).isNotIn("root", "0");
        String env = lines.stream().filter(l -> l.startsWith("ENV ")).collect(Collectors.joining(" "));
        assertThat(env).contains("HOST=0.0.0.0").contains("PORT=8000");
        assertThat(lines).contains("EXPOSE 8000");
        String healthcheck = lines.stream()
                .filter(l -> l.startsWith("HEALTHCHECK "))
                .findFirst()
                .orElseThrow();
        assertThat(healthcheck).contains("\"-jar\", \"/app/serpentis-gateway.jar\", \"healthcheck\"]");
        assertThat(GatewayCommand.commandLine(Map.of()).getSubcommands()).containsKey("healthcheck");
        String probe = new CommandLine(new HealthcheckCommand())
                .getCommandSpec()
                .findOption("--url")
                .defaultValueString(false);
        assertThat(probe).contains("${env:PORT:-8000}").endsWith("/livez}");
        assertThat(lines.stream()
                        .filter(l -> l.startsWith("ENTRYPOINT "))
                        .findFirst()
                        .orElseThrow())
                .contains("\"-jar\", \"/app/serpentis-gateway.jar\"]");
    }

    /** The image's build compiles with Error Prone, which needs the javac flags in .mvn/jvm.config. */
    @Test
    void theImageBuildCopiesTheJvmFlagsErrorProneNeedsBeforeMaven() throws Exception {
        assertThat(Files.readString(root.resolve(".mvn/jvm.config")))
                .contains("--add-exports=jdk.compiler/com.sun.tools.javac.api=ALL-UNNAMED");
        List<String> lines = dockerfileInstructions();
        int copy = lines.indexOf("COPY .mvn .mvn/");
        int maven = lines.stream()
                .filter(l -> l.startsWith("RUN ") && l.contains(" mvn "))
                .findFirst()
                .map(lines::indexOf)
                .orElseThrow();
        assertThat(copy).isNotNegative().isLessThan(maven);
    }

    /** The Dockerfile's instructions, continuation lines joined, comments dropped. */
    private List<String> dockerfileInstructions() throws IOException {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : Files.readAllLines(root.resolve("Dockerfile"))) {
            if (line.isBlank() || line.stripLeading().startsWith("#")) {
                continue;
            }
            String l = line.strip();
            if (l.endsWith("\\")) {
                current.append(l, 0, l.length() - 1).append(' ');
                continue;
            }
            out.add(current.append(l).toString().replaceAll("\\s+", " "));
            current.setLength(0);
        }
        return out;
    }

    @Test
    void dockerComposeAcceptsTheFile() {
        // Needs no Docker engine; .ci/run installs Debian's package, so CI cannot skip it.
        String dockerCompose = ExternalTools.require("docker-compose", "docker-compose");
        ExternalTools.Result r = ExternalTools.run(root, null, List.of(dockerCompose, "config", "-q"));
        assertThat(r.exitCode()).as(r.output()).isZero();
        ExternalTools.Result fleet =
                ExternalTools.run(root, null, List.of(dockerCompose, "--profile", "fleet", "config", "--services"));
        assertThat(fleet.exitCode()).as(fleet.output()).isZero();
        assertThat(fleet.output().lines().map(String::strip).toList())
                .as("the fleet profile adds the second node and its clients")
                .contains("gateway", "gateway-2", "clients", "clients-2");
    }
}
