package io.serpentis.gateway.registry;

import io.serpentis.gateway.config.LimitsConfig;
import io.serpentis.gateway.internal.Timestamps;
import io.serpentis.gateway.internal.Utf8;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A {@link ClientRecord}'s fields in insertion order (as Redis keeps a hash written with HSET; {@code last_seen}
 * is kept apart as a number, as it changes with every message), with the size of the client-owned ones kept
 * current so that the limits cost a length read in the common case.
 *
 * <p>Compact, because every client holds one for as long as it is known (an idle one too): names and values sit in
 * one array, in order, with no entry object per field and no hash table while a lookup can scan them (up to
 * {@value #SCAN_LIMIT} fields; beyond that, an index by name is kept beside them). Seven fields cost about 120
 * bytes this way, against 440 in a {@code LinkedHashMap}. Names are mostly shared strings (the parser's canonical
 * names, the server's constants), so a scan usually matches on identity.
 *
 * <p>Thread-safety: none of its own. It belongs to one record and is read and changed only while that record's
 * monitor is held (every caller is a {@code synchronized} method of {@link ClientRecord}).
 */
final class ClientFields {
    /** Most fields looked up by scanning; a record with more keeps an index by name as well. */
    static final int SCAN_LIMIT = 16;

    private static final String[] EMPTY = new String[0];

    /** Name {@code i} at {@code 2i}, its value at {@code 2i + 1}, in insertion order; {@code size} pairs in use. */
    private String[] entries = EMPTY;
    /** The fields held. */
    private int size;
    /** The position of every name, once there are more than {@link #SCAN_LIMIT} fields; else {@code null}. */
    private @Nullable HashMap<String, Integer> index;
    /** Client-owned fields (everything but {@link ServerFields#isServerOwned}). */
    private int clientFieldCount;
    /**
     * UTF-16 chars of client-owned names and values. UTF-8 takes at most three bytes per char, so the byte limit
     * needs an exact count only when three times this could exceed it; the common case costs a length read.
     */
    private long clientFieldChars;
    /** When the client last sent a message (epoch microseconds), or 0. */
    private long lastSeenMicros;

    long lastSeenMicros() {
        return lastSeenMicros;
    }

    /** The fields held ({@code last_seen} aside). */
    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** The name of field {@code i}, in insertion order ({@code 0 <= i < size()}). */
    String name(int i) {
        return entries[2 * i];
    }

    /** The value of field {@code i}, in insertion order ({@code 0 <= i < size()}). */
    String value(int i) {
        return entries[2 * i + 1];
    }

    /** The value of field {@code name}, or {@code null}. */
    @Nullable
    String get(String name) {
        int i = indexOf(name);
        return i < 0 ? null : value(i);
    }

    boolean containsKey(String name) {
        return indexOf(name) >= 0;
    }

    /** Makes room for {@code more} fields beyond those held, so that a registration grows the array once. */
    void reserve(int more) {
        int needed = 2 * (size + more);
        if (needed > entries.length) {
            entries = Arrays.copyOf(entries, needed);
        }
    }

    private int indexOf(String name) {
        HashMap<String, Integer> byName = index;
        if (byName != null) {
            Integer i = byName.get(name);
            return i == null ? -1 : i;
        }
        String[] e = entries;
        for (int i = 0; i < size; i++) {
            String n = e[2 * i];
            if (n == name || n.equals(name)) {
                return i;
            }
        }
        return -1;
    }

    /** Sets {@code name} to {@code value}, appended if new; returns the old value. */
    private @Nullable String put(String name, String value) {
        int i = indexOf(name);
        if (i >= 0) {
            String old = entries[2 * i + 1];
            entries[2 * i + 1] = value;
            return old;
        }
        if (2 * size == entries.length) {
            entries = Arrays.copyOf(entries, 2 * (size + Math.max(2, size / 2)));
        }
        entries[2 * size] = name;
        entries[2 * size + 1] = value;
        size++;
        if (index != null) {
            index.put(name, size - 1);
        } else if (size > SCAN_LIMIT) {
            reindex();
        }
        return null;
    }

    /** Removes field {@code name}, keeping the others in order; returns its value. */
    private @Nullable String remove(String name) {
        int i = indexOf(name);
        if (i < 0) {
            return null;
        }
        String old = entries[2 * i + 1];
        System.arraycopy(entries, 2 * i + 2, entries, 2 * i, 2 * (size - i - 1));
        size--;
        entries[2 * size] = null;
        entries[2 * size + 1] = null;
        if (index != null) {
            if (size > SCAN_LIMIT) {
                reindex();
            } else {
                index = null;
            }
        }
        return old;
    }

    private void reindex() {
        HashMap<String, Integer> byName = new HashMap<>(size * 2);
        for (int i = 0; i < size; i++) {
            byName.put(entries[2 * i], i);
        }
        index = byName;
    }

    /** The client sent a message at {@code nowMicros}: {@code last_seen} moves, for the store too. */
    void touch(long nowMicros, @Nullable StoreChanges changes) {
        lastSeenMicros = nowMicros;
        if (changes != null) {
            changes.changed(ServerFields.LAST_SEEN);
        }
    }

    /** Sets field {@code name} and marks it for the store ({@code changes}, if tracked); returns the old value. */
    @Nullable
    String set(String name, String value, @Nullable StoreChanges changes) {
        String old = put(name, value);
        if (changes != null) {
            changes.changed(name);
        }
        return old;
    }

    /** Removes field {@code name} and marks it for the store ({@code changes}, if tracked). */
    void unset(String name, @Nullable StoreChanges changes) {
        if (remove(name) != null && changes != null) {
            changes.removed(name);
        }
    }

    /** Sets client-owned field {@code name}, as {@link #set}. */
    void setClient(String name, String value, @Nullable StoreChanges changes) {
        counted(name, value, set(name, value, changes));
    }

    /** Sets the client-owned fields of {@code update}, as {@link #set}; it names server-owned ones in vain. */
    void merge(StatusUpdate update, @Nullable StoreChanges changes) {
        String[] names = update.names();
        String[] values = update.values();
        for (int i = 0; i < names.length; i++) {
            if (!ServerFields.isServerOwned(names[i])) {
                setClient(names[i], values[i], changes);
            }
        }
    }

    /** Counts client-owned field {@code name}, just set to {@code value} in place of {@code old}. */
    private void counted(String name, String value, @Nullable String old) {
        if (old == null) {
            clientFieldCount++;
            clientFieldChars += name.length() + value.length();
        } else {
            clientFieldChars += value.length() - old.length();
        }
    }

    /** Removes every field. */
    void reset() {
        entries = EMPTY;
        size = 0;
        index = null;
        clientFieldCount = 0;
        clientFieldChars = 0;
        lastSeenMicros = 0;
    }

    /**
     * Replaces the fields with {@code stored}, a hash as Redis keeps it, but for what only the store holds (version,
     * epoch, incarnation).
     */
    void load(Map<String, String> stored) {
        reset();
        reserve(stored.size());
        lastSeenMicros = Timestamps.parseMicros(stored.get(ServerFields.LAST_SEEN), 0);
        for (Map.Entry<String, String> e : stored.entrySet()) {
            String name = e.getKey();
            switch (name) {
                case ServerFields.LAST_SEEN,
                        ServerFields.GATEWAY_EPOCH,
                        ServerFields.GATEWAY_VERSION,
                        ServerFields.GATEWAY_INCARNATION -> {}
                default -> {
                    String old = put(name, e.getValue());
                    if (!ServerFields.isServerOwned(name)) {
                        counted(name, e.getValue(), old);
                    }
                }
            }
        }
    }

    /** Why merging {@code update} into client {@code id}'s fields would exceed a limit; {@code null} when not. */
    @Nullable
    String checkLimits(String id, StatusUpdate update, LimitsConfig limits) {
        int addedFields = 0;
        long charsDelta = 0;
        String[] names = update.names();
        String[] values = update.values();
        for (int i = 0; i < names.length; i++) {
            String name = names[i];
            if (ServerFields.isServerOwned(name)) {
                continue;
            }
            String old = get(name);
            if (old == null) {
                addedFields++;
                charsDelta += name.length() + values[i].length();
            } else {
                charsDelta += values[i].length() - old.length();
            }
        }
        if (clientFieldCount + addedFields > limits.maxAttributesPerClient()) {
            return "Client " + id + " would hold " + (clientFieldCount + addedFields)
                    + " attributes, more than max-attributes-per-client (" + limits.maxAttributesPerClient()
                    + "); nothing was stored";
        }
        if ((clientFieldChars + charsDelta) * 3 > limits.maxClientStatusBytes()) {
            long bytes = utf8BytesAfter(update);
            if (bytes > limits.maxClientStatusBytes()) {
                return "Client " + id + " would hold " + bytes
                        + " bytes of status, more than max-client-status-bytes (" + limits.maxClientStatusBytes()
                        + "); nothing was stored";
            }
        }
        return null;
    }

    /** The exact UTF-8 bytes of the client-owned names and values once {@code update} is merged (the rare path). */
    private long utf8BytesAfter(StatusUpdate update) {
        Map<String, String> merged = new HashMap<>(size * 2);
        for (int i = 0; i < size; i++) {
            merged.put(name(i), value(i));
        }
        String[] names = update.names();
        for (int i = 0; i < names.length; i++) {
            if (!ServerFields.isServerOwned(names[i])) {
                merged.put(names[i], update.values()[i]);
            }
        }
        long bytes = 0;
        for (Map.Entry<String, String> e : merged.entrySet()) {
            if (!ServerFields.isServerOwned(e.getKey())) {
                bytes += Utf8.length(e.getKey()) + Utf8.length(e.getValue());
            }
        }
        return bytes;
    }

    /** A copy of the fields with {@code last_seen} last (unless 0), as client {@code id}'s snapshot. */
    ClientSnapshot snapshot(String id, boolean connected, long version) {
        int n = size + (lastSeenMicros != 0 ? 1 : 0);
        String[] names = new String[n];
        String[] values = new String[n];
        for (int i = 0; i < size; i++) {
            names[i] = name(i);
            values[i] = value(i);
        }
        if (lastSeenMicros != 0) {
            names[size] = ServerFields.LAST_SEEN;
            values[size] = Timestamps.format(lastSeenMicros);
        }
        return new ClientSnapshot(id, connected, names, values, version);
    }
}
