package io.serpentis.gateway.registry;

import io.serpentis.gateway.internal.Utf8;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A conjunction of {@code where} expressions on clients' attributes, such as {@code cpu_usage>90} and
 * {@code client_state==error}: parsed once, then tested against any number of {@link ClientSnapshot}s. The list
 * route, the fleet summary and the bulk commands share it, so an expression means the same everywhere.
 *
 * <p><b>Syntax.</b> {@code <attribute><op><value>}, with {@code op} one of {@code ==}, {@code !=}, {@code >},
 * {@code >=}, {@code <}, {@code <=} and {@code ~}. The operator is the first one found reading from the left,
 * the two-character ones before their one-character prefixes; the attribute is everything before it and the value
 * everything after it, so the value may contain anything, even operators, and may be empty. There is no quoting.
 * Hence:
 * <ul>
 *   <li>an attribute whose name contains {@code =}, {@code !}, {@code <}, {@code >} or {@code ~} cannot be queried
 *       (an expression whose attribute would contain one is refused);
 *   <li>a value cannot start with one of those characters ({@code cpu_usage>>9} and {@code a=>1} are refused as
 *       typos rather than read as {@code > ">9"});
 *   <li>spaces are not trimmed: an attribute that starts or ends with whitespace, or a value that starts with it, is
 *       refused ({@code cpu_usage > 90} would otherwise look for an attribute named {@code "cpu_usage "});
 *   <li>a lone {@code =} is not an operator ({@code client_state=error} is refused, with a hint to use
 *       {@code ==}).
 * </ul>
 * At most {@value #MAX_EXPRESSIONS} expressions, each at most {@value #MAX_EXPRESSION_BYTES} bytes of UTF-8.
 *
 * <p><b>Attributes</b> are a client's fields as the API shows them (its status, and the server-owned
 * {@code connect_time}, {@code disconnect_time}, {@code status_detail}, {@code gateway_node}, {@code last_seen}),
 * plus two that are always present: {@code client_id}, the id, and {@code connected}, {@code true} while a
 * connection holds the client and {@code false} otherwise (see {@link #attribute}).
 *
 * <p><b>Semantics.</b> Every expression must hold. When both the attribute's value and the expression's value are
 * numbers as JSON writes them (the stored text of a number is its JSON text), {@code ==}, {@code !=} and the
 * orderings compare them as exact decimals ({@code cpu_usage==90} matches {@code 90.0} and {@code 9e1});
 * otherwise {@code ==} and {@code !=} compare the texts exactly, and the orderings compare them in Unicode
 * code-point order (so ISO-8601 times of one format, as the gateway writes them, order as times:
 * {@code last_seen>2026-11-28T17:00}). {@code ~} holds when the value contains the expression's text
 * (case-sensitive; an empty text matches any value). A client without the attribute fails every expression but
 * {@code !=}, which it passes (a missing value differs from every value): {@code foo~} selects the clients that
 * have {@code foo}, and {@code foo!=x} includes those that do not.
 *
 * <p>Immutable and thread-safe; {@link #test} allocates nothing.
 */
public final class ClientFilter {
    /** The most expressions one filter may hold. */
    public static final int MAX_EXPRESSIONS = 16;
    /** The longest expression, in bytes of UTF-8. */
    public static final int MAX_EXPRESSION_BYTES = 256;
    /** The operators as the error messages list them. */
    public static final String OPERATORS = "==, !=, >, >=, <, <=, ~";
    /** The pseudo-attribute that names a client's id. */
    public static final String CLIENT_ID = "client_id";

    /** The filter without expressions: every client matches. */
    public static final ClientFilter ALL = new ClientFilter(List.of());

    private static final String SHAPE = "expected <attribute><op><value> with op one of " + OPERATORS;
    private static final String OPERATOR_CHARS = "=!<>~";

    private final List<Term> terms;
    private final Term[] termArray;

    private ClientFilter(List<Term> terms) {
        this.terms = List.copyOf(terms);
        this.termArray = terms.toArray(new Term[0]);
    }

    /** A comparison operator, with the text that writes it. */
    public enum Operator {
        EQUAL("=="),
        NOT_EQUAL("!="),
        GREATER_OR_EQUAL(">="),
        LESS_OR_EQUAL("<="),
        GREATER(">"),
        LESS("<"),
        CONTAINS("~");

        private final String symbol;

        Operator(String symbol) {
            this.symbol = symbol;
        }

        /** How the operator is written, e.g. {@code >=}. */
        public String symbol() {
            return symbol;
        }

        private static final Operator[] LONGEST_FIRST = values(); // two-character operators are declared first

        /** The operator starting at {@code at} in {@code text}, longest first, or {@code null}. */
        static @Nullable Operator at(String text, int at) {
            for (Operator op : LONGEST_FIRST) {
                if (text.startsWith(op.symbol, at)) {
                    return op;
                }
            }
            return null;
        }
    }

    /** One parsed expression. Immutable. */
    public static final class Term {
        private final String attribute;
        private final Operator operator;
        private final String value;
        /** The value as a number, or {@code null} when it is not one (or the operator is {@code ~}). */
        private final @Nullable DecimalText number;

        Term(String attribute, Operator operator, String value, @Nullable DecimalText number) {
            this.attribute = attribute;
            this.operator = operator;
            this.value = value;
            this.number = number;
        }

        /** The attribute's name, never empty. */
        public String attribute() {
            return attribute;
        }

        /** The operator. */
        public Operator operator() {
            return operator;
        }

        /** The text after the operator, possibly empty. */
        public String value() {
            return value;
        }

        /**
         * Whether an attribute holding {@code actual} (or missing, {@code null}) satisfies this expression.
         * Allocates nothing.
         */
        public boolean test(@Nullable String actual) {
            if (actual == null) {
                return operator == Operator.NOT_EQUAL;
            }
            if (operator == Operator.CONTAINS) {
                return actual.contains(value);
            }
            int c = number == null ? DecimalText.NOT_A_NUMBER : DecimalText.compare(actual, number);
            boolean numeric = c != DecimalText.NOT_A_NUMBER;
            return switch (operator) {
                case EQUAL -> numeric ? c == 0 : actual.equals(value);
                case NOT_EQUAL -> numeric ? c != 0 : !actual.equals(value);
                case GREATER -> (numeric ? c : compareText(actual, value)) > 0;
                case GREATER_OR_EQUAL -> (numeric ? c : compareText(actual, value)) >= 0;
                case LESS -> (numeric ? c : compareText(actual, value)) < 0;
                case LESS_OR_EQUAL -> (numeric ? c : compareText(actual, value)) <= 0;
                case CONTAINS -> throw new AssertionError("handled above");
            };
        }

        /** The expression as it was written. */
        @Override
        public String toString() {
            return attribute + operator.symbol + value;
        }
    }

    /** Thrown by {@link #parse} for an expression it refuses; the message says what is wrong, for an operator. */
    public static final class InvalidExpressionException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        InvalidExpressionException(String message) {
            super(message);
        }
    }

    /**
     * Parses {@code expressions} (the repeated {@code where} parameter, decoded), all of which must hold.
     *
     * @throws InvalidExpressionException when there are more than {@value #MAX_EXPRESSIONS}, or one is longer than
     *     {@value #MAX_EXPRESSION_BYTES} bytes or malformed; its message quotes the expression and says what is
     *     wrong, e.g. {@code where 'cpu_usage>>9': expected <attribute><op><value> with op one of ==, !=, >, >=, <,
     *     <=, ~ (a value cannot start with =, !, <, > or ~)}
     */
    public static ClientFilter parse(List<String> expressions) {
        if (expressions.isEmpty()) {
            return ALL;
        }
        if (expressions.size() > MAX_EXPRESSIONS) {
            throw new InvalidExpressionException(expressions.size() + " where expressions: at most " + MAX_EXPRESSIONS
                    + " are allowed, and all of them must hold");
        }
        List<Term> terms = new ArrayList<>(expressions.size());
        for (String expression : expressions) {
            terms.add(parseTerm(expression));
        }
        return new ClientFilter(terms);
    }

    private static Term parseTerm(String expression) {
        int bytes = Utf8.length(expression);
        if (bytes > MAX_EXPRESSION_BYTES) {
            // not quoted: the answer stays short whatever was sent
            throw new InvalidExpressionException("A where expression of " + bytes
                    + " bytes is longer than the limit of " + MAX_EXPRESSION_BYTES + " bytes");
        }
        Operator op = null;
        int at = 0;
        for (; at < expression.length(); at++) {
            op = Operator.at(expression, at);
            if (op != null) {
                break;
            }
        }
        if (op == null) {
            throw invalid(expression, SHAPE + (expression.indexOf('=') >= 0 ? " (use == to test equality)" : ""));
        }
        String attribute = expression.substring(0, at);
        String value = expression.substring(at + op.symbol.length());
        if (attribute.isEmpty()) {
            throw invalid(expression, "the attribute before '" + op.symbol + "' is empty; " + SHAPE);
        }
        if (containsAny(attribute, OPERATOR_CHARS)) {
            throw invalid(expression, SHAPE + " (an attribute name cannot contain =, !, <, > or ~)");
        }
        if (!value.isEmpty() && OPERATOR_CHARS.indexOf(value.charAt(0)) >= 0) {
            throw invalid(expression, SHAPE + " (a value cannot start with =, !, <, > or ~)");
        }
        if (Character.isWhitespace(attribute.charAt(0))
                || Character.isWhitespace(attribute.charAt(attribute.length() - 1))
                || (!value.isEmpty() && Character.isWhitespace(value.charAt(0)))) {
            throw invalid(
                    expression,
                    "no spaces around the attribute or the operator (they would be part of the attribute's name or "
                            + "the value); " + SHAPE);
        }
        DecimalText number = op == Operator.CONTAINS ? null : DecimalText.parse(value);
        return new Term(attribute, op, value, number);
    }

    private static InvalidExpressionException invalid(String expression, String what) {
        return new InvalidExpressionException("where '" + expression + "': " + what);
    }

    private static boolean containsAny(String s, String chars) {
        for (int i = 0; i < s.length(); i++) {
            if (chars.indexOf(s.charAt(i)) >= 0) {
                return true;
            }
        }
        return false;
    }

    /** The expressions, in the order given. */
    public List<Term> terms() {
        return terms;
    }

    /** Whether every client matches (no expressions). */
    public boolean matchesAll() {
        return termArray.length == 0;
    }

    /** Whether {@code client} satisfies every expression. Allocates nothing. */
    public boolean test(ClientSnapshot client) {
        for (Term term : termArray) {
            if (!term.test(attribute(client, term.attribute()))) {
                return false;
            }
        }
        return true;
    }

    /**
     * The value of attribute {@code name} of {@code client}, or {@code null} when it has none: {@link #CLIENT_ID}
     * is the id; {@code connected} is {@code "true"} or {@code "false"} as {@link ClientSnapshot#connected()} says;
     * any other name is the field of that name.
     */
    public static @Nullable String attribute(ClientSnapshot client, String name) {
        if (name.equals(CLIENT_ID)) {
            return client.id();
        }
        if (name.equals(ServerFields.CONNECTED)) {
            return client.connected() ? "true" : "false";
        }
        return client.get(name);
    }

    /**
     * Compares two texts in Unicode code-point order (which {@link String#compareTo} does not follow for characters
     * above U+FFFF against those from U+E000 to U+FFFF).
     */
    public static int compareText(String a, String b) {
        int n = Math.min(a.length(), b.length());
        for (int i = 0; i < n; i++) {
            char x = a.charAt(i);
            char y = b.charAt(i);
            if (x != y) {
                if (x >= Character.MIN_SURROGATE && y >= Character.MIN_SURROGATE) {
                    // surrogates (code points above U+FFFF) sort after U+E000..U+FFFF: move them above it
                    x = x >= 0xE000 ? (char) (x - 0x800) : (char) (x + 0x2000);
                    y = y >= 0xE000 ? (char) (y - 0x800) : (char) (y + 0x2000);
                }
                return x - y;
            }
        }
        return a.length() - b.length();
    }

    /** The expressions joined with {@code " and "}, or {@code "all"}. */
    @Override
    public String toString() {
        if (terms.isEmpty()) {
            return "all";
        }
        StringBuilder b = new StringBuilder();
        for (Term t : terms) {
            b.append(b.isEmpty() ? "" : " and ").append(t);
        }
        return b.toString();
    }
}
