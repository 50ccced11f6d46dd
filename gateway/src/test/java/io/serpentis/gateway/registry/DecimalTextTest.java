package io.serpentis.gateway.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DecimalTextTest {

    private static int compare(String a, String b) {
        DecimalText parsed = DecimalText.parse(b);
        assertThat(parsed).as(b + " is a number").isNotNull();
        return Integer.signum(DecimalText.compare(a, parsed));
    }

    @ParameterizedTest
    @CsvSource({
        "90, 90.0, 0",
        "90.0, 9e1, 0",
        "9E+1, 90, 0",
        "900e-1, 90, 0",
        "0, -0, 0",
        "0.000, 0e5, 0",
        "-0.0, 0, 0",
        "1, 0, 1",
        "-1, 0, -1",
        "0, 0.0001, -1",
        "-5, -4, -1",
        "-4, -5, 1",
        "-0.5, -0.25, -1",
        "83.8, 90, -1",
        "100, 99.999, 1",
        "0.1, 0.10000000000000000001, -1",
        "12345678901234567890, 12345678901234567891, -1",
        "12345678901234567890123, 1.2345678901234567890123e22, 0",
        "1e400, 1e399, 1",
        "1e-400, 0, 1",
        "-1e400, -1e399, -1",
        "10, 9.99999999999999999999999, 1",
        "0.05, 5e-2, 0",
        "1.10, 1.1, 0",
        "2, 10, -1",
    })
    void comparesAsExactDecimals(String a, String b, int expected) {
        assertThat(compare(a, b)).as(a + " vs " + b).isEqualTo(expected);
        assertThat(compare(b, a)).as(b + " vs " + a).isEqualTo(-expected);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "-",
                "+1",
                ".5",
                "1.",
                "01",
                "00",
                "-01",
                "1e",
                "1e+",
                "1.5.2",
                "1e5.5",
                "0x10",
                " 1",
                "1 ",
                "NaN",
                "Infinity",
                "-Infinity",
                "inf",
                "nan",
                "1_000",
                "１",
                "1e1000000000",
                "true",
                "2026-11-28",
                "1,5"
            })
    void textsThatAreNotJsonNumbersAreNotNumbers(String text) {
        assertThat(DecimalText.parse(text)).isNull();
        assertThat(DecimalText.compare(text, DecimalText.parse("1"))).isEqualTo(DecimalText.NOT_A_NUMBER);
    }

    @ParameterizedTest
    @CsvSource({
        "90, 9e1, true",
        "0, -0.0, true",
        "0.10, 1e-1, true",
        "-90, 90, false",
        "0.1, 0.10000000000000000001, false"
    })
    void parsedNumbersAreEqualWhenTheyAreTheSameNumber(String a, String b, boolean same) {
        if (same) {
            assertThat(DecimalText.parse(a)).isEqualTo(DecimalText.parse(b)).hasSameHashCodeAs(DecimalText.parse(b));
        } else {
            assertThat(DecimalText.parse(a)).isNotEqualTo(DecimalText.parse(b));
        }
    }

    @Test
    void agreesWithBigDecimalOnRandomNumbers() {
        Random random = new Random(15);
        List<String> shapes = List.of(
                "%1$d",
                "-%1$d",
                "%1$d.%2$d",
                "-%1$d.%2$d",
                "%1$de%3$d",
                "%1$d.%2$de-%3$d",
                "-%1$dE+%3$d",
                "0.%2$d",
                "-0.00%2$d");
        for (int i = 0; i < 20_000; i++) {
            String a = number(random, shapes);
            String b = number(random, shapes);
            int expected = new BigDecimal(a).compareTo(new BigDecimal(b));
            assertThat(compare(a, b)).as(a + " vs " + b).isEqualTo(expected);
        }
    }

    private static String number(Random random, List<String> shapes) {
        String shape = shapes.get(random.nextInt(shapes.size()));
        long[] digits = new long[2];
        for (int i = 0; i < digits.length; i++) {
            digits[i] = random.nextBoolean() ? random.nextInt(20) : Math.abs(random.nextLong() % 100_000_000_000L);
        }
        return String.format(shape, digits[0], digits[1], random.nextInt(30));
    }
}
