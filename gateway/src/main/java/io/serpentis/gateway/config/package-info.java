/**
 * The gateway's configuration: immutable records validated on construction. Defaults live in each record's
 * {@code defaults()} and nowhere else; only {@code GatewayCommand} reads flags and the environment.
 */
@NullMarked
package io.serpentis.gateway.config;

import org.jspecify.annotations.NullMarked;
