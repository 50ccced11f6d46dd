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
        return builder().build();
    }

    /** A builder that starts from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder that starts from this configuration. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Builds a {@link LimitsConfig}; {@link #build()} validates. Its initial values are the defaults. */
    public static final class Builder {
        private int maxClientIdBytes = 128;
        private int maxAttributesPerMessage = 128;
        private int maxAttributesPerClient = 256;
        private int maxAttributeNameBytes = 128;
        private int maxValueBytes = 8192;
        private int maxClientStatusBytes = 65536;

        private Builder() {}

        private Builder(LimitsConfig c) {
            maxClientIdBytes = c.maxClientIdBytes;
            maxAttributesPerMessage = c.maxAttributesPerMessage;
            maxAttributesPerClient = c.maxAttributesPerClient;
            maxAttributeNameBytes = c.maxAttributeNameBytes;
            maxValueBytes = c.maxValueBytes;
            maxClientStatusBytes = c.maxClientStatusBytes;
        }

        /** See {@link LimitsConfig#maxClientIdBytes()}. */
        public Builder maxClientIdBytes(int bytes) {
            this.maxClientIdBytes = bytes;
            return this;
        }

        /** See {@link LimitsConfig#maxAttributesPerMessage()}. */
        public Builder maxAttributesPerMessage(int attributes) {
            this.maxAttributesPerMessage = attributes;
            return this;
        }

        /** See {@link LimitsConfig#maxAttributesPerClient()}. */
        public Builder maxAttributesPerClient(int attributes) {
            this.maxAttributesPerClient = attributes;
            return this;
        }

        /** See {@link LimitsConfig#maxAttributeNameBytes()}. */
        public Builder maxAttributeNameBytes(int bytes) {
            this.maxAttributeNameBytes = bytes;
            return this;
        }

        /** See {@link LimitsConfig#maxValueBytes()}. */
        public Builder maxValueBytes(int bytes) {
            this.maxValueBytes = bytes;
            return this;
        }

        /** See {@link LimitsConfig#maxClientStatusBytes()}. */
        public Builder maxClientStatusBytes(int bytes) {
            this.maxClientStatusBytes = bytes;
            return this;
        }

        /** The validated configuration; throws {@link IllegalArgumentException} naming a bad setting. */
        public LimitsConfig build() {
            return new LimitsConfig(
                    maxClientIdBytes,
                    maxAttributesPerMessage,
                    maxAttributesPerClient,
                    maxAttributeNameBytes,
                    maxValueBytes,
                    maxClientStatusBytes);
        }
    }
}
