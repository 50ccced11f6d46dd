package io.serpentis.gateway.http;

import io.serpentis.gateway.internal.JsonOutput;
import io.serpentis.gateway.registry.ClientSnapshot;
import tools.jackson.core.JsonGenerator;

/** Writes one client as the {@code /api/v1} API shows it: {@code {"client_id", "connected", "fields": {...}}}. */
final class ClientJson {
    private ClientJson() {}

    static void write(JsonGenerator g, ClientSnapshot s) {
        g.writeStartObject();
        g.writeStringProperty("client_id", s.id());
        g.writeBooleanProperty("connected", s.connected());
        g.writeName("fields");
        JsonOutput.writeFields(g, s.names(), s.values());
        g.writeEndObject();
    }
}
