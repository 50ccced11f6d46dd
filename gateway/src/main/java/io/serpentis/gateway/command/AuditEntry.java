package io.serpentis.gateway.command;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * One operator action, as the audit trail keeps it.
 *
 * @param id its place in the trail, {@code <epoch ms>-<sequence>} as Redis Streams number entries (newer entries
 *     have greater ids); empty until the trail assigns it
 * @param timeMillis when (epoch ms)
 * @param actor who: {@code admin-token}, or {@code loopback <peer address>} without a token
 * @param action what: the command ({@code pause}, {@code resume}, {@code disconnect}), or {@code bulk_<command>}
 * @param target the client id, or for a bulk command its filter and limit
 * @param commandId the command's id (a single command's), or {@code null}
 * @param node the gateway node that took the request
 * @param outcome what came of it: the receipt's state ({@code delivered}, {@code failed: not_connected}), or for a
 *     bulk command the counts
 */
public record AuditEntry(
        String id,
        long timeMillis,
        String actor,
        String action,
        String target,
        @Nullable String commandId,
        String node,
        String outcome) {

    /** An entry id, as a cursor must be. */
    static final Pattern ID = Pattern.compile("\\d{1,19}-\\d{1,19}");

    /** This entry with id {@code newId}. */
    AuditEntry withId(String newId) {
        return new AuditEntry(newId, timeMillis, actor, action, target, commandId, node, outcome);
    }

    /** The entry as the API shows it, keys in a fixed order. */
    public Map<String, @Nullable Object> toJson() {
        Map<String, @Nullable Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("time", CommandReceipt.formatMillis(timeMillis));
        m.put("actor", actor);
        m.put("action", action);
        m.put("target", target);
        m.put("command_id", commandId);
        m.put("node", node);
        m.put("outcome", outcome);
        return m;
    }

    /** The entry's fields as a stream entry keeps them (the id is the stream's). */
    Map<String, String> toFields() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("time", Long.toString(timeMillis));
        m.put("actor", actor);
        m.put("action", action);
        m.put("target", target);
        if (commandId != null) {
            m.put("command_id", commandId);
        }
        m.put("node", node);
        m.put("outcome", outcome);
        return m;
    }

    /** The entry {@code id} from a stream entry's fields. */
    static AuditEntry fromFields(String id, Map<String, String> f) {
        long time;
        try {
            time = Long.parseLong(f.getOrDefault("time", "0"));
        } catch (NumberFormatException e) {
            time = 0;
        }
        return new AuditEntry(
                id,
                time,
                f.getOrDefault("actor", ""),
                f.getOrDefault("action", ""),
                f.getOrDefault("target", ""),
                f.get("command_id"),
                f.getOrDefault("node", ""),
                f.getOrDefault("outcome", ""));
    }

    /** Orders entry ids as Redis does: by time, then sequence. */
    static int compareIds(String a, String b) {
        int da = a.indexOf('-');
        int db = b.indexOf('-');
        int c = Long.compare(Long.parseLong(a.substring(0, da)), Long.parseLong(b.substring(0, db)));
        return c != 0 ? c : Long.compare(Long.parseLong(a.substring(da + 1)), Long.parseLong(b.substring(db + 1)));
    }
}
