package io.serpentis.gateway.simulate;

import io.serpentis.gateway.config.DurationConverter;
import io.serpentis.gateway.logging.LogFormat;
import java.net.URI;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code java -jar serpentis-gateway.jar simulate}: simulated clients for demos, compose and screenshots. Every
 * option has an environment variable behind it ({@code SIMULATE_*}), as the gateway's own options do.
 */
@Command(
        name = "simulate",
        mixinStandardHelpOptions = true,
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

    @Option(names = "--url", defaultValue = "${env:SIMULATE_URL:-ws://127.0.0.1:8000/ws}",
            description = "The gateway's WebSocket endpoint. Env: SIMULATE_URL.")
    URI url;

    @Option(names = "--clients", defaultValue = "${env:SIMULATE_CLIENTS:-10}",
            description = "How many clients to simulate. Env: SIMULATE_CLIENTS.")
    int clients;

    @Option(names = "--interval", defaultValue = "${env:SIMULATE_INTERVAL:-10s}", converter = DurationConverter.class,
            description = "Time between two status updates of a client (the reference client's is 10s). "
                    + "Env: SIMULATE_INTERVAL.")
    Duration interval;

    @Option(names = "--id-prefix", defaultValue = "${env:SIMULATE_ID_PREFIX}",
            description = "Client ids are this prefix and a number; default sim-<4 random hex digits>- (so that two "
                    + "simulators do not take each other's ids over). Env: SIMULATE_ID_PREFIX.")
    @Nullable String idPrefix;

    @Option(names = "--max-connecting", defaultValue = "${env:SIMULATE_MAX_CONNECTING:-32}",
            description = "Most WebSocket handshakes in flight at once. Env: SIMULATE_MAX_CONNECTING.")
    int maxConnecting;

    @Option(names = "--reconnect-min-delay", defaultValue = "${env:SIMULATE_RECONNECT_MIN_DELAY:-500ms}",
            converter = DurationConverter.class,
            description = "First delay before reconnecting; it doubles per failed attempt, with jitter. "
                    + "Env: SIMULATE_RECONNECT_MIN_DELAY.")
    Duration reconnectMinDelay;

    @Option(names = "--reconnect-max-delay", defaultValue = "${env:SIMULATE_RECONNECT_MAX_DELAY:-30s}",
            converter = DurationConverter.class,
            description = "Upper bound of the reconnect delay. Env: SIMULATE_RECONNECT_MAX_DELAY.")
    Duration reconnectMaxDelay;

    @Option(names = "--duration", defaultValue = "${env:SIMULATE_DURATION:-0s}", converter = DurationConverter.class,
            description = "Stop after this long; 0 = run until stopped. Env: SIMULATE_DURATION.")
    Duration duration;

    @Option(names = "--report-interval", defaultValue = "${env:SIMULATE_REPORT_INTERVAL:-10s}",
            converter = DurationConverter.class,
            description = "Log a summary line this often; 0 = never. Env: SIMULATE_REPORT_INTERVAL.")
    Duration reportInterval;

    @Option(names = "--log-format", defaultValue = "${env:GATEWAY_LOG_FORMAT:-text}",
            converter = LogFormat.Converter.class,
            description = "Log lines as readable text (text) or as one JSON object per line (json). "
                    + "Env: GATEWAY_LOG_FORMAT.")
    LogFormat logFormat;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The validated settings; throws {@link IllegalArgumentException} naming a bad option. */
    SimulatorSettings toSettings() {
        String prefix = idPrefix != null && !idPrefix.isBlank() ? idPrefix
                : "sim-" + HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt()) + "-";
        return new SimulatorSettings(url, clients, interval, prefix, maxConnecting, reconnectMinDelay,
                reconnectMaxDelay, reportInterval);
    }

    @Override
    public Integer call() throws Exception {
        logFormat.apply();
        SimulatorSettings settings;
        try {
            settings = toSettings();
            if (duration.isNegative()) {
                throw new IllegalArgumentException("duration must not be negative, was " + duration);
            }
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("Invalid configuration: " + e.getMessage());
            return 2;
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
