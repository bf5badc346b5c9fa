package io.vipkeeper.testsupport;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The test (class or method) needs root: network namespaces, keepalived, nftables. Without root it fails when
 * {@code CI=true} and otherwise is skipped and named in the run's one "NOT CHECKED" line ({@link RootRequirement}).
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(RootRequirement.class)
public @interface RequiresRoot {

    /** What goes unchecked without root, in a few words (for the summary line). */
    String value();
}
