package io.serpentis.gateway.config;

import java.time.Duration;

/** Validation helpers for the configuration records; every message names the setting as the CLI spells it. */
final class Checks {
    private Checks() {}

    static int positive(int value, String setting) {
        if (value <= 0) {
            throw new IllegalArgumentException(setting + " must be greater than 0, was " + value);
        }
        return value;
    }

    static int range(int value, int min, int max, String setting) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(setting + " must be between " + min + " and " + max + ", was " + value);
        }
        return value;
    }

    static Duration positive(Duration value, String setting) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(setting + " must be a positive duration, was " + value);
        }
        return value;
    }

    static Duration notNegative(Duration value, String setting) {
        if (value == null || value.isNegative()) {
            throw new IllegalArgumentException(setting + " must not be negative, was " + value);
        }
        return value;
    }

    static <T> T notNull(T value, String setting) {
        if (value == null) {
            throw new IllegalArgumentException(setting + " must be set");
        }
        return value;
    }
}
