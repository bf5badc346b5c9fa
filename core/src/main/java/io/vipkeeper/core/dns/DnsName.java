package io.vipkeeper.core.dns;

import io.vipkeeper.core.InvalidInputException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A DNS name made of hostname labels (letters, digits, hyphens; RFC 1123), lower-cased, most specific label
 * first. Only names that went through {@link #parse} exist, so any instance is safe to put into a record,
 * an etcd key or a zone file. The root name has no labels.
 */
public record DnsName(List<String> labels) {

    public static final DnsName ROOT = new DnsName(List.of());
    /** RFC 1035: 255 octets on the wire, i.e. 253 characters in text form without the final dot. */
    public static final int MAX_TEXT_LENGTH = 253;

    public DnsName {
        labels = List.copyOf(labels);
        int length = -1;
        for (String label : labels) {
            Optional<String> problem = DnsLabel.problem(label);
            if (problem.isPresent()) {
                throw new InvalidInputException(problem.get());
            }
            length += label.length() + 1;
        }
        if (length > MAX_TEXT_LENGTH) {
            throw new InvalidInputException("DNS name longer than " + MAX_TEXT_LENGTH + " characters");
        }
    }

    /** Parses {@code a.b.example.com} or {@code a.b.example.com.}; case is folded; throws naming the value when invalid. */
    public static DnsName parse(String text) {
        if (text == null || text.isEmpty() || text.length() > MAX_TEXT_LENGTH + 1) {
            throw new InvalidInputException("not a DNS name: " + InvalidInputException.quote(text));
        }
        if (text.equals(".")) {
            return ROOT;
        }
        String body = text.endsWith(".") ? text.substring(0, text.length() - 1) : text;
        List<String> labels = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= body.length(); i++) {
            if (i == body.length() || body.charAt(i) == '.') {
                String label = body.substring(start, i).toLowerCase(Locale.ROOT);
                Optional<String> problem = DnsLabel.problem(label);
                if (problem.isPresent()) {
                    throw new InvalidInputException("not a DNS name: " + InvalidInputException.quote(text) + ": " + problem.get());
                }
                labels.add(label);
                start = i + 1;
            }
        }
        return new DnsName(labels);
    }

    /** Parses, or returns empty. */
    public static Optional<DnsName> tryParse(String text) {
        try {
            return Optional.of(parse(text));
        } catch (InvalidInputException e) {
            return Optional.empty();
        }
    }

    /** This name with {@code label} in front ({@code child("www")} of example.com is www.example.com). */
    public DnsName child(String label) {
        List<String> l = new ArrayList<>(labels.size() + 1);
        l.add(label.toLowerCase(Locale.ROOT));
        l.addAll(labels);
        return new DnsName(l);
    }

    /** The name one label up; the root's parent is the root. */
    public DnsName parent() {
        return labels.isEmpty() ? this : new DnsName(labels.subList(1, labels.size()));
    }

    public boolean isRoot() {
        return labels.isEmpty();
    }

    /** True when this name equals {@code zone} or lies below it. */
    public boolean isSubdomainOf(DnsName zone) {
        int extra = labels.size() - zone.labels.size();
        return extra >= 0 && labels.subList(extra, labels.size()).equals(zone.labels);
    }

    /** Text form without the final dot; "." for the root. */
    @Override
    public String toString() {
        return labels.isEmpty() ? "." : String.join(".", labels);
    }

    /** Text form with the final dot, as in zone files and on the wire. */
    public String fqdn() {
        return labels.isEmpty() ? "." : String.join(".", labels) + ".";
    }
}
