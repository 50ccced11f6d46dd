package io.serpentis.gateway.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ClientFilterTest {
    private static final String SHAPE = "expected <attribute><op><value> with op one of ==, !=, >, >=, <, <=, ~";

    /** worker-7: running at 90.0% CPU, connected through gw-1. */
    private static final ClientSnapshot WORKER = new ClientSnapshot(
            "worker-7",
            true,
            new String[] {
                "client_state", "cpu_usage", "label", "connected", "connect_time", "gateway_node", "empty", "last_seen"
            },
            new String[] {
                "running",
                "90.0",
                "Build 🐍 host",
                "true",
                "2026-11-28T17:45:15.362341+00:00",
                "gw-1:8000",
                "",
                "2026-11-28T17:45:20.001234+00:00"
            },
            1);

    /** A client that left: only the server's fields. */
    private static final ClientSnapshot GONE = new ClientSnapshot(
            "gone-1",
            false,
            new String[] {"connected", "disconnect_time", "status_detail"},
            new String[] {"false", "2026-11-28T18:00:00.000000+00:00", "Disconnected by client"},
            2);

    private static boolean matches(ClientSnapshot client, String... expressions) {
        return ClientFilter.parse(List.of(expressions)).test(client);
    }

    private static String error(String... expressions) {
        try {
            ClientFilter.parse(List.of(expressions));
        } catch (ClientFilter.InvalidExpressionException e) {
            return e.getMessage();
        }
        throw new AssertionError("parsed: " + List.of(expressions));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            # every operator on a number: numeric comparison, 90.0 == 90
            cpu_usage==90    | true
            cpu_usage==90.00 | true
            cpu_usage==9e1   | true
            cpu_usage!=90    | false
            cpu_usage!=89.9  | true
            cpu_usage>89.99  | true
            cpu_usage>90     | false
            cpu_usage>=90    | true
            cpu_usage>=90.01 | false
            cpu_usage<100    | true
            cpu_usage<90     | false
            cpu_usage<=90    | true
            cpu_usage<=-1    | false
            cpu_usage~90     | true
            cpu_usage~.0     | true
            cpu_usage~90.00  | false
            # numeric, not text: as text, '90.0' > '100' and '90.0' < '9e1'
            cpu_usage>100    | false
            cpu_usage<9e1    | false
            # text: exact equality, code-point order, case-sensitive substring
            client_state==running | true
            client_state==Running | false
            client_state!=paused  | true
            client_state>paused   | true
            client_state<runninga | true
            client_state>=running | true
            client_state<=running | true
            client_state<running  | false
            client_state~unn      | true
            client_state~UNN      | false
            # one side a number, the other not: text
            client_state>1        | true
            cpu_usage>abc         | false
            cpu_usage==90.0x      | false
            # server-owned fields and the two pseudo-attributes
            connected==true       | true
            connected!=false      | true
            gateway_node==gw-1:8000 | true
            last_seen>2026-11-28T17:45      | true
            last_seen>2026-11-28T17:45:21   | false
            last_seen<2026-11-29            | true
            connect_time>=2026-11-28T17:45:15.362341+00:00 | true
            client_id==worker-7   | true
            client_id~worker-     | true
            client_id>worker-10   | true
            # empty values
            empty==       | true
            empty!=       | false
            empty~        | true
            label~        | true
            label==       | false
            label>        | true
            # the value may hold spaces after its first character
            label==Build 🐍 host  | true
            label~🐍 h | true
            """)
    void evaluatesEveryOperatorOnNumbersTextAndServerFields(String expression, boolean expected) {
        assertThat(matches(WORKER, expression)).as(expression).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "cpu_usage==90",
                "cpu_usage>0",
                "cpu_usage>=0",
                "cpu_usage<1",
                "cpu_usage<=1",
                "cpu_usage~",
                "cpu_usage==",
                "gateway_node~gw"
            })
    void aMissingAttributeFailsEveryOperatorButNotEqual(String expression) {
        assertThat(matches(GONE, expression)).isFalse();
    }

    @Test
    void aMissingAttributeDiffersFromEveryValue() {
        assertThat(matches(GONE, "cpu_usage!=90")).isTrue();
        assertThat(matches(GONE, "cpu_usage!=")).isTrue();
        assertThat(matches(GONE, "connected==false", "status_detail~client", "client_id==gone-1"))
                .isTrue();
    }

    @Test
    void connectedFollowsTheConnectionNotAStoredField() {
        ClientSnapshot noField = new ClientSnapshot("x", true, new String[0], new String[0], 1);
        assertThat(matches(noField, "connected==true")).isTrue();
        assertThat(matches(GONE, "connected==true")).isFalse();
    }

    @Test
    void everyExpressionMustHold() {
        assertThat(matches(WORKER, "cpu_usage>50", "client_state==running")).isTrue();
        assertThat(matches(WORKER, "cpu_usage>50", "client_state==paused")).isFalse();
        assertThat(matches(WORKER, "cpu_usage>95", "client_state==running")).isFalse();
        assertThat(ClientFilter.parse(List.of())).isSameAs(ClientFilter.ALL);
        assertThat(ClientFilter.ALL.test(GONE)).isTrue();
        assertThat(ClientFilter.ALL.matchesAll()).isTrue();
    }

    @Test
    void theFirstOperatorSplitsTheExpressionLongestFirst() {
        ClientFilter.Term t = ClientFilter.parse(List.of("a>=b==c")).terms().get(0);
        assertThat(t.attribute()).isEqualTo("a");
        assertThat(t.operator()).isEqualTo(ClientFilter.Operator.GREATER_OR_EQUAL);
        assertThat(t.value()).isEqualTo("b==c");
        assertThat(t).hasToString("a>=b==c");
        assertThat(ClientFilter.parse(List.of("url~a=b&c<d")).terms().get(0).value())
                .isEqualTo("a=b&c<d");
        assertThat(ClientFilter.parse(List.of("x<=1", "y~z"))).hasToString("x<=1 and y~z");
    }

    @Test
    void unicodeTextOrdersByCodePoint() {
        // U+1F40D (a surrogate pair in UTF-16) sorts after U+FF5E; String.compareTo says the opposite
        assertThat(ClientFilter.compareText("🐍", "～")).isPositive();
        assertThat("🐍".compareTo("～")).isNegative();
        assertThat(ClientFilter.compareText("a", "ab")).isNegative();
        assertThat(ClientFilter.compareText("b", "ab")).isPositive();
        assertThat(ClientFilter.compareText("same", "same")).isZero();
        ClientSnapshot s = new ClientSnapshot("u", true, new String[] {"v"}, new String[] {"🐍"}, 1);
        assertThat(matches(s, "v>～")).isTrue();
    }

    @Test
    void badExpressionsSayWhatIsWrong() {
        assertThat(error("cpu_usage>>9"))
                .isEqualTo("where 'cpu_usage>>9': " + SHAPE + " (a value cannot start with =, !, <, > or ~)");
        assertThat(error("cpu_usage")).isEqualTo("where 'cpu_usage': " + SHAPE);
        assertThat(error("")).isEqualTo("where '': " + SHAPE);
        assertThat(error("client_state=error"))
                .isEqualTo("where 'client_state=error': " + SHAPE + " (use == to test equality)");
        assertThat(error("==running")).isEqualTo("where '==running': the attribute before '==' is empty; " + SHAPE);
        assertThat(error("a=>1"))
                .isEqualTo("where 'a=>1': " + SHAPE + " (an attribute name cannot contain =, !, <, > or ~)");
        assertThat(error("a!b==1")).endsWith("(an attribute name cannot contain =, !, <, > or ~)");
        assertThat(error("a===1")).endsWith("(a value cannot start with =, !, <, > or ~)");
        assertThat(error("a<>1")).endsWith("(a value cannot start with =, !, <, > or ~)");
        assertThat(error("a~~1")).endsWith("(a value cannot start with =, !, <, > or ~)");
        assertThat(error("cpu_usage > 90"))
                .isEqualTo("where 'cpu_usage > 90': no spaces around the attribute or the "
                        + "operator (they would be part of the attribute's name or the value); " + SHAPE);
        assertThat(error(" cpu_usage>90")).startsWith("where ' cpu_usage>90': no spaces");
        assertThat(error("cpu_usage> 90")).startsWith("where 'cpu_usage> 90': no spaces");
        // the first bad one is named
        assertThat(error("cpu_usage>90", "oops")).isEqualTo("where 'oops': " + SHAPE);
    }

    @Test
    void limitsTheNumberAndSizeOfExpressions() {
        List<String> sixteen = new ArrayList<>(Collections.nCopies(16, "cpu_usage>1"));
        assertThat(ClientFilter.parse(sixteen).terms()).hasSize(16);
        sixteen.add("cpu_usage>2");
        assertThat(error(sixteen.toArray(String[]::new)))
                .isEqualTo("17 where expressions: at most 16 are allowed, and all of them must hold");

        String longest = "label==" + "x".repeat(249);
        assertThat(ClientFilter.parse(List.of(longest)).terms()).hasSize(1);
        assertThat(error(longest + "x"))
                .isEqualTo("A where expression of 257 bytes is longer than the limit of 256 bytes");
        // bytes of UTF-8, not characters: 64 snakes are 256 bytes
        assertThat(error("l~" + "🐍".repeat(64)))
                .isEqualTo("A where expression of 258 bytes is longer than the limit of 256 bytes");
    }

    @Test
    void attributesAreFieldsPlusClientIdAndConnected() {
        assertThat(ClientFilter.attribute(WORKER, "client_id")).isEqualTo("worker-7");
        assertThat(ClientFilter.attribute(WORKER, "connected")).isEqualTo("true");
        assertThat(ClientFilter.attribute(GONE, "connected")).isEqualTo("false");
        assertThat(ClientFilter.attribute(WORKER, "cpu_usage")).isEqualTo("90.0");
        assertThat(ClientFilter.attribute(WORKER, "nope")).isNull();
    }
}
