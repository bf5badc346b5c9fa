package io.vipkeeper.core.dns;

import io.vipkeeper.core.InvalidInputException;
import java.util.Locale;
import java.util.Optional;

/**
 * One hostname label (RFC 1123): 1 to 63 of a-z, 0-9 and '-', not starting or ending with '-'.
 * Kubernetes names, namespaces and node label values are untrusted here: the mock API and older clusters
 * accept values (dots, underscores, 64+ characters) that cannot become a label.
 */
public final class DnsLabel {

    public static final int MAX_LENGTH = 63;

    private DnsLabel() {
    }

    /** Empty when {@code label} is a valid lower-case label, else what is wrong with it. */
    public static Optional<String> problem(String label) {
        if (label == null || label.isEmpty()) {
            return Optional.of("empty DNS label");
        }
        if (label.length() > MAX_LENGTH) {
            return Optional.of("DNS label longer than " + MAX_LENGTH + " characters: " + InvalidInputException.quote(label));
        }
        for (int i = 0; i < label.length(); i++) {
            char c = label.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c == '-' && i > 0 && i < label.length() - 1);
            if (!ok) {
                return Optional.of("not a DNS label (a-z, 0-9, inner '-'): " + InvalidInputException.quote(label));
            }
        }
        return Optional.empty();
    }

    public static boolean isValid(String label) {
        return problem(label).isEmpty();
    }

    /** Lower-cases and checks; throws {@link InvalidInputException} naming the value when it cannot be a label. */
    public static String parse(String label) {
        String lower = label == null ? null : label.toLowerCase(Locale.ROOT);
        Optional<String> problem = problem(lower);
        if (problem.isPresent()) {
            throw new InvalidInputException(problem.get());
        }
        return lower;
    }
}
