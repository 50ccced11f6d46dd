package io.serpentis.gateway.simulate;

import static org.assertj.core.api.Assertions.assertThat;

import io.serpentis.gateway.GatewayCommand;
import io.serpentis.gateway.config.EnvironmentDefaults;
import io.serpentis.gateway.logging.LogFormat;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

class SimulateCommandTest {

    /** The {@code simulate} subcommand as the gateway's command line builds it, reading {@code environment}. */
    private static CommandLine simulate(Map<String, String> environment) {
        return GatewayCommand.commandLine(environment).getSubcommands().get("simulate");
    }

    /** Parses {@code simulate args} as {@code java -jar serpentis-gateway.jar simulate args} does. */
    private static SimulateCommand parse(Map<String, String> environment, String... args) {
        CommandLine gateway = GatewayCommand.commandLine(environment);
        gateway.parseArgs(Stream.concat(Stream.of("simulate"), Stream.of(args)).toArray(String[]::new));
        return gateway.getSubcommands().get("simulate").getCommand();
    }

    @Test
    void theDefaultsAreTheSettingsDefaultsAimedAtAGatewayWithItsDefaults() {
        SimulateCommand command = parse(Map.of());
        SimulatorSettings settings = command.toSettings();
        assertThat(settings.toBuilder().idPrefix("p-").build())
                .isEqualTo(
                        SimulatorSettings.defaults().toBuilder().idPrefix("p-").build());
        assertThat(settings.url()).isEqualTo(URI.create("ws://127.0.0.1:8000/ws"));
        assertThat(settings.idPrefix()).matches("sim-[0-9a-f]{4}-");
        assertThat(command.duration).isEqualTo(Duration.ZERO);
        assertThat(command.logFormat.format()).isEqualTo(LogFormat.TEXT);
    }

    @Test
    void readsSimulateVariablesAndTheGatewaysLogFormatAndFlagsWin() {
        Map<String, String> env = Map.of(
                "SIMULATE_URL",
                "ws://gateway:8000/ws",
                "SIMULATE_CLIENTS",
                "7",
                "SIMULATE_RECONNECT_MIN_DELAY",
                "1s",
                "SIMULATE_ID_PREFIX",
                "box-",
                "GATEWAY_LOG_FORMAT",
                "json");
        SimulateCommand command = parse(env);
        SimulatorSettings settings = command.toSettings();
        assertThat(settings.url()).isEqualTo(URI.create("ws://gateway:8000/ws"));
        assertThat(settings.clients()).isEqualTo(7);
        assertThat(settings.reconnectMinDelay()).isEqualTo(Duration.ofSeconds(1));
        assertThat(settings.idPrefix()).isEqualTo("box-");
        assertThat(command.logFormat.format()).isEqualTo(LogFormat.JSON);

        assertThat(parse(env, "--clients", "3", "--log-format", "text")
                        .toSettings()
                        .clients())
                .isEqualTo(3);
        assertThat(parse(env, "--log-format", "text").logFormat.format()).isEqualTo(LogFormat.TEXT);
    }

    @Test
    void everyOptionHasASimulateVariableShownInItsHelp() {
        CommandLine simulate = simulate(Map.of());
        EnvironmentDefaults defaults =
                (EnvironmentDefaults) simulate.getCommandSpec().defaultValueProvider();
        StringWriter help = new StringWriter();
        simulate.usage(new PrintWriter(help));
        for (OptionSpec option : simulate.getCommandSpec().options()) {
            if (option.usageHelp() || option.versionHelp()) {
                assertThat(defaults.variable(option)).isNull();
                continue;
            }
            String expected = option.longestName().equals("--log-format")
                    ? "GATEWAY_LOG_FORMAT"
                    : "SIMULATE_"
                            + option.longestName()
                                    .substring(2)
                                    .replace('-', '_')
                                    .toUpperCase();
            assertThat(defaults.variable(option)).isEqualTo(expected);
            assertThat(help.toString()).contains("Env: " + expected);
        }
        assertThat(help.toString())
                .contains("Default: ws://127.0.0.1:8000/ws")
                .contains("Default: 500ms")
                .contains("Default: 0s")
                .contains("-h, --help");
    }
}
