package io.serpentis.gateway;

/** Entry point of the executable jar: {@code java -jar serpentis-gateway.jar [options]}. */
public final class GatewayMain {
    private GatewayMain() {}

    public static void main(String[] args) {
        int code = GatewayCommand.commandLine(System.getenv()).execute(args);
        if (code != 0) {
            System.exit(code);
        }
    }
}
