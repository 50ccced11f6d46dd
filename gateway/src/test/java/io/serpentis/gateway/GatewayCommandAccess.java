package io.serpentis.gateway;

import io.serpentis.gateway.config.GatewayConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import picocli.CommandLine;

/**
 * Test access to the package-private parts of {@link GatewayCommand}. Every method reads an empty environment
 * unless given one, so that the variables of the test JVM change nothing.
 */
public final class GatewayCommandAccess {
    /** A fixed host name, so that the default node id needs no lookup. */
    public static final Map<String, String> NO_ENVIRONMENT = Map.of("HOSTNAME", "test-host");

    private GatewayCommandAccess() {}

    /** Parses {@code args} into a configuration; conversion or validation errors propagate. */
    public static GatewayConfig parse(String... args) {
        return parse(NO_ENVIRONMENT, args);
    }

    /** Parses {@code args} with {@code environment} behind them; conversion or validation errors propagate. */
    public static GatewayConfig parse(Map<String, String> environment, String... args) {
        CommandLine cl = GatewayCommand.commandLine(environment);
        try {
            cl.parseArgs(args);
        } catch (CommandLine.ParameterException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        return cl.<GatewayCommand>getCommand().toConfig();
    }

    /** Runs the command's validation path without starting a server when the config is invalid. */
    public static int run(PrintWriter err, String... args) {
        CommandLine cl = GatewayCommand.commandLine(NO_ENVIRONMENT);
        cl.setErr(err);
        return cl.execute(args);
    }

    /** The {@code --help} text. */
    public static String usage() {
        return usage(NO_ENVIRONMENT);
    }

    /** The {@code --help} text with {@code environment} behind the defaults. */
    public static String usage(Map<String, String> environment) {
        StringWriter out = new StringWriter();
        GatewayCommand.commandLine(environment).usage(new PrintWriter(out));
        return out.toString();
    }
}
