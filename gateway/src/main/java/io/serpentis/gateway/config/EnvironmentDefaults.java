package io.serpentis.gateway.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.Help.Ansi.Text;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

/**
 * A command's default values: each option's environment variable when it is set, else the option's initial value,
 * which the command takes from a configuration record's {@code defaults()}. So a default is written once, in the
 * record, and an option's variable is derived from its name: with the prefix {@code GATEWAY_},
 * {@code --max-frame-bytes} reads {@code GATEWAY_MAX_FRAME_BYTES}, unless the option is listed among the
 * exceptions ({@code --port} reads {@code PORT}, the original's name). Flags still win over the environment, which
 * wins over the defaults, as picocli applies a default only to an option not given.
 *
 * <p>An environment value is taken literally: {@link #install} turns picocli's variable interpolation off for the
 * command, as picocli would otherwise expand {@code ${...}} inside a secret (or fail on a trailing <code>${</code>).
 * Such a command therefore declares {@link StandardHelpOptions} instead of {@code mixinStandardHelpOptions}, whose
 * option names are variables, and no {@code ${...}} in its descriptions. {@link #install} also shows each option's
 * variable under it in {@code --help}, after picocli's own {@code Default:} line.
 *
 * <p>A default is written as {@link #format} writes it, so {@link #install} makes the command read every
 * {@link Duration} option back with {@link DurationConverter} ({@code 250ms}, {@code 10s}, {@code 5m}): its options
 * need no converter of their own.
 */
public final class EnvironmentDefaults implements CommandLine.IDefaultValueProvider {
    private final String prefix;
    private final Map<String, String> exceptions;
    private final Map<String, String> environment;

    /**
     * @param prefix the variables' prefix, such as {@code GATEWAY_}
     * @param exceptions option name ({@code --port}) to the variable it reads instead of the derived one
     * @param environment the process environment ({@link System#getenv()}) or a test's map
     */
    public EnvironmentDefaults(String prefix, Map<String, String> exceptions, Map<String, String> environment) {
        this.prefix = prefix;
        this.exceptions = Map.copyOf(exceptions);
        this.environment = Map.copyOf(environment);
    }

    /**
     * Makes this {@code command}'s default value provider (its subcommands keep their own), turns picocli's
     * variable interpolation off for it, and, for {@code command} and the subcommands it has now, reads durations
     * with {@link DurationConverter} and names each option's variable in the help.
     */
    public CommandLine install(CommandLine command) {
        CommandSpec spec = command.getCommandSpec();
        spec.defaultValueProvider(this);
        spec.interpolateVariables(false);
        command.registerConverter(Duration.class, new DurationConverter());
        command.setHelpFactory(EnvironmentHelp::new);
        return command;
    }

    /** The variable {@code option} reads, or {@code null} for {@code --help} and {@code --version}. */
    public @Nullable String variable(OptionSpec option) {
        if (option.usageHelp() || option.versionHelp()) {
            return null;
        }
        String name = option.longestName();
        String exception = exceptions.get(name);
        if (exception != null) {
            return exception;
        }
        return prefix + name.replaceFirst("^-+", "").replace('-', '_').toUpperCase(Locale.ROOT);
    }

    /** The environment the defaults are read from. */
    public Map<String, String> environment() {
        return environment;
    }

    @Override
    public @Nullable String defaultValue(ArgSpec arg) {
        if (!(arg instanceof OptionSpec option)) {
            return null;
        }
        String variable = variable(option);
        if (variable == null) {
            return null;
        }
        String value = environment.get(variable);
        return value != null ? value : format(option.initialValue());
    }

    /**
     * {@code value} as the command line writes it: durations as {@link DurationConverter#format}, collections
     * comma-separated ({@code null} when empty), anything else by its {@code toString()} (so an enum whose command
     * line spelling differs from its name overrides {@code toString()}).
     */
    public static @Nullable String format(@Nullable Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof Duration d) {
            return DurationConverter.format(d);
        }
        if (value instanceof Collection<?> c) {
            return c.isEmpty() ? null : c.stream().map(String::valueOf).collect(Collectors.joining(","));
        }
        return value.toString();
    }

    /**
     * {@code -h}/{@code --help} and {@code -V}/{@code --version}, as {@code mixinStandardHelpOptions} declares them
     * but without variables in their names, for a command whose interpolation is off.
     */
    public static final class StandardHelpOptions {
        @Option(
                names = {"-h", "--help"},
                usageHelp = true,
                description = "Show this help message and exit.")
        boolean help;

        @Option(
                names = {"-V", "--version"},
                versionHelp = true,
                description = "Print version information and exit.")
        boolean version;
    }

    /** picocli's help, with a line naming each option's environment variable under its description. */
    private static final class EnvironmentHelp extends Help {
        EnvironmentHelp(CommandSpec spec, ColorScheme scheme) {
            super(spec, scheme);
        }

        @Override
        public IOptionRenderer createDefaultOptionRenderer() {
            IOptionRenderer standard = super.createDefaultOptionRenderer();
            return (option, labels, scheme) -> {
                Text[][] rows = standard.render(option, labels, scheme);
                String variable = option.command() != null
                                && option.command().defaultValueProvider() instanceof EnvironmentDefaults defaults
                        ? defaults.variable(option)
                        : null;
                if (variable == null || rows.length == 0) {
                    return rows;
                }
                Text[] line = new Text[rows[0].length];
                for (int i = 0; i < line.length - 1; i++) {
                    line[i] = scheme.text("");
                }
                line[line.length - 1] = scheme.text("  Env: " + variable);
                List<Text[]> all = new ArrayList<>(List.of(rows));
                all.add(line);
                return all.toArray(new Text[0][]);
            };
        }
    }
}
