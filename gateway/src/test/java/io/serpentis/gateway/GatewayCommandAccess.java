package io.serpentis.gateway;

import io.serpentis.gateway.config.GatewayConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** Test access to the package-private parts of {@link GatewayCommand}. */
public final class GatewayCommandAccess {
    private GatewayCommandAccess() {}

    /** Parses {@code args} into a configuration; conversion or validation errors propagate. */
    public static GatewayConfig parse(String... args) {
        GatewayCommand command = new GatewayCommand();
        CommandLine cl = new CommandLine(command);
        try {
            cl.parseArgs(args);
        } catch (CommandLine.ParameterException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        return command.toConfig();
    }

    /** Runs the command's validation path without starting a server when the config is invalid. */
    public static int run(PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new GatewayCommand());
        cl.setErr(err);
        return cl.execute(args);
    }

    /** The {@code --help} text. */
    public static String usage() {
        StringWriter out = new StringWriter();
        new CommandLine(new GatewayCommand()).usage(new PrintWriter(out));
        return out.toString();
    }
}
