package io.serpentis.gateway.logging;

import picocli.CommandLine.Option;

/**
 * {@code --log-format}: a picocli mixin, so that the gateway and {@code simulate} declare it once. Both read it
 * from {@value #VARIABLE}, so that one setting serves every container of a deployment.
 */
public final class LogFormatOption {
    /** The environment variable behind {@code --log-format}, in every command. */
    public static final String VARIABLE = "GATEWAY_LOG_FORMAT";

    @Option(
            names = "--log-format",
            converter = LogFormat.Converter.class,
            description = "Log lines as readable text (text) or as one JSON object per line (json).")
    LogFormat logFormat = LogFormat.TEXT;

    /** The chosen format; {@link LogFormat#TEXT} by default. */
    public LogFormat format() {
        return logFormat;
    }

    /** Switches logging to the chosen format (see {@link LogFormat#apply()}). */
    public void apply() {
        logFormat.apply();
    }
}
