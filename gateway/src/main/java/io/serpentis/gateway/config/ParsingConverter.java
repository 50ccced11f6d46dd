package io.serpentis.gateway.config;

import java.util.function.Function;
import picocli.CommandLine;

/**
 * A picocli converter for a value with a {@code parse(String)} of its own that throws
 * {@link IllegalArgumentException}: picocli reports that message as a conversion error naming the option. A
 * subclass passes the parser, as picocli instantiates converters by their no-argument constructor.
 */
public abstract class ParsingConverter<T> implements CommandLine.ITypeConverter<T> {
    private final Function<String, T> parser;

    protected ParsingConverter(Function<String, T> parser) {
        this.parser = parser;
    }

    @Override
    public T convert(String value) {
        try {
            return parser.apply(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
