package io.serpentis.gateway.config;

import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Model.CommandSpec;

/** The first step of every command's {@code call()}: build its validated settings, or say why they are invalid. */
public final class CommandConfigs {
    /** The exit code of a command whose settings are invalid. */
    public static final int INVALID = 2;

    private CommandConfigs() {}

    /**
     * {@code settings.get()}, or {@code null} after printing {@code Invalid configuration: <reason>} to the command's
     * error stream when it throws {@link IllegalArgumentException} (a validated record's constructor naming the
     * setting); the caller then returns {@link #INVALID}.
     */
    public static <T> @Nullable T validated(CommandSpec spec, Supplier<T> settings) {
        try {
            return settings.get();
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("Invalid configuration: " + e.getMessage());
            return null;
        }
    }
}
