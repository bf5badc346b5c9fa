package io.vipkeeper.core.dns;

import java.util.Optional;

/**
 * Just enough JSON to read a CoreDNS etcd value: the top-level {@code host} and {@code text} strings and {@code ttl} number;
 * other fields (any JSON type) are skipped. Values come from etcd, written by anyone, so anything that is
 * not well-formed is rejected rather than guessed at. Depth and length are bounded.
 */
final class Json {

    record Value(String host, Integer ttl, String text) {
    }

    private static final int MAX_LENGTH = 64 * 1024;
    private static final int MAX_DEPTH = 16;

    private final String s;
    private int i;

    private Json(String s) {
        this.s = s;
    }

    static Optional<Value> parseObjectFields(String text) {
        if (text == null || text.length() > MAX_LENGTH) {
            return Optional.empty();
        }
        try {
            Json p = new Json(text);
            Value v = p.topObject();
            p.ws();
            return p.i == text.length() ? Optional.of(v) : Optional.empty();
        } catch (IllegalStateException e) {
            return Optional.empty();
        }
    }

    private Value topObject() {
        ws();
        expect('{');
        String host = null;
        Integer ttl = null;
        String text = null;
        ws();
        if (peek() == '}') {
            i++;
            return new Value(null, null, null);
        }
        while (true) {
            ws();
            String field = string();
            ws();
            expect(':');
            ws();
            if (field.equals("host") && peek() == '"') {
                host = string();
            } else if (field.equals("text") && peek() == '"') {
                text = string();
            } else if (field.equals("ttl") && (peek() == '-' || Character.isDigit(peek()))) {
                double d = number();
                if (d < 0 || d > Integer.MAX_VALUE || d != Math.floor(d)) {
                    throw new IllegalStateException("bad ttl");
                }
                ttl = (int) d;
            } else {
                skipValue(1);
            }
            ws();
            char c = next();
            if (c == '}') {
                return new Value(host, ttl, text);
            }
            if (c != ',') {
                throw new IllegalStateException("expected , or }");
            }
        }
    }

    private void skipValue(int depth) {
        if (depth > MAX_DEPTH) {
            throw new IllegalStateException("too deep");
        }
        ws();
        char c = peek();
        if (c == '"') {
            string();
        } else if (c == '{' || c == '[') {
            char close = c == '{' ? '}' : ']';
            i++;
            ws();
            if (peek() == close) {
                i++;
                return;
            }
            while (true) {
                ws();
                if (close == '}') {
                    string();
                    ws();
                    expect(':');
                }
                skipValue(depth + 1);
                ws();
                char n = next();
                if (n == close) {
                    return;
                }
                if (n != ',') {
                    throw new IllegalStateException("bad container");
                }
            }
        } else if (c == '-' || Character.isDigit(c)) {
            number();
        } else if (s.startsWith("true", i)) {
            i += 4;
        } else if (s.startsWith("false", i)) {
            i += 5;
        } else if (s.startsWith("null", i)) {
            i += 4;
        } else {
            throw new IllegalStateException("bad value");
        }
    }

    private String string() {
        expect('"');
        StringBuilder sb = new StringBuilder();
        while (true) {
            char c = next();
            if (c == '"') {
                return sb.toString();
            }
            if (c < 0x20) {
                throw new IllegalStateException("control character in string");
            }
            if (c == '\\') {
                char e = next();
                switch (e) {
                    case '"', '\\', '/' -> sb.append(e);
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'n' -> sb.append('\n');
                    case 'r' -> sb.append('\r');
                    case 't' -> sb.append('\t');
                    case 'u' -> {
                        if (i + 4 > s.length()) {
                            throw new IllegalStateException("bad escape");
                        }
                        try {
                            sb.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                        } catch (NumberFormatException ex) {
                            throw new IllegalStateException("bad escape");
                        }
                        i += 4;
                    }
                    default -> throw new IllegalStateException("bad escape");
                }
            } else {
                sb.append(c);
            }
        }
    }

    private double number() {
        int start = i;
        if (peek() == '-') {
            i++;
        }
        while (i < s.length() && "0123456789.eE+-".indexOf(s.charAt(i)) >= 0) {
            i++;
        }
        try {
            return Double.parseDouble(s.substring(start, i));
        } catch (NumberFormatException e) {
            throw new IllegalStateException("bad number");
        }
    }

    private void ws() {
        while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t' || s.charAt(i) == '\n' || s.charAt(i) == '\r')) {
            i++;
        }
    }

    private char peek() {
        if (i >= s.length()) {
            throw new IllegalStateException("end of input");
        }
        return s.charAt(i);
    }

    private char next() {
        char c = peek();
        i++;
        return c;
    }

    private void expect(char c) {
        if (next() != c) {
            throw new IllegalStateException("expected " + c);
        }
    }
}
