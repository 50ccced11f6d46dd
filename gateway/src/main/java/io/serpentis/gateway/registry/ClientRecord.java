package io.serpentis.gateway.registry;

import io.serpentis.gateway.config.LimitsConfig;
import io.serpentis.gateway.internal.Timestamps;
import io.serpentis.gateway.internal.Utf8;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One client's state: its fields in insertion order (as Redis keeps a hash written with HSET), the connection
 * that holds its id, and a version that grows with every change.
 *
 * <p>Thread-safety: every method locks the record. Writers are the owning connection's event loop, operator
 * commands and the purge; readers (listings, the store writer, the dashboard) take {@link #snapshot()}s. The
 * lock is held for the length of one merge, never across I/O.
 */
public final class ClientRecord {
    private static final UpdateOutcome SUPERSEDED =
            UpdateOutcome.rejected("This connection was replaced by a newer connection for this client_id");

    private final String id;
    private final LinkedHashMap<String, String> fields = new LinkedHashMap<>();
    private @Nullable ClientConnection owner;
    private long lastSeenMicros;
    private long disconnectedAtMicros;
    private long version;
    /** Client-owned fields (everything but {@link ServerFields#isServerOwned}). */
    private int clientFieldCount;
    /** UTF-8 bytes of client-owned names and values. */
    private int clientFieldBytes;
    private boolean removed;

    ClientRecord(String id) {
        this.id = id;
    }

    /** The client id, exactly as the client sent it. */
    public String id() {
        return id;
    }

    /** The connection holding the id, or {@code null} while disconnected. */
    public synchronized @Nullable ClientConnection owner() {
        return owner;
    }

    /** Grows with every change. */
    public synchronized long version() {
        return version;
    }

    synchronized boolean isRemoved() {
        return removed;
    }

    /**
     * Merges {@code update} for {@code conn}. A connection that does not hold the id yet registers it (taking it
     * over from any other connection): {@code connected} and {@code connect_time} are set and a previous
     * {@code disconnect_time} / {@code status_detail} are cleared. Nothing changes when a limit would be exceeded.
     *
     * @return the outcome, or {@code null} when this record was purged meanwhile and the caller must retry
     */
    @Nullable
    UpdateOutcome apply(ClientConnection conn, StatusUpdate update, LimitsConfig limits, long nowMicros) {
        synchronized (this) {
            if (removed) {
                return null;
            }
            String error = checkLimits(update, limits);
            if (error != null) {
                return UpdateOutcome.rejected(error);
            }
            boolean registering = owner != conn;
            if (registering) {
                if (conn.isSuperseded()) {
                    return SUPERSEDED; // a late message on a connection that lost the id must not take it back
                }
                if (owner != null) {
                    owner.superseded();
                }
                owner = conn;
                fields.remove(ServerFields.DISCONNECT_TIME);
                fields.remove(ServerFields.STATUS_DETAIL);
                disconnectedAtMicros = 0;
            }
            String[] names = update.names();
            String[] values = update.values();
            for (int i = 0; i < names.length; i++) {
                String name = names[i];
                if (ServerFields.isServerOwned(name)) {
                    continue;
                }
                String old = fields.put(name, values[i]);
                if (old == null) {
                    clientFieldCount++;
                    clientFieldBytes += Utf8.length(name) + Utf8.length(values[i]);
                } else {
                    clientFieldBytes += Utf8.length(values[i]) - Utf8.length(old);
                }
            }
            if (registering) {
                fields.put(ServerFields.CONNECTED, "true");
                fields.put(ServerFields.CONNECT_TIME, Timestamps.format(nowMicros));
            }
            lastSeenMicros = nowMicros;
            version++;
            return registering ? UpdateOutcome.REGISTERED : UpdateOutcome.UPDATED;
        }
    }

    private @Nullable String checkLimits(StatusUpdate update, LimitsConfig limits) {
        int addedFields = 0;
        long bytesDelta = 0;
        String[] names = update.names();
        String[] values = update.values();
        for (int i = 0; i < names.length; i++) {
            String name = names[i];
            if (ServerFields.isServerOwned(name)) {
                continue;
            }
            String old = fields.get(name);
            if (old == null) {
                addedFields++;
                bytesDelta += Utf8.length(name) + Utf8.length(values[i]);
            } else {
                bytesDelta += Utf8.length(values[i]) - Utf8.length(old);
            }
        }
        if (clientFieldCount + addedFields > limits.maxAttributesPerClient()) {
            return "Client " + id + " would hold " + (clientFieldCount + addedFields)
                    + " attributes, more than max-attributes-per-client (" + limits.maxAttributesPerClient()
                    + "); nothing was stored";
        }
        if (clientFieldBytes + bytesDelta > limits.maxClientStatusBytes()) {
            return "Client " + id + " would hold " + (clientFieldBytes + bytesDelta)
                    + " bytes of status, more than max-client-status-bytes (" + limits.maxClientStatusBytes()
                    + "); nothing was stored";
        }
        return null;
    }

    /** Records that {@code conn}, which holds the id, sent a message (valid or not). */
    synchronized void seen(ClientConnection conn, long nowMicros) {
        if (owner == conn) {
            lastSeenMicros = nowMicros;
            version++;
        }
    }

    /**
     * Marks the client disconnected if {@code conn} still holds it.
     *
     * @return whether the record changed (false after a takeover)
     */
    synchronized boolean release(ClientConnection conn, DisconnectReason reason, long nowMicros) {
        if (owner != conn) {
            return false;
        }
        owner = null;
        if (reason.clientState() != null) {
            putServerWrittenClientField(ServerFields.CLIENT_STATE, reason.clientState());
        }
        fields.put(ServerFields.CONNECTED, "false");
        fields.put(ServerFields.DISCONNECT_TIME, Timestamps.format(nowMicros));
        fields.put(ServerFields.STATUS_DETAIL, reason.detail());
        disconnectedAtMicros = nowMicros;
        version++;
        return true;
    }

    /** Writes {@code client_state} for a command that reached {@code conn}, if it still holds the id. */
    synchronized boolean commandDelivered(ClientConnection conn, String clientState) {
        if (owner != conn) {
            return false;
        }
        putServerWrittenClientField(ServerFields.CLIENT_STATE, clientState);
        version++;
        return true;
    }

    private void putServerWrittenClientField(String name, String value) {
        String old = fields.put(name, value);
        if (old == null) {
            clientFieldCount++;
            clientFieldBytes += Utf8.length(name) + Utf8.length(value);
        } else {
            clientFieldBytes += Utf8.length(value) - Utf8.length(old);
        }
    }

    /** Marks the record removed if it was disconnected before {@code cutoffMicros}; the caller unmaps it. */
    synchronized boolean expireIfDisconnectedBefore(long cutoffMicros) {
        if (owner == null && !removed && disconnectedAtMicros != 0 && disconnectedAtMicros < cutoffMicros) {
            removed = true;
            return true;
        }
        return false;
    }

    /** Marks an empty, unowned record removed (left behind by a rejected first message). */
    synchronized boolean removeIfEmpty() {
        if (owner == null && fields.isEmpty() && !removed) {
            removed = true;
            return true;
        }
        return false;
    }

    /** A consistent copy of the record; {@code last_seen} comes last. */
    public synchronized ClientSnapshot snapshot() {
        int n = fields.size() + (lastSeenMicros != 0 ? 1 : 0);
        String[] names = new String[n];
        String[] values = new String[n];
        int i = 0;
        for (Iterator<Map.Entry<String, String>> it = fields.entrySet().iterator(); it.hasNext(); i++) {
            Map.Entry<String, String> e = it.next();
            names[i] = e.getKey();
            values[i] = e.getValue();
        }
        if (lastSeenMicros != 0) {
            names[i] = ServerFields.LAST_SEEN;
            values[i] = Timestamps.format(lastSeenMicros);
        }
        return new ClientSnapshot(id, owner != null, names, values, version);
    }

    @Override
    public String toString() {
        return "ClientRecord[" + id + "]";
    }
}
