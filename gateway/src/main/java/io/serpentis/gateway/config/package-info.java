/**
 * The gateway's configuration: immutable records validated on construction. Each default is written once, in its
 * record: in {@code defaults()}, or, for a record of more than about six components, as the initial value of its
 * {@code Builder} (which {@code defaults()} builds). The command line's options start from those defaults and
 * {@link io.serpentis.gateway.config.EnvironmentDefaults} derives their variables' names; only
 * {@code GatewayCommand} reads flags and the environment.
 */
@NullMarked
package io.serpentis.gateway.config;

import org.jspecify.annotations.NullMarked;
