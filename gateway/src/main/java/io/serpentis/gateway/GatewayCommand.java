package io.serpentis.gateway;

import io.serpentis.gateway.config.CommandConfigs;
import io.serpentis.gateway.config.EnvironmentDefaults;
import io.serpentis.gateway.config.GatewayConfig;
import io.serpentis.gateway.config.MetricsConfig;
import io.serpentis.gateway.fleet.FleetJoinException;
import io.serpentis.gateway.logging.LogFormatOption;
import io.serpentis.gateway.simulate.SimulateCommand;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The command line: every setting as a flag with an environment variable behind it ({@code HOST}, {@code PORT},
 * {@code REDIS_URL} as the original names them; {@code GATEWAY_<OPTION>} for the rest). Flags win over the
 * environment, which wins over the defaults. Each option's field starts at its record's default, and
 * {@link EnvironmentDefaults} derives its variable from its name, so a default is written only in the record and a
 * variable's name nowhere. Values are read once into a validated {@link GatewayConfig}; a bad value stops start-up
 * with a message naming the setting. This class is the only reader of the environment: {@link GatewayMain} hands it
 * {@link System#getenv()}, and it also looks up the host name for the default node id.
 *
 * <p>The options are picocli mixins by subject ({@link GatewayOptions}, {@link SecurityOptions}), each building its
 * own record; their order here is the order of {@code --help}.
 */
@Command(
        name = "serpentis-gateway",
        versionProvider = GatewayCommand.Version.class,
        showDefaultValues = true,
        sortOptions = false,
        usageHelpWidth = 120,
        description = "Collegium Serpentis: a real-time client presence and status gateway.%n"
                + "Every option can also be set with the environment variable named under it.",
        footer = "%nDurations: 250ms, 10s, 5m, 1h or ISO-8601 (PT10S). Sizes are bytes.",
        subcommands = {SimulateCommand.class, HealthcheckCommand.class})
public final class GatewayCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(GatewayCommand.class);

    /** The options whose variables keep the original's names instead of {@code GATEWAY_<OPTION>}. */
    static final Map<String, String> ORIGINAL_VARIABLES = Map.of(
            "--host", "HOST",
            "--port", "PORT",
            "--redis-url", "REDIS_URL");

    // Options by subject, in the order --help lists them.
    @Mixin
    GatewayOptions.Server server;

    @Mixin
    GatewayOptions.Ws ws;

    @Mixin
    GatewayOptions.Limits limits;

    @Mixin
    GatewayOptions.Registry registry;

    @Mixin
    GatewayOptions.Http http;

    @Mixin
    GatewayOptions.Redis redis;

    @Mixin
    GatewayOptions.Fleet fleet;

    @Mixin
    SecurityOptions.Access access;

    @Mixin
    GatewayOptions.Feed feed;

    @Mixin
    GatewayOptions.Operations operations;

    @Option(
            names = "--metrics-port",
            description = "Serve /metrics (and /livez) on this separate port instead of the main one; 0 = on the "
                    + "main port.")
    int metricsPort = GatewayConfig.defaults().metrics().port();

    @Mixin
    LogFormatOption logFormat;

    @Mixin
    SecurityOptions.ClientAuth clientAuth;

    @Mixin
    SecurityOptions.ConnectionLimits connections;

    @Mixin
    EnvironmentDefaults.StandardHelpOptions helpOptions;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final Map<String, String> environment;

    private GatewayCommand(Map<String, String> environment) {
        this.environment = environment;
    }

    /**
     * The command line of the gateway and its subcommands, reading defaults from {@code environment}
     * ({@link System#getenv()}, or a test's map): {@code --max-frame-bytes} from {@code GATEWAY_MAX_FRAME_BYTES},
     * {@code --host}, {@code --port} and {@code --redis-url} from {@link #ORIGINAL_VARIABLES}.
     */
    public static CommandLine commandLine(Map<String, String> environment) {
        CommandLine command = new CommandLine(new GatewayCommand(environment));
        new EnvironmentDefaults("GATEWAY_", ORIGINAL_VARIABLES, environment).install(command);
        SimulateCommand.environmentDefaults(environment)
                .install(Objects.requireNonNull(command.getSubcommands().get("simulate")));
        return command;
    }

    /** Builds the validated configuration; throws {@link IllegalArgumentException} naming a bad setting. */
    GatewayConfig toConfig() {
        return new GatewayConfig(
                server.config(this::hostName),
                http.config(),
                ws.config(),
                limits.config(),
                registry.config(),
                access.security()
                        .clientAuth(clientAuth.config())
                        .connections(connections.config())
                        .build(),
                redis.config(),
                feed.config(),
                new MetricsConfig(metricsPort),
                fleet.config(),
                operations.config());
    }

    /** This machine's name: {@code HOSTNAME} (set in containers), else the name the resolver gives it. */
    private String hostName() {
        String name = environment.get("HOSTNAME");
        if (name != null && !name.isBlank()) {
            return name;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "gateway";
        }
    }

    @Override
    public Integer call() throws Exception {
        logFormat.apply();
        GatewayConfig config = CommandConfigs.validated(spec, this::toConfig);
        if (config == null) {
            return CommandConfigs.INVALID;
        }
        log.info("Effective configuration: {}", config);
        GatewayServer server = new GatewayServer(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            log.info("Shutting down");
                            server.close();
                            stopped.countDown();
                        },
                        "gateway-shutdown"));
        try {
            server.start();
        } catch (Exception e) {
            // A refused join says what to do in its message; anything else is shown with its type.
            log.error("Cannot start: {}", e instanceof FleetJoinException ? e.getMessage() : e.toString());
            server.close();
            return 1;
        }
        stopped.await();
        return 0;
    }

    /** Prints the build version from the jar manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = GatewayCommand.class.getPackage().getImplementationVersion();
            return new String[] {"serpentis-gateway " + (v != null ? v : "(development build)")};
        }
    }
}
