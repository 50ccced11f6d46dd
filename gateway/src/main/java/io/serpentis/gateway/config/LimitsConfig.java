package io.serpentis.gateway.config;

/**
 * Limits on what a client may store. A message over any limit is answered with {@code {"error": ...}} naming
 * the limit, nothing of it is stored, and the connection stays open. All sizes are UTF-8 bytes.
 *
 * @param maxClientIdBytes longest {@code client_id}; default 128
 * @param maxAttributesPerMessage most attributes in one message's {@code status}; default 128
 * @param maxAttributesPerClient most attributes one client may hold in total; default 256
 * @param maxAttributeNameBytes longest attribute name; default 128
 * @param maxValueBytes longest attribute value (its JSON text); default 8192
 * @param maxClientStatusBytes most bytes of names and values one client may hold in total; default 65536
 */
public record LimitsConfig(
        int maxClientIdBytes,
        int maxAttributesPerMessage,
        int maxAttributesPerClient,
        int maxAttributeNameBytes,
        int maxValueBytes,
        int maxClientStatusBytes) {

    public LimitsConfig {
        Checks.range(maxClientIdBytes, 1, 4096, "max-client-id-bytes");
        Checks.range(maxAttributesPerMessage, 1, 100_000, "max-attributes-per-message");
        Checks.range(maxAttributesPerClient, 1, 100_000, "max-attributes-per-client");
        Checks.range(maxAttributeNameBytes, 1, 65536, "max-attribute-name-bytes");
        Checks.range(maxValueBytes, 1, 16 * 1024 * 1024, "max-value-bytes");
        Checks.range(maxClientStatusBytes, 1, 64 * 1024 * 1024, "max-client-status-bytes");
    }

    /** The defaults: ids up to 128 bytes, 128 attributes a message, 256 a client, 8 KiB values, 64 KiB a client. */
    public static LimitsConfig defaults() {
        return new LimitsConfig(128, 128, 256, 128, 8192, 65536);
    }
}
