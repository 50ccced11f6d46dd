package io.serpentis.gateway.logging;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import ch.qos.logback.core.joran.util.ConfigurationWatchListUtil;
import java.net.URL;
import java.util.Locale;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * How log lines look: {@link #TEXT}, readable lines (the default), or {@link #JSON}, one JSON object per line
 * written by logstash-logback-encoder. The bundled {@code logback.xml} declares one console appender per format
 * and picks the one named by the context property {@value #PROPERTY}; {@link #apply()} reloads that same
 * configuration with the property set, so the choice made on the command line takes effect before the gateway
 * logs its first line.
 */
public enum LogFormat {
    /** {@code 2026-11-28T17:45:15.362+00:00 INFO  [gateway-io-3-1] i.s.g.w.WsSession - [1a2b3c4d worker-1] ...} */
    TEXT,
    /** {@code {"@timestamp":"...","message":"...","logger_name":"...","level":"INFO","channel_id":"1a2b3c4d",...}} */
    JSON;

    /** The logback context property naming the appender to use ({@code text} or {@code json}). */
    public static final String PROPERTY = "serpentis.logFormat";

    /** Its name in {@code logback.xml} and on the command line. */
    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The command-line spelling, {@link #tag()}, which {@code --help} shows as the default. */
    @Override
    public String toString() {
        return tag();
    }

    /**
     * Switches logback to this format by reloading its configuration file, unless it is in use already or logback
     * is not the backend (then nothing changes).
     */
    public void apply() {
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        if (!(factory instanceof LoggerContext context)) {
            return;
        }
        String current = context.getProperty(PROPERTY);
        if (tag().equals(current == null ? TEXT.tag() : current)) {
            return;
        }
        URL config = ConfigurationWatchListUtil.getMainWatchURL(context);
        if (config == null) {
            config = LogFormat.class.getClassLoader().getResource("logback.xml");
        }
        if (config == null) {
            return;
        }
        context.reset();
        context.putProperty(PROPERTY, tag());
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        try {
            configurator.doConfigure(config);
        } catch (JoranException e) {
            throw new IllegalStateException("cannot configure logging from " + config, e);
        }
    }

    /** Parses {@code text} or {@code json}, in any case. */
    public static LogFormat parse(String value) {
        for (LogFormat f : values()) {
            if (f.tag().equalsIgnoreCase(value.trim())) {
                return f;
            }
        }
        throw new IllegalArgumentException("log format must be text or json, was '" + value + "'");
    }

    /** picocli's converter for {@code --log-format}. */
    public static final class Converter implements CommandLine.ITypeConverter<LogFormat> {
        @Override
        public LogFormat convert(String value) {
            try {
                return parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
