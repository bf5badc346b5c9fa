package io.vipkeeper.platform;

import io.fabric8.kubernetes.client.Config;
import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.names.KubeNames;
import io.vipkeeper.core.net.IpAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * The typed flag values every command shares, as picocli converters: a value that does not fit is refused while the
 * command line is parsed, before anything runs. picocli prefixes the message with the flag ("Invalid value for option
 * '--health-port': ..."), {@link CliErrors} prints it on one line, exit 2. Commands use these by type (ports,
 * addresses, durations, names) and subclass {@link IntRange} / {@link LongRange} for their own bounds. Files named
 * by flags are checked by {@link #readable}, {@link #writable} and {@link #kubeconfig} from {@link OptionChecks}.
 */
public final class Flags {

    private Flags() {
    }

    /** A whole number from {@code min} to {@code max}; subclasses name the bounds once (picocli needs a class). */
    public abstract static class IntRange implements ITypeConverter<Integer> {
        private final int min;
        private final int max;
        private final String what;

        protected IntRange(int min, int max, String what) {
            this.min = min;
            this.max = max;
            this.what = what;
        }

        @Override
        public Integer convert(String value) {
            long n = LongRange.parse(value, what, min, max);
            return (int) n;
        }
    }

    /** A whole number from {@code min} to {@code max} (longs). */
    public abstract static class LongRange implements ITypeConverter<Long> {
        private final long min;
        private final long max;
        private final String what;

        protected LongRange(long min, long max, String what) {
            this.min = min;
            this.max = max;
            this.what = what;
        }

        @Override
        public Long convert(String value) {
            return parse(value, what, min, max);
        }

        static long parse(String value, String what, long min, long max) {
            long n;
            try {
                n = Long.parseLong(value.strip());
            } catch (NumberFormatException e) {
                throw new TypeConversionException(quote(value) + " is not " + what + " (a whole number from " + min + " to " + max + ")");
            }
            if (n < min || n > max) {
                throw new TypeConversionException(quote(value) + " is not " + what + " (from " + min + " to " + max + ")");
            }
            return n;
        }
    }

    /** A port to listen on; 0 lets the system pick one. */
    public static final class ListenPort extends IntRange {
        public ListenPort() {
            super(0, 65535, "a port");
        }
    }

    /** A port to listen on, 0 for any, -1 to serve nothing. */
    public static final class ListenPortOrOff extends IntRange {
        public ListenPortOrOff() {
            super(-1, 65535, "a port or -1 (off)");
        }
    }

    /** A port to connect to. */
    public static final class Port extends IntRange {
        public Port() {
            super(1, 65535, "a port");
        }
    }

    /** An IP address literal (no name lookup: a typo must not bind to whatever a resolver answers). */
    public static final class IpLiteral implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            if (IpAddress.tryParse(value) == null) {
                throw new TypeConversionException(quote(value) + " is not an IP address (e.g. 0.0.0.0, 127.0.0.1 or ::)");
            }
            return value;
        }
    }

    /** An IP address literal or a host name (RFC 1123); a dotted-decimal value must be a valid IPv4 address. */
    public static final class Host implements ITypeConverter<String> {
        private static final Pattern NAME = Pattern.compile("(?=.{1,253}$)[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?"
                + "(\\.[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?)*");

        @Override
        public String convert(String value) {
            return host(value);
        }

        static String host(String value) {
            boolean ok = IpAddress.tryParse(value) != null
                    || NAME.matcher(value).matches() && !value.matches("[0-9.]+");
            if (!ok) {
                throw new TypeConversionException(quote(value) + " is not an IP address or a host name");
            }
            return value;
        }
    }

    /** A duration: 500ms, 15s or 1m, more than zero. */
    public static final class Duration implements ITypeConverter<java.time.Duration> {
        private static final Pattern FORM = Pattern.compile("(\\d{1,6})(ms|s|m)");

        @Override
        public java.time.Duration convert(String value) {
            Matcher m = FORM.matcher(value);
            java.time.Duration d = null;
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                d = switch (m.group(2)) {
                    case "ms" -> java.time.Duration.ofMillis(n);
                    case "s" -> java.time.Duration.ofSeconds(n);
                    default -> java.time.Duration.ofMinutes(n);
                };
            }
            if (d == null) {
                throw new TypeConversionException("expected a duration like 500ms, 15s or 1m, got " + quote(value));
            }
            if (d.isZero()) {
                throw new TypeConversionException("must be more than 0, got " + quote(value));
            }
            return d;
        }
    }

    /** A Kubernetes namespace name. */
    public static final class Namespace implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            if (!KubeNames.isNamespace(value)) {
                throw new TypeConversionException(quote(value) + " is not a namespace name (lower case letters, digits and '-', at most 63)");
            }
            return value;
        }
    }

    // Files are checked by the command's OptionChecks, not while parsing: parsing must not depend on this machine
    // (the chart's arguments name files that exist only in the pod, and tests parse them here).

    /** {@code file} exists and can be read; else an {@link InvalidInputException} naming {@code flag}. */
    public static Path readable(String flag, Path file) {
        if (!Files.exists(file)) {
            throw new InvalidInputException(flag + " " + quote(file.toString()) + ": no such file");
        }
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new InvalidInputException(flag + " " + quote(file.toString()) + ": not a readable file");
        }
        return file;
    }

    /** {@code file} can be written: its directory exists (the file itself is created or replaced). */
    public static Path writable(String flag, Path file) {
        Path dir = file.toAbsolutePath().getParent();
        if (Files.isDirectory(file) || dir == null || !Files.isDirectory(dir) || !Files.isWritable(dir)) {
            throw new InvalidInputException(flag + " " + quote(file.toString()) + ": cannot write a file there (is its directory missing?)");
        }
        return file;
    }

    /** {@code file} is a readable kubeconfig that parses (a mistyped path or a truncated file is refused at start). */
    public static Path kubeconfig(String flag, Path file) {
        readable(flag, file);
        try {
            Config.fromKubeconfig(null, Files.readString(file), file.toAbsolutePath().toString());
        } catch (IOException | RuntimeException e) {
            // the YAML parser's first line says what and where; the mapper's names Java classes, which help no one
            String reason = firstLine(e);
            throw new InvalidInputException(flag + " " + quote(file.toString()) + " is not a kubeconfig"
                    + (reason.contains("`") || reason.contains("io.fabric8") ? "" : ": " + reason));
        }
        return file;
    }

    /** The first line of an exception's message (library messages often run over several lines). */
    public static String firstLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.lines().map(String::strip).filter(l -> !l.isEmpty()).findFirst().orElse(e.getClass().getSimpleName());
    }

    private static String quote(String value) {
        return InvalidInputException.quote(value);
    }
}
