package io.serpentis.gateway;

import picocli.CommandLine;

/** Entry point of the executable jar: {@code java -jar serpentis-gateway.jar [options]}. */
public final class GatewayMain {
    private GatewayMain() {}

    public static void main(String[] args) {
        int code = new CommandLine(new GatewayCommand()).execute(args);
        if (code != 0) {
            System.exit(code);
        }
    }
}
