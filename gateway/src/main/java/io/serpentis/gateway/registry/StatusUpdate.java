package io.serpentis.gateway.registry;

import java.util.Arrays;

/**
 * One validated status message: the client id and the attributes of its {@code status}, in the order sent,
 * each value as the text the gateway stores (a JSON string's content, or the JSON text of any other value).
 * Names are distinct: a message that repeats one is refused by the codec (the original kept the last value).
 *
 * @param clientId the sender's {@code client_id}
 * @param names attribute names, in the order sent
 * @param values attribute values, parallel to {@code names}
 */
public record StatusUpdate(String clientId, String[] names, String[] values) {

    private static final String[] NONE = new String[0];

    public StatusUpdate {
        if (names.length != values.length) {
            throw new IllegalArgumentException("names and values differ in length");
        }
    }

    /** A message that carries an id and no attributes. */
    public static StatusUpdate idOnly(String clientId) {
        return new StatusUpdate(clientId, NONE, NONE);
    }

    /** The number of attributes. */
    public int size() {
        return names.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StatusUpdate u
                && clientId.equals(u.clientId)
                && Arrays.equals(names, u.names)
                && Arrays.equals(values, u.values);
    }

    @Override
    public int hashCode() {
        return clientId.hashCode() * 31 + Arrays.hashCode(names);
    }

    @Override
    public String toString() {
        return "StatusUpdate[" + clientId + ", " + names.length + " attributes]";
    }
}
