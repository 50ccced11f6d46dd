package io.serpentis.gateway.logging;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import java.util.Map;

/**
 * logback's {@code %connection} for readable lines: {@code [<channel id> <client id>] } when the line is about a
 * connection ({@link ConnectionLog}), nothing otherwise. Control characters in a client id are escaped, so an id
 * cannot forge log lines, and so are invisible format characters (bidi overrides, zero-width characters: Unicode
 * category Cf), so an id cannot pass for another one in a log viewer.
 */
public final class ConnectionConverter extends ClassicConverter {

    @Override
    public String convert(ILoggingEvent event) {
        Map<String, String> mdc = event.getMDCPropertyMap();
        String channel = mdc.get(ConnectionLog.CHANNEL_ID);
        if (channel == null) {
            return "";
        }
        String client = mdc.get(ConnectionLog.CLIENT_ID);
        StringBuilder b = new StringBuilder(16 + (client == null ? 0 : client.length()))
                .append('[')
                .append(channel);
        if (client != null) {
            LogText.append(b.append(' '), client);
        }
        return b.append("] ").toString();
    }
}
