package io.serpentis.gateway.simulate;

import io.serpentis.gateway.config.CommandConfigs;
import io.serpentis.gateway.config.EnvironmentDefaults;
import io.serpentis.gateway.logging.LogFormatOption;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code java -jar serpentis-gateway.jar simulate}: simulated clients for demos, compose and screenshots. Every
 * option has an environment variable behind it ({@code SIMULATE_<OPTION>}, see {@link #environmentDefaults}), as
 * the gateway's own options do; the defaults are {@link SimulatorSettings#defaults()}.
 */
@Command(
        name = "simulate",
        showDefaultValues = true,
        sortOptions = false,
        usageHelpWidth = 120,
        description = "Runs simulated clients against a gateway. Each behaves like the original's reference client: "
                + "it registers, sends client_state, cpu_usage, memory_usage and timestamp every interval (none while "
                + "paused), acknowledges pause, resume and disconnect as the reference client does, leaves for good "
                + "on disconnect, and reconnects with jittered exponential backoff when its connection is lost. "
                + "Runs until every client was disconnected, the duration is over, or it is stopped (SIGTERM).",
        footer = "%nDurations: 250ms, 10s, 5m, 1h or ISO-8601 (PT10S).")
public final class SimulateCommand implements Callable<Integer> {
    /** Where every option's default comes from: each field below starts at its default. */
    private static final SimulatorSettings DEFAULTS = SimulatorSettings.defaults();

    @Option(names = "--url", description = "The gateway's WebSocket endpoint.")
    URI url = DEFAULTS.url();

    @Option(names = "--clients", description = "How many clients to simulate.")
    int clients = DEFAULTS.clients();

    @Option(
            names = "--interval",
            description = "Time between two status updates of a client (the reference client's is 10s).")
    Duration interval = DEFAULTS.interval();

    @Option(
            names = "--id-prefix",
            description = "Client ids are this prefix and a number; default sim-<4 random hex digits>- (so that two "
                    + "simulators do not take each other's ids over).")
    @Nullable
    String idPrefix;

    @Option(names = "--max-connecting", description = "Most WebSocket handshakes in flight at once.")
    int maxConnecting = DEFAULTS.maxConnecting();

    @Option(
            names = "--reconnect-min-delay",
            description = "First delay before reconnecting; it doubles per failed attempt, with jitter.")
    Duration reconnectMinDelay = DEFAULTS.reconnectMinDelay();

    @Option(names = "--reconnect-max-delay", description = "Upper bound of the reconnect delay.")
    Duration reconnectMaxDelay = DEFAULTS.reconnectMaxDelay();

    @Option(names = "--duration", description = "Stop after this long; 0 = run until stopped.")
    Duration duration = Duration.ZERO;

    @Option(names = "--report-interval", description = "Log a summary line this often; 0 = never.")
    Duration reportInterval = DEFAULTS.reportInterval();

    @Mixin
    LogFormatOption logFormat;

    @Mixin
    EnvironmentDefaults.StandardHelpOptions helpOptions;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /**
     * The defaults of this command's options: {@code SIMULATE_<OPTION>} from {@code environment}, except
     * {@code --log-format}, which reads the gateway's {@value LogFormatOption#VARIABLE}.
     */
    public static EnvironmentDefaults environmentDefaults(Map<String, String> environment) {
        return new EnvironmentDefaults("SIMULATE_", Map.of("--log-format", LogFormatOption.VARIABLE), environment);
    }

    /** The validated settings; throws {@link IllegalArgumentException} naming a bad option. */
    SimulatorSettings toSettings() {
        SimulatorSettings.Builder settings = SimulatorSettings.builder()
                .url(url)
                .clients(clients)
                .interval(interval)
                .maxConnecting(maxConnecting)
                .reconnectMinDelay(reconnectMinDelay)
                .reconnectMaxDelay(reconnectMaxDelay)
                .reportInterval(reportInterval);
        if (idPrefix != null && !idPrefix.isBlank()) {
            settings.idPrefix(idPrefix);
        }
        if (duration.isNegative()) {
            throw new IllegalArgumentException("duration must not be negative, was " + duration);
        }
        return settings.build();
    }

    @Override
    public Integer call() throws Exception {
        logFormat.apply();
        SimulatorSettings settings = CommandConfigs.validated(spec, this::toSettings);
        if (settings == null) {
            return CommandConfigs.INVALID;
        }
        Simulator simulator = new Simulator(settings);
        Thread hook = new Thread(simulator::close, "simulate-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        simulator.start();
        Duration wait = duration.isZero() ? Duration.ofDays(3650) : duration;
        simulator.awaitAllStopped(wait);
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            return 0; // SIGTERM: the hook is closing the simulator
        }
        simulator.close();
        return 0;
    }
}
